/**
 * Encrypted vaults as users have them (rclone crypt over a local folder, and over a WebDAV server
 * that answers MD5 checksums, as ownCloud and Nextcloud do), through the whole stack
 * (`vaultarr start`) with the union view: a 300 MiB file becomes resident verified by its content
 * — `rclone cryptcheck`: the underlying object's hash against the local file encrypted with the
 * copy's nonce — with nothing of the copy downloaded but its 32-byte header (the WebDAV server's
 * answers, counted by a pass-through proxy, prove it); a copy corrupted on the underlying remote
 * (one byte, same size) is caught by the re-verification before eviction and copied again; and
 * once evicted the file reads back through `Media/`, decrypted and byte-identical.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../lib/infra/wait.js';
import {
  cryptOverLocal,
  cryptOverWebdav,
  flipByte,
  underlyingFile,
  type CryptVault,
  type WebdavRequest,
} from '../helpers/crypt-vaults.js';
import { makeRandomVideo, tempDir } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const MiB = 1024 * 1024;
/** sha256 of a file, asynchronously: reads through the union view reach the WebDAV proxy of this process. */
const sha256 = async (file: string) => (await promisify(execFile)('sha256sum', [file])).stdout.split(' ')[0]!;

interface Shown {
  live: { stage: string; verification?: Record<string, unknown> & { verifiedAt: string } };
}

/** Activity results of the item's workflow, in order, as the Web UI shows them. */
async function activityResults(
  stack: TestStack,
  id: string,
): Promise<Array<{ type: string; result: unknown }>> {
  return stack.withTemporal(async (client) => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<string, string>();
    const results: Array<{ type: string; result: unknown }> = [];
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const done = e.activityTaskCompletedEventAttributes;
      if (done) {
        const data = done.result?.payloads?.[0]?.data;
        results.push({
          type: scheduled.get(String(done.scheduledEventId)) ?? '?',
          result: data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined,
        });
      }
    }
    return results;
  });
}

describe.each([
  {
    name: 'over a local folder',
    make: (root: string) => Promise.resolve(cryptOverLocal(root)),
    webdav: false,
  },
  {
    name: 'over a WebDAV server with MD5 checksums',
    make: (root: string) => cryptOverWebdav(root, { hashes: true }),
    webdav: true,
  },
])('a crypt vault $name, through the stack with the union view', ({ make, webdav }) => {
  const where = tempDir('vaultarr-crypt-');
  let vault: CryptVault;
  let stack: TestStack;
  let id = '';
  let original = '';
  const libraryPath = 'Movies/Stalker (1979)/Stalker (1979).mkv';

  beforeAll(async () => {
    vault = await make(where.dir);
    stack = await TestStack.create({
      VAULTARR_UNION__ENABLED: 'true',
      VAULTARR_HOST_ID: webdav ? 'crypt-webdav' : 'crypt-local',
      VAULTARR_VAULT__REMOTE: vault.remote,
      VAULTARR_VAULT__RCLONE_CONFIG: vault.configFile,
    });
    await stack.start();
  }, 240_000);
  afterAll(async () => {
    await stack?.destroy();
    await vault?.stop();
    where.cleanup();
  });

  const local = () => path.join(stack.local, libraryPath);
  const shown = () => JSON.parse(stack.cli('items', 'show', id, '--json').stdout) as Shown;
  /** The video's encrypted object as the WebDAV server names it. */
  const objectPath = async () =>
    `/${path.relative(path.dirname(vault.underDir), await underlyingFile(vault, libraryPath))}`;
  const gets = (): WebdavRequest[] => vault.requests().filter((r) => r.method === 'GET');

  test(
    'a 300 MiB file becomes resident, verified by cryptcheck of its content with only its 32-byte header downloaded',
    async () => {
      await waitFor(
        'the union view',
        async () => {
          const res = await fetch(`http://127.0.0.1:${stack.ports.api}/readyz`);
          return ((await res.json()) as { checks: Record<string, string> }).checks.union === 'ok';
        },
        60_000,
      );
      stack.drop('Stalker.1979.1080p.BluRay.x264-GROUP.mkv', (at) => makeRandomVideo(at, 300 * MiB));
      id = await stack.residentId(libraryPath, 5 * 60_000);
      original = await sha256(local());
      const sizeBytes = Number(execFileSync('stat', ['-c', '%s', local()], { encoding: 'utf8' }));
      expect(shown().live.verification).toMatchObject({
        method: 'md5-crypt',
        sizeBytes,
        sha256: original,
        bytesDownloaded: 32,
      });
      if (webdav) {
        // What the server sent: of the 300 MiB copy, one ranged read of its header, nothing else.
        const object = await objectPath();
        expect(gets().filter((r) => r.path === object)).toEqual([
          expect.objectContaining({ range: 'bytes=0-31', bytesSent: 32 }),
        ]);
        expect(gets().reduce((n, r) => n + r.bytesSent, 0)).toBeLessThan(64 * 1024);
      }
    },
    6 * 60_000,
  );

  test(
    'a copy corrupted on the underlying remote (one byte, same size) is caught by re-verification before eviction and copied again',
    async () => {
      const before = shown().live.verification!.verifiedAt;
      // On a local folder even the modification time stays; a WebDAV server recomputes the MD5 it
      // answers only when the file's time changes (as a cloud keeps the hash of what was uploaded).
      flipByte(await underlyingFile(vault, libraryPath), { keepMtime: !webdav });
      expect(stack.cli('items', 'evict', id).status).toBe(0);
      await waitFor(
        'the item to be copied again and resident',
        async () => {
          const live = shown().live;
          return live.stage === 'resident' && live.verification!.verifiedAt > before;
        },
        5 * 60_000,
        1000,
      );
      expect(existsSync(local())).toBe(true);
      const results = await activityResults(stack, id);
      const evictions = results.filter((r) => r.type === 'evictLocalCopy');
      expect(evictions).toEqual([
        {
          type: 'evictLocalCopy',
          result: { evicted: false, reason: expect.stringMatching(/hashes differ.*rclone cryptcheck/) },
        },
      ]);
      const afterEviction = results.slice(results.findIndex((r) => r.type === 'evictLocalCopy') + 1);
      expect(afterEviction.map((r) => r.type)).toContain('copyAndVerify');
      expect(shown().live.verification).toMatchObject({ method: 'md5-crypt', sha256: original });
    },
    6 * 60_000,
  );

  test(
    'eviction leaves the file readable through Media/, decrypted and byte-identical',
    async () => {
      expect(stack.cli('items', 'evict', id).status).toBe(0);
      await waitFor('the local copy to be evicted', async () => !existsSync(local()), 5 * 60_000, 1000);
      expect(shown().live.stage).toBe('evicted');
      expect(await sha256(path.join(stack.dir, 'data', 'Media', libraryPath))).toBe(original);
    },
    6 * 60_000,
  );
});
