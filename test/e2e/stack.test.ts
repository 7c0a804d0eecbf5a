/**
 * End to end: the real stack (`vaultarr start`, as `npm start` runs it) as processes on a temp
 * data dir — embedded Temporal and Postgres, worker, watcher, API — fed real media files.
 */
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { statusQuery, type MediaItemStatus } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the whole stack as processes', () => {
  let stack: TestStack;
  let incoming: string;
  let local: string;
  let cloud: string;
  let ports: TestStack['ports'];

  beforeAll(async () => {
    stack = await TestStack.create();
    ({ incoming, local, cloud, ports } = stack);
    await stack.start();
  }, 240_000);

  afterAll(async () => {
    await stack?.destroy();
  });

  const cli = (...args: string[]) => stack.cli(...args);
  const drop = (name: string, build: (at: string) => void) => stack.drop(name, build);
  const withTemporal = <T>(fn: (client: Client) => Promise<T>) => stack.withTemporal(fn);
  const staging = () => stack.staging;

  const statusOf = (client: Client, workflowId: string) =>
    client.workflow.getHandle(workflowId).query(statusQuery);

  test('prints where the Web UI is and where to drop files', () => {
    expect(stack.output()).toContain(`Temporal Web UI   http://localhost:${ports.ui}`);
    expect(stack.output()).toContain(`Drop releases in  ${incoming}`);
  });

  test('releases dropped into Incoming/ end up sorted, vaulted byte-identical, resident and catalogued', async () => {
    // A download still being written under a partial name, renamed when complete.
    const partial = path.join(incoming, 'The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv.part');
    makeVideo(path.join(staging(), 'matrix.mkv'), 2, 1);
    renameSync(path.join(staging(), 'matrix.mkv'), partial);
    drop('Breaking.Bad.S01E01.720p.HDTV.x264-CTU.mp4', (at) => makeVideo(at, 1, 2));
    drop('Inception.2010.1080p.BluRay.x264-SPARKS', (at) => {
      makeVideo(path.join(at, 'inception.2010.1080p.bluray.x264-sparks.mkv'), 2, 3);
      makeVideo(path.join(at, 'Sample', 'inception.2010.sample.mkv'), 1, 4);
      writeFileSync(path.join(at, 'inception.2010.1080p.bluray.x264-sparks.nfo'), 'NFO');
      writeFileSync(
        path.join(at, 'inception.2010.1080p.bluray.x264-sparks.en.srt'),
        '1\n00:00:00,000 --> 00:00:01,000\nDream\n',
      );
    });
    drop('holiday_video.mp4', (at) => makeVideo(at, 1, 5));
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(partial)).toBe(true); // left alone while partial
    renameSync(partial, path.join(incoming, 'The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv'));

    const expected = [
      'Movies/The Matrix (1999)/The Matrix (1999).mkv',
      'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mp4',
      'Movies/Inception (2010)/Inception (2010).mkv',
      'Movies/Inception (2010)/Inception (2010).en.srt',
    ];
    const resident = await withTemporal(async (client) => {
      let found: Array<{ id: string; status: MediaItemStatus }> = [];
      await waitFor(
        'three resident workflows',
        async () => {
          const ids: string[] = [];
          for await (const w of client.workflow.list({
            query: 'VaultarrStage = "resident" AND VaultarrHostId = "e2e-host"',
          }))
            ids.push(w.workflowId);
          if (ids.length < 3) return false;
          found = await Promise.all(ids.map(async (id) => ({ id, status: await statusOf(client, id) })));
          return found.every((f) => f.status.stage === 'resident');
        },
        120_000,
        500,
      );
      return found;
    });
    expect(resident.map((r) => r.status.libraryPath).sort()).toEqual(
      [expected[2], expected[0], expected[1]].sort(),
    );
    for (const p of expected) {
      expect(existsSync(path.join(local, p))).toBe(true);
      expect(sha256(path.join(cloud, p))).toBe(sha256(path.join(local, p)));
    }
    // Samples and .nfo never enter the library or the vault; the release folder is gone from Incoming/.
    expect(readFileSync(path.join(local, expected[3]!), 'utf8')).toContain('Dream');
    expect(existsSync(path.join(local, 'Movies/Inception (2010)/Sample'))).toBe(false);
    expect(existsSync(path.join(incoming, 'Inception.2010.1080p.BluRay.x264-SPARKS'))).toBe(false);

    const db = new pg.Client({ connectionString: `postgres://vaultarr@127.0.0.1:${ports.pg}/vaultarr` });
    await db.connect();
    try {
      const { rows } = await db.query(
        "SELECT library_path, stage, verified_by FROM media_items WHERE stage = 'resident' ORDER BY library_path",
      );
      expect(rows).toEqual(
        [expected[0], expected[1], expected[2]]
          .sort()
          .map((p) => ({ library_path: p, stage: 'resident', verified_by: 'sha256' })),
      );
      // The components reach the embedded Postgres through its Unix socket (no client address);
      // only this test's own connection came over 127.0.0.1.
      const { rows: clients } = await db.query(
        `SELECT count(*) FILTER (WHERE client_addr IS NULL)::int AS socket,
                count(*) FILTER (WHERE client_addr IS NOT NULL)::int AS tcp
           FROM pg_stat_activity WHERE datname = 'vaultarr' AND pid <> pg_backend_pid()`,
      );
      expect(clients[0].socket).toBeGreaterThan(0);
      expect(clients[0].tcp).toBe(0);
    } finally {
      await db.end();
    }

    // The unparseable file waits for a human in Unsorted/.
    await withTemporal(async (client) => {
      await waitFor(
        'an item awaiting approval',
        async () => {
          for await (const w of client.workflow.list({
            query: 'VaultarrStage = "awaiting-approval" AND VaultarrHostId = "e2e-host"',
          })) {
            const status = await statusOf(client, w.workflowId);
            return status.libraryPath === 'Unsorted/holiday_video.mp4';
          }
          return false;
        },
        30_000,
      );
    });
    expect(existsSync(path.join(local, 'Unsorted/holiday_video.mp4'))).toBe(true);
  });

  test('the worker and its rclone daemon run at background CPU priority (worker.niceness 10), the embedded Temporal server at 5, the API and watcher at normal', () => {
    // Field 19 of /proc/<pid>/stat (after the parenthesised command name) is the niceness, per thread.
    const statFields = (file: string) => {
      const text = readFileSync(file, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    };
    const threadNiceness = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).map((tid) => Number(statFields(`/proc/${pid}/task/${tid}/stat`)[16]));
    const [worker] = stack.pidsOf('worker');
    expect(worker).toBeDefined();
    const workerThreads = threadNiceness(worker!);
    expect(workerThreads.length).toBeGreaterThan(5); // V8's, libuv's, the Temporal core's, the workflow thread
    expect(new Set(workerThreads)).toEqual(new Set([10]));
    // The rclone daemon the copies above went through is the worker's child and inherits it.
    const children = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return Number(statFields(`/proc/${p}/stat`)[1]) === worker;
        } catch {
          return false;
        }
      })
      .map(Number);
    const rclone = children.filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'rclone');
    expect(rclone.length).toBeGreaterThan(0);
    for (const pid of rclone) expect(new Set(threadNiceness(pid))).toEqual(new Set([10]));
    for (const component of ['api', 'watcher'] as const)
      for (const pid of stack.pidsOf(component)) expect(new Set(threadNiceness(pid))).toEqual(new Set([0]));
    // The embedded dev server (temporal.embedded.niceness 5), every thread of it: below the API,
    // above the worker.
    const temporal = stack.pidsOf('temporal');
    expect(temporal).toHaveLength(1);
    const temporalThreads = threadNiceness(temporal[0]!);
    expect(temporalThreads.length).toBeGreaterThan(1);
    expect(new Set(temporalThreads)).toEqual(new Set([5]));
    // The worker's, the API's and the watcher's malloc settings (lib/component-flags.ts): two
    // arenas, large blocks mapped apart.
    for (const pid of [worker, ...stack.pidsOf('api'), ...stack.pidsOf('watcher')])
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toEqual(
        expect.arrayContaining([
          'MALLOC_ARENA_MAX=2',
          'MALLOC_MMAP_THRESHOLD_=131072',
          'MALLOC_TRIM_THRESHOLD_=262144',
        ]),
      );
  });

  test('vaultarr items approve places the Unsorted item, which is then copied and verified', async () => {
    const listed = cli('items', 'list', '--stage', 'awaiting-approval', '--json');
    expect(listed.status).toBe(0);
    const waiting = (JSON.parse(listed.stdout) as { items: Array<{ id: string; libraryPath: string }> })
      .items;
    const item = waiting.find((i) => i.libraryPath === 'Unsorted/holiday_video.mp4')!;
    expect(item).toBeDefined();
    const human = cli('items', 'list', '--stage', 'awaiting-approval');
    expect(human.stdout).toContain('Unsorted/holiday_video.mp4');

    const bad = cli('items', 'approve', item.id, '--movie', 'Holiday Video');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('year');

    const approved = cli(
      'items',
      'approve',
      item.id.replace('media:', '').slice(0, 12),
      '--movie',
      'Holiday Video',
      '--year',
      '2020',
    );
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain('moved to Movies/Holiday Video (2020)/Holiday Video (2020).mp4');
    const target = 'Movies/Holiday Video (2020)/Holiday Video (2020).mp4';
    await waitFor(
      'the approved item on the vault',
      async () =>
        existsSync(path.join(cloud, target)) &&
        sha256(path.join(cloud, target)) === sha256(path.join(local, target)),
      60_000,
    );
    await waitFor(
      'the approved item resident',
      async () => JSON.parse(cli('items', 'show', item.id, '--json').stdout).live?.stage === 'resident',
      30_000,
    );
  });

  test('a Radarr webhook with a token from vaultarr token create; a permanent failure is fixed with vaultarr items retry', async () => {
    const created = cli('token', 'create', '--name', 'radarr', '--json');
    expect(created.status).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    expect(cli('token', 'list').stdout).toMatch(/radarr\s+active/);
    expect(cli('token', 'list').stdout).not.toContain(token);

    const file = path.join(local, 'Movies/Heat (1995)/Heat (1995).mkv');
    const body = {
      eventType: 'Download',
      movie: { id: 1, title: 'Heat', year: 1995, folderPath: path.dirname(file), tmdbId: 949 },
      movieFile: { id: 2, relativePath: 'Heat (1995).mkv', path: file, size: 1000, quality: 'Bluray-1080p' },
      isUpgrade: false,
    };
    const url = `http://127.0.0.1:${ports.api}/api/v1/webhooks/radarr`;
    const unauthorized = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(unauthorized.status).toBe(401);
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`radarr:${token}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
    // An import of a file that is not there is refused, naming it, and starts nothing.
    const refused = await post();
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('Heat (1995).mkv');

    // The file is there when the *arr announces it, but gone by the time the (paused) worker
    // copies it: the copy fails for good and the item parks.
    makeVideo(file, 1, 7);
    const workers = stack.pidsOf('worker');
    for (const pid of workers) process.kill(pid, 'SIGSTOP');
    let res: Response;
    try {
      res = await post();
      rmSync(file);
    } finally {
      for (const pid of workers) process.kill(pid, 'SIGCONT');
    }
    expect(res.status).toBe(202);
    const workflowId = mediaItemWorkflowId('Movies/Heat (1995)/Heat (1995).mkv');
    await waitFor(
      'the item to park',
      async () =>
        JSON.parse(cli('items', 'show', workflowId!, '--json').stdout).live?.stage ===
        'failed-needs-attention',
      60_000,
    );
    const shown = cli('items', 'show', workflowId!);
    expect(shown.stdout).toContain('failed-needs-attention');
    expect(shown.stdout).toContain('missing');

    makeVideo(file, 1, 7);
    const retried = cli('items', 'retry', workflowId!);
    expect(retried.status).toBe(0);
    await waitFor(
      'the retried item resident',
      async () => JSON.parse(cli('items', 'show', workflowId!, '--json').stdout).live?.stage === 'resident',
      60_000,
    );
    expect(sha256(path.join(cloud, 'Movies/Heat (1995)/Heat (1995).mkv'))).toBe(sha256(file));
    const again = cli('items', 'retry', workflowId!);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('only an item in failed-needs-attention can be retried');
  });

  test('Ctrl-C stops everything cleanly and a second start resumes from the data dir', async () => {
    expect(await stack.stop()).toBe(0);
    expect(stack.output()).toContain('vaultarr: stopped');
    await stack.start();
    const count = await withTemporal(async (client) => {
      let n = 0;
      for await (const _ of client.workflow.list({
        query: 'VaultarrStage = "resident" AND VaultarrHostId = "e2e-host"',
      }))
        n++;
      return n;
    });
    expect(count).toBe(5);
    drop('Arrival.2016.1080p.BluRay.x264-GROUP.mkv', (at) => makeVideo(at, 1, 6));
    const target = path.join(cloud, 'Movies/Arrival (2016)/Arrival (2016).mkv');
    await waitFor('the new release to reach the vault', async () => existsSync(target), 60_000);
    await waitFor(
      'its copy to be complete',
      async () => sha256(target) === sha256(path.join(local, 'Movies/Arrival (2016)/Arrival (2016).mkv')),
      30_000,
    );
  });
});
