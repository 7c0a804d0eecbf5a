/**
 * Uploads survive crashes, outages and restarts: the real stack as processes with a WebDAV vault
 * (`rclone serve webdav` on 127.0.0.1), under a worker killed with SIGKILL mid-copy, the remote
 * down for 60 s in the middle of a batch of 50, and the Temporal dev server killed and restarted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { waitFor } from '../../lib/infra/wait.js';
import { makeRandomVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const MIB = 1024 * 1024;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('uploads under faults', () => {
  let stack: TestStack;
  let webdav: WebdavServer;
  let vaultDir: string;
  let db: pg.Client;

  let cleanupVault: () => void;

  beforeAll(async () => {
    const t = tempDir('vaultarr-webdav-');
    cleanupVault = t.cleanup;
    vaultDir = path.join(t.dir, 'webdav');
    webdav = await startWebdav(vaultDir);
    stack = await TestStack.create({
      VAULTARR_HOST_ID: 'faults-host',
      VAULTARR_VAULT__REMOTE: webdav.remote,
      VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS: '5',
      // Slow enough that a 200 MiB copy is surely cut off half way.
      VAULTARR_VAULT__EXTRA_FLAGS: '["--bwlimit", "40M"]',
    });
    await stack.start();
    db = new pg.Client({ connectionString: `postgres://vaultarr@127.0.0.1:${stack.ports.pg}/vaultarr` });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await stack?.destroy();
    await webdav?.stop();
    cleanupVault?.();
  });

  const stageOf = async (libraryPath: string): Promise<string | undefined> => {
    const { rows } = await db.query('SELECT stage FROM media_items WHERE library_path = $1', [libraryPath]);
    return rows[0]?.stage as string | undefined;
  };
  const residentCount = async (prefix: string): Promise<number> => {
    const { rows } = await db.query(
      "SELECT count(DISTINCT library_path)::int AS n FROM media_items WHERE stage = 'resident' AND library_path LIKE $1",
      [`${prefix}%`],
    );
    return rows[0].n as number;
  };
  const dropBatch = (title: string, count: number, sizeBytes: number): string[] =>
    Array.from({ length: count }, (_, i) => {
      const year = 1950 + i;
      stack.drop(`${title.replace(/ /g, '.')}.${year}.1080p.BluRay.x264-GROUP.mkv`, (at) =>
        makeRandomVideo(at, sizeBytes),
      );
      return `Movies/${title} (${year})/${title} (${year}).mkv`;
    });

  test('a worker killed with SIGKILL in the middle of copying a 200 MiB file: the copy completes after restart, bytes identical', async () => {
    stack.drop('Big.Movie.2020.1080p.BluRay.x264-GROUP.mkv', (at) => makeRandomVideo(at, 200 * MIB));
    const libraryPath = 'Movies/Big Movie (2020)/Big Movie (2020).mkv';
    await waitFor('the copy to start', async () => (await stageOf(libraryPath)) === 'copying', 60_000, 100);
    await new Promise((r) => setTimeout(r, 1500));
    const killed = stack.pidsOf('worker');
    expect(killed.length).toBeGreaterThan(0);
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    await waitFor(
      'the item to be resident',
      async () => (await stageOf(libraryPath)) === 'resident',
      180_000,
      500,
    );
    expect(stack.pidsOf('worker').some((pid) => !killed.includes(pid))).toBe(true);
    expect(await sha256(path.join(vaultDir, libraryPath))).toBe(
      await sha256(path.join(stack.local, libraryPath)),
    );
  }, 240_000);

  test('the WebDAV remote stopped for 60 s in the middle of a batch of 50: all complete after it returns, none parked', async () => {
    const paths = dropBatch('Outage Film', 50, 256 * 1024);
    await waitFor(
      'the batch to get going',
      async () => (await residentCount('Movies/Outage Film')) >= 5,
      60_000,
      200,
    );
    await webdav.stop();
    await new Promise((r) => setTimeout(r, 60_000));
    webdav = await startWebdav(vaultDir, webdav.port);
    await waitFor(
      'all 50 resident',
      async () => (await residentCount('Movies/Outage Film')) === 50,
      300_000,
      1000,
    );
    const parked = await db.query(
      "SELECT count(*)::int AS n FROM events e JOIN media_items m USING (workflow_id) WHERE m.library_path LIKE 'Movies/Outage Film%' AND e.stage = 'failed-needs-attention'",
    );
    expect(parked.rows[0].n).toBe(0);
    for (const p of paths)
      expect(await sha256(path.join(vaultDir, p))).toBe(await sha256(path.join(stack.local, p)));
  }, 420_000);

  test('the Temporal dev server killed and restarted in the middle of a batch: all items complete, none duplicated; a webhook sent meanwhile is kept and carried out', async () => {
    const created = stack.cli('token', 'create', '--name', 'radarr', '--json');
    expect(created.status).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    // A file Radarr imports while Temporal is down: its webhook comes once, and must not be lost.
    const imported = 'Movies/Outage Film (2020)/Outage Film (2020).mkv';
    mkdirSync(path.dirname(path.join(stack.local, imported)), { recursive: true });
    writeFileSync(path.join(stack.local, imported), randomBytes(MIB));
    const paths = dropBatch('Restart Film', 20, 2 * MIB);
    await waitFor(
      'the batch to get going',
      async () => (await residentCount('Movies/Restart Film')) >= 3,
      60_000,
      200,
    );
    const servers = stack.pidsOf('temporal');
    expect(servers.length).toBeGreaterThan(0);
    for (const pid of servers) process.kill(pid, 'SIGKILL');
    expect(await residentCount('Movies/Restart Film')).toBeLessThan(20); // killed mid-batch
    const file = path.join(stack.local, imported);
    const webhook = await fetch(`${stack.apiUrl}/api/v1/webhooks/radarr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token },
      body: JSON.stringify({
        eventType: 'Download',
        movie: { id: 7, title: 'Outage Film', year: 2020, folderPath: path.dirname(file), tmdbId: 7007 },
        movieFile: {
          id: 8,
          relativePath: path.basename(file),
          path: file,
          size: MIB,
          quality: 'Bluray-1080p',
        },
        isUpgrade: false,
      }),
    });
    expect(webhook.status).toBe(202);
    await waitFor(
      'all 20 resident',
      async () => (await residentCount('Movies/Restart Film')) === 20,
      300_000,
      1000,
    );
    await waitFor(
      "the webhook's item resident",
      async () => (await stageOf(imported)) === 'resident',
      120_000,
      500,
    );
    expect(await sha256(path.join(vaultDir, imported))).toBe(await sha256(file));
    const delivery = await db.query(
      "SELECT forwarded_at IS NOT NULL AS forwarded FROM webhook_deliveries WHERE event_type = 'Download'",
    );
    expect(delivery.rows).toEqual([{ forwarded: true }]);
    const perPath = await db.query(
      "SELECT library_path, count(*)::int AS n FROM media_items WHERE library_path LIKE 'Movies/Restart Film%' GROUP BY 1",
    );
    expect(perPath.rows).toHaveLength(20);
    expect(perPath.rows.every((r) => r.n === 1)).toBe(true);
    const copies = await db.query(
      "SELECT count(*)::int AS n FROM events e JOIN media_items m USING (workflow_id) WHERE m.library_path LIKE 'Movies/Restart Film%' AND e.stage = 'copying' AND e.outcome = 'entered'",
    );
    expect(copies.rows[0].n).toBe(20);
    const workflows = await stack.withTemporal(async (client) => {
      let n = 0;
      const query =
        'VaultarrHostId = "faults-host" AND VaultarrLibraryPath STARTS_WITH "Movies/Restart Film"';
      for await (const _ of client.workflow.list({ query })) n++;
      return n;
    });
    expect(workflows).toBe(20);
    for (const p of paths)
      expect(await sha256(path.join(vaultDir, p))).toBe(await sha256(path.join(stack.local, p)));
  }, 420_000);

  test('no library path is carried by two items after all the faults', async () => {
    const dups = await db.query(
      'SELECT library_path FROM media_items GROUP BY library_path HAVING count(*) > 1',
    );
    expect(dups.rows).toEqual([]);
  });

  test('vaultarr reconcile reports a clean state after the faults', () => {
    const result = stack.cli('reconcile');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('clean');
  });
});
