/**
 * The union view on real FUSE: `rclone mount` of the vault plus mergerfs of `.Local` + vault at
 * `Media/`. After eviction a file still reads back byte-identical through `Media/`, and `ls -la`
 * lists it without an error; a dead vault
 * mount (the anchor file gone) shows in `/readyz` and pauses eviction.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { makeVideo } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the union view', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await TestStack.create({ VAULTARR_UNION__ENABLED: 'true', VAULTARR_HOST_ID: 'union-host' });
    await stack.start();
  }, 240_000);
  afterAll(async () => {
    await stack?.destroy();
  });

  const media = () => path.join(stack.dir, 'data', 'Media');
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${stack.ports.api}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };

  /** The item's ID once it is resident. */
  const residentId = (libraryPath: string): Promise<string> => stack.residentId(libraryPath, 60_000);

  test('an evicted file still reads back byte-identical through Media/', async () => {
    await waitFor('the union view', async () => (await readyz()).body.checks.union === 'ok', 30_000);
    stack.drop('Heat.1995.1080p.BluRay.x264-GROUP.mkv', (at) => makeVideo(at, 2, 1));
    const libraryPath = 'Movies/Heat (1995)/Heat (1995).mkv';
    const local = path.join(stack.local, libraryPath);
    const id = await residentId(libraryPath);
    const original = sha256(local);
    const throughMedia = path.join(media(), libraryPath);
    expect(sha256(throughMedia)).toBe(original); // served from .Local

    // A player reading through Media/ every 50 ms across the eviction: not one read may fail.
    let reads = 0;
    const failures: string[] = [];
    let reading = true;
    const player = (async () => {
      while (reading) {
        try {
          readFileSync(throughMedia);
          reads++;
        } catch (err) {
          failures.push((err as Error).message);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(stack.cli('items', 'evict', id).status).toBe(0);
    await waitFor('the local copy to be evicted', async () => !existsSync(local), 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // keep reading after the eviction
    reading = false;
    await player;
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    // Now served from the vault through rclone mount + mergerfs, byte-identical.
    expect(sha256(throughMedia)).toBe(original);
  });

  test('ls -la in Media/ lists an evicted file, served from the vault, with its size and no error', async () => {
    await waitFor('the union view', async () => (await readyz()).body.checks.union === 'ok', 30_000);
    stack.drop('Ronin.1998.1080p.BluRay.x264-GROUP.mkv', (at) => makeVideo(at, 1, 2));
    const libraryPath = 'Movies/Ronin (1998)/Ronin (1998).mkv';
    const local = path.join(stack.local, libraryPath);
    const id = await residentId(libraryPath);
    const sizeBytes = statSync(local).size;
    expect(stack.cli('items', 'evict', id).status).toBe(0);
    await waitFor('the local copy to be evicted', async () => !existsSync(local), 60_000);
    for (const folder of [path.dirname(libraryPath), 'Movies']) {
      const listed = spawnSync('ls', ['-la', path.join(media(), folder)], { encoding: 'utf8' });
      expect(listed.stderr).toBe('');
      expect(listed.status).toBe(0);
      if (folder === 'Movies') expect(listed.stdout).toMatch(/ Ronin \(1998\)\n/);
      else expect(listed.stdout).toMatch(new RegExp(` ${sizeBytes} .* Ronin \\(1998\\)\\.mkv\n`));
    }
  });

  test('a dead vault mount shows in /readyz with the reason, and the union comes back by itself', async () => {
    const mounts = execFileSync('pgrep', ['-f', `mount .* ${path.join(stack.dir, 'data', '.Vault')}`], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    expect(mounts.length).toBeGreaterThan(0);
    for (const pid of mounts) process.kill(pid, 'SIGKILL');
    let reason = '';
    await waitFor(
      'readyz to report the dead mount',
      async () => {
        const r = await readyz();
        reason = r.body.checks.union ?? '';
        return r.status === 503 && reason !== 'ok';
      },
      10_000,
      50,
    );
    expect(reason).toMatch(/anchor|does not answer/);
    await waitFor('the union view to come back', async () => (await readyz()).status === 200, 60_000);
  });
});
