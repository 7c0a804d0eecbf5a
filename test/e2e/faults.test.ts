/**
 * Uploads survive crashes, outages and restarts: the real stack as processes with a WebDAV vault
 * (`rclone serve webdav` on 127.0.0.1), under a worker killed with SIGKILL mid-copy, the remote
 * down for 60 s in the middle of a batch of 50, the Temporal dev server killed and restarted, and
 * the embedded Postgres killed with SIGKILL (under a batch, and under a running `items show`).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { createPool } from '../../lib/db.js';
import { freePort, waitFor } from '../../lib/infra/wait.js';
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
  // A pool, not a client: it outlives Postgres being killed (a dead connection is replaced).
  let db: pg.Pool;

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
    db = createPool(`postgres://vaultarr@127.0.0.1:${stack.ports.pg}/vaultarr`, 2);
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

  /** PID of the stack's Postgres server (the postmaster), from its `postmaster.pid`. */
  const postmasterPid = (): number =>
    Number(readFileSync(path.join(stack.dir, 'data', 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  /** Waits until Postgres answers (the stack restarted it). */
  const postgresAnswers = () =>
    waitFor('Postgres to answer', async () => (await db.query('SELECT 1')).rowCount === 1, 120_000, 500);
  /** `vaultarr items show` as a process; resolves with its exit status and output. */
  const itemsShow = (id: string, env: NodeJS.ProcessEnv = stack.env()) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'items', 'show', id], {
        cwd: stack.dir,
        env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (status) => resolve({ status, stdout, stderr }));
    });
  /** A sentence on one line, then exit 1: no stack trace, no unhandled 'error' event. */
  const expectDatabaseSentence = (result: { status: number | null; stdout: string; stderr: string }) => {
    expect(result.stderr).toMatch(
      /^vaultarr: the database is not reachable \(.+\): is Postgres running\? .*\n$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at |Unhandled 'error'|unexpected error/);
    expect(result.status).toBe(1);
  };

  test('Postgres killed with SIGKILL in the middle of a batch: vaultarr start restarts it, its log says so, and every item of the batch ends resident', async () => {
    const paths = dropBatch('Crash Film', 20, 4 * MIB);
    await waitFor(
      'the batch to get going',
      async () => (await residentCount('Movies/Crash Film')) >= 3,
      60_000,
      200,
    );
    expect(await residentCount('Movies/Crash Film')).toBeLessThan(20); // killed mid-batch
    const killed = postmasterPid();
    process.kill(killed, 'SIGKILL');
    await waitFor(
      'the stack to say Postgres is back',
      async () => /"msg":"Postgres restarted"/.test(stack.output()),
      120_000,
      500,
    );
    expect(stack.output()).toMatch(/"msg":"Postgres exited \(postmaster \d+ is gone\); restarting it"/);
    const stackLog = readFileSync(path.join(stack.dir, 'data', 'logs', 'stack.log'), 'utf8');
    expect(stackLog).toContain('"msg":"Postgres restarted"');
    expect(postmasterPid()).not.toBe(killed);
    await postgresAnswers();
    await waitFor(
      'all 20 resident',
      async () => (await residentCount('Movies/Crash Film')) === 20,
      300_000,
      1000,
    );
    for (const p of paths)
      expect(await sha256(path.join(vaultDir, p))).toBe(await sha256(path.join(stack.local, p)));
  }, 420_000);

  test('vaultarr items show whose database is killed while it runs prints a sentence and exits 1, without a stack trace', async () => {
    await postgresAnswers();
    const [libraryPath] = dropBatch('Show Film', 1, MIB);
    await waitFor(
      'the item to be resident',
      async () => (await stageOf(libraryPath!)) === 'resident',
      120_000,
      500,
    );
    const { rows } = await db.query('SELECT workflow_id FROM media_items WHERE library_path = $1', [
      libraryPath,
    ]);
    const workers = stack.pidsOf('worker');
    expect(workers.length).toBeGreaterThan(0);
    // With the worker stopped, the item's `status` query waits: `items show` has read the catalog
    // (the item, then its progress) and holds an idle connection while it waits on Temporal — as
    // when a worker is restarting.
    for (const pid of workers) process.kill(pid, 'SIGSTOP');
    try {
      const shown = itemsShow(rows[0].workflow_id as string, {
        ...stack.env(),
        PGAPPNAME: 'faults-items-show',
      });
      await waitFor(
        'items show to have read the catalog',
        async () =>
          (
            await db.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = 'faults-items-show' AND state = 'idle' AND (query LIKE '%FROM media_items WHERE workflow_id = $1' OR query LIKE '%item_progress%')",
            )
          ).rowCount === 1,
        60_000,
        100,
      );
      process.kill(postmasterPid(), 'SIGKILL');
      expectDatabaseSentence(await shown);
    } finally {
      for (const pid of workers) process.kill(pid, 'SIGCONT');
    }
    await postgresAnswers();
  }, 300_000);

  test('vaultarr items show against a database that cannot be reached prints a sentence and exits 1', async () => {
    const nobody = await freePort();
    expectDatabaseSentence(
      await itemsShow('abc', {
        ...stack.env(),
        DATABASE_URL: `postgres://vaultarr@127.0.0.1:${nobody}/vaultarr`,
      }),
    );
  });

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
