/**
 * Items REST and interventions on the real API and dev server: list and show from the catalog,
 * approve (the approveSort update and its validator), retry, skip, pin, unpin, evict, cancel.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { MEDIA_ITEM_WORKFLOW } from '../../domain/messages.js';
import { recordHistory } from '../helpers/histories.js';
import { makeVideo } from '../helpers/env.js';
import { waitFor } from '../../lib/infra/wait.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('items API', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  const failMarker = `/tmp/vaultarr-fail-copy-${process.pid}`;

  beforeAll(async () => {
    // Real rclone behind a wrapper that fails copies while the marker exists (a remote refusing us).
    const wrapper = `/tmp/vaultarr-rclone-auth-${process.pid}.sh`;
    writeFileSync(
      wrapper,
      `#!/bin/bash\nif [ "$1" = copy ] && [ -f ${failMarker} ]; then echo '{"level":"error","msg":"HTTP error 401 (401 Unauthorized)"}' >&2; exit 7; fi\nexec rclone "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    // The wrapper injects faults per rclone command, so copies must run as processes, not through the daemon.
    env = await createWorkflowTestEnv({ config: { vault: { rcloneBinary: wrapper, rcloneDaemon: false } } });
    ({ app, token } = await createTestApi(env, {
      pathRewrites: [],
      maxBodyBytes: 1024 * 1024,
      authFailureLimit: 10,
    }));
  });
  afterAll(async () => {
    await env.close();
    rmSync(failMarker, { force: true });
  });

  const api = () => ({
    get: (url: string) => request(app).get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string, body?: object) =>
      request(app).post(url).set('Authorization', `Bearer ${token}`).send(body),
  });
  const id = encodeURIComponent;

  test('the items API needs a token', async () => {
    expect((await request(app).get('/api/v1/items')).status).toBe(401);
  });

  test('an Unsorted item is approved as a movie, placed, copied and verified', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/family_trip_final.mkv'), 1, 1);
    const workflowId = await env.startIncoming('Incoming/family_trip_final.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');

    const listed = await api().get('/api/v1/items?stage=awaiting-approval');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(workflowId);

    const invalid = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: '',
      year: 1700,
      extra: 1,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^title: /),
        expect.stringMatching(/^year: /),
        expect.stringMatching(/extra/),
      ]),
    );

    const approved = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: 'Family Trip',
      year: 2021,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ libraryPath: 'Movies/Family Trip (2021)/Family Trip (2021).mkv' });
    await env.waitForStage(workflowId, 'resident');
    const libraryPath = 'Movies/Family Trip (2021)/Family Trip (2021).mkv';
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));
    expect(existsSync(path.join(env.localRoot, 'Unsorted/family_trip_final.mkv'))).toBe(false);

    const shown = await api().get(`/api/v1/items/${id(workflowId)}`);
    expect(shown.body).toMatchObject({
      workflowStatus: 'RUNNING',
      item: { stage: 'resident', kind: 'movie', title: 'Family Trip', verifiedBy: 'sha256' },
      live: { stage: 'resident' },
    });

    const again = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: 'Family Trip',
      year: 2021,
    });
    expect(again.status).toBe(409);
  });

  test('the update validator rejects an invalid approval before it reaches history', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/clip_0042.mp4'), 1, 2);
    const workflowId = await env.startIncoming('Incoming/clip_0042.mp4');
    await env.waitForStage(workflowId, 'awaiting-approval');
    const handle = env.client.workflow.getHandle(workflowId);
    const rejected = await handle
      .executeUpdate('approveSort', { args: [{ kind: 'episode', series: 'Clips', season: 1, episodes: [] }] })
      .catch((err: Error) => err);
    expect((rejected as Error & { cause?: Error }).cause?.message).toMatch(/at least one episode/);
    const history = await handle.fetchHistory();
    const updates = (history.events ?? []).filter(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes,
    );
    expect(updates).toHaveLength(0);
    const approved = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'episode',
      series: 'Clips',
      season: 1,
      episodes: [4, 5],
    });
    expect(approved.body).toEqual({ libraryPath: 'Shows/Clips/Season 01/Clips - S01E04-E05.mp4' });
    await env.waitForStage(workflowId, 'resident');
    await handle.signal('evict');
    await env.waitForStage(workflowId, 'evicted');
    await handle.signal('cancel');
    await handle.result();
    await recordHistory('approved-episode-evicted-cancelled', handle);
  });

  test('an approval onto an occupied target answers 409 with the reason; the item keeps waiting and takes a free target', async () => {
    const taken = 'Movies/Taken (2008)/Taken (2008).mkv';
    makeVideo(path.join(env.localRoot, taken), 1, 20); // a different file already there
    makeVideo(path.join(env.localRoot, 'Incoming/vid_20080101.mkv'), 1, 21);
    const workflowId = await env.startIncoming('Incoming/vid_20080101.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    const before = readFileSync(path.join(env.localRoot, taken));

    const conflict = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: 'Taken',
      year: 2008,
    });
    expect(conflict.status).toBe(409);
    expect(JSON.stringify(conflict.body)).toContain(`a different file already exists at ${taken}`);
    const waiting = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(waiting.reason).toContain(taken);
    expect(readFileSync(path.join(env.localRoot, taken)).equals(before)).toBe(true);
    expect(existsSync(path.join(env.localRoot, 'Unsorted/vid_20080101.mkv'))).toBe(true);

    const approved = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: 'Taken 2',
      year: 2012,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ libraryPath: 'Movies/Taken 2 (2012)/Taken 2 (2012).mkv' });
    await env.waitForStage(workflowId, 'resident');
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal('cancel');
    await handle.result();
    await recordHistory('approval-refused-then-approved-cancelled', handle);
  });

  test('a new release of a movie evicted to the vault waits in Unsorted/; the vault copy, its only one, stays as it was', async () => {
    const libraryPath = 'Movies/Gattaca (1997)/Gattaca (1997).mkv';
    makeVideo(path.join(env.localRoot, 'Incoming/Gattaca.1997.720p.BluRay.x264-OLD.mkv'), 1, 30);
    const evictedId = await env.startIncoming('Incoming/Gattaca.1997.720p.BluRay.x264-OLD.mkv');
    await env.waitForStage(evictedId, 'resident');
    await env.client.workflow.getHandle(evictedId).signal('evict');
    await env.waitForStage(evictedId, 'evicted');
    expect(existsSync(path.join(env.localRoot, libraryPath))).toBe(false);
    const vaultCopy = sha256(path.join(env.vaultDir, libraryPath));

    // A different release of the same movie: its target is free on this disk, not in the library.
    const release = 'Incoming/Gattaca.1997.1080p.BluRay.x264-NEW.mkv';
    makeVideo(path.join(env.localRoot, release), 2, 31);
    const workflowId = await env.startIncoming(release);
    const waiting = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(waiting.libraryPath).toBe('Unsorted/Gattaca.1997.1080p.BluRay.x264-NEW.mkv');
    expect(waiting.reason).toContain(
      `${libraryPath} already belongs to item ${evictedId}, evicted from this disk: the vault holds its only copy`,
    );
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(vaultCopy);
    expect(existsSync(path.join(env.localRoot, libraryPath))).toBe(false);

    // A person approving it as that movie is refused for the same reason; another title is placed.
    const refused = await api().post(`/api/v1/items/${id(workflowId)}/approve`, {
      kind: 'movie',
      title: 'Gattaca',
      year: 1997,
    });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('the vault holds its only copy');
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(vaultCopy);
    const { rows } = await env.pool.query(
      "SELECT workflow_id FROM media_items WHERE library_path = $1 AND stage <> 'deleted'",
      [libraryPath],
    );
    expect(rows).toEqual([{ workflow_id: evictedId }]);
  });

  test('vaultarr items approve onto an occupied target exits 1 with the reason; the item keeps waiting', async () => {
    const taken = 'Movies/Ronin (1998)/Ronin (1998).mkv';
    makeVideo(path.join(env.localRoot, taken), 1, 22);
    makeVideo(path.join(env.localRoot, 'Incoming/cam_0007.mkv'), 1, 23);
    const workflowId = await env.startIncoming('Incoming/cam_0007.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    // The CLI runs as its own process, asynchronously: this process's worker must keep answering.
    const cli = env.cli;
    const refused = await cli('items', 'approve', workflowId, '--movie', 'Ronin', '--year', '1998');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`a different file already exists at ${taken}`);
    expect((await env.waitForStage(workflowId, 'awaiting-approval')).reason).toContain(taken);

    const approved = await cli('items', 'approve', workflowId, '--movie', 'Ronin Redux', '--year', '1998');
    expect(approved.stderr).toBe('');
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain('moved to Movies/Ronin Redux (1998)/Ronin Redux (1998).mkv');
    await env.waitForStage(workflowId, 'resident');
  });

  test('skip ends an item awaiting approval as skipped everywhere and leaves its file in Unsorted/', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/random_video.mkv'), 1, 3);
    const workflowId = await env.startIncoming('Incoming/random_video.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    expect((await api().post(`/api/v1/items/${id(workflowId)}/skip`)).status).toBe(202);
    const ended = await env.client.workflow.getHandle(workflowId).result();
    expect(ended.stage).toBe('skipped');
    await recordHistory('unsorted-skipped', env.client.workflow.getHandle(workflowId));
    expect(existsSync(path.join(env.localRoot, 'Unsorted/random_video.mkv'))).toBe(true);
    // The catalog says so too: not awaiting approval any more (items list, metrics, reconcile).
    const { rows } = await env.pool.query('SELECT stage FROM media_items WHERE workflow_id = $1', [
      workflowId,
    ]);
    expect(rows[0].stage).toBe('skipped');
    const shown = await env.cli('items', 'show', workflowId);
    expect(shown.stdout).toMatch(/skipped/);
    expect(shown.stdout).toContain('its files are left where they are');
  });

  test('an action on an item no worker runs answers within seconds that it is still working, by CLI and REST', async () => {
    // Its workflow sits on a task queue nobody polls: the update cannot be taken.
    const workflowId = `media:nobody-${Date.now()}`;
    await env.client.workflow.start(MEDIA_ITEM_WORKFLOW, {
      workflowId,
      taskQueue: `nobody-${Date.now()}`,
      args: [
        {
          hostId: 'nowhere',
          origin: { kind: 'library', libraryPath: 'Movies/Nobody (2021)/Nobody (2021).mkv' },
        },
      ],
    });
    try {
      const started = Date.now();
      const pinned = await env.cli('items', 'pin', workflowId);
      expect(pinned.status).toBe(0);
      expect(pinned.stdout).toContain('still working: no worker has taken it yet: is a worker running?');
      const res = await api().post(`/api/v1/items/${id(workflowId)}/evict`);
      expect(res.status).toBe(202);
      expect(res.body.stillWorking).toContain('no worker has taken it yet');
      // Two answers, each after the 10 s limit at most (and the CLI's start-up).
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  test('an approval that cannot be a library folder name is refused at once with a sentence and exit 1', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/another_random_video.mkv'), 1, 5);
    const workflowId = await env.startIncoming('Incoming/another_random_video.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    const refused = await env.cli('items', 'approve', workflowId, '--movie', '../../x', '--year', '2020');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('title: must not contain "/" or "\\"');
    const rest = await api()
      .post(`/api/v1/items/${id(workflowId)}/approve`)
      .send({ kind: 'movie', title: '..', year: 2020 });
    expect(rest.status).toBe(400);
    expect(JSON.stringify(rest.body)).toContain('must not be \\".\\" or \\"..\\"');
    expect((await env.waitForStage(workflowId, 'awaiting-approval')).stage).toBe('awaiting-approval');
  });

  test('a permanent failure parks the item with its reason; retry completes it once the cause is fixed', async () => {
    writeFileSync(failMarker, '');
    makeVideo(path.join(env.localRoot, 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv'), 1, 4);
    const workflowId = await env.startIncoming('Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv');
    const parked = await env.waitForStage(workflowId, 'failed-needs-attention');
    expect(parked.failedStage).toBe('copying');
    expect(parked.reason).toContain('401');
    expect((await api().post(`/api/v1/items/${id(workflowId)}/pin`)).status).toBe(202);
    rmSync(failMarker);
    expect((await api().post(`/api/v1/items/${id(workflowId)}/retry`)).status).toBe(202);
    const done = await env.waitForStage(workflowId, 'resident');
    expect(done.pinned).toBe(true);
    expect((await api().post(`/api/v1/items/${id(workflowId)}/retry`)).status).toBe(409);
  });

  test('pin refuses eviction; unpin then evict deletes the local copy only after re-verifying the vault copy', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Up.2009.1080p.BluRay.x264-GROUP.mkv'), 1, 5);
    const workflowId = await env.startIncoming('Incoming/Up.2009.1080p.BluRay.x264-GROUP.mkv');
    await env.waitForStage(workflowId, 'resident');
    const local = path.join(env.localRoot, 'Movies/Up (2009)/Up (2009).mkv');
    const vault = path.join(env.vaultDir, 'Movies/Up (2009)/Up (2009).mkv');
    await api()
      .post(`/api/v1/items/${id(workflowId)}/pin`)
      .expect(202);
    await new Promise((r) => setTimeout(r, 300));
    const refused = await api().post(`/api/v1/items/${id(workflowId)}/evict`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('pinned');
    await api()
      .post(`/api/v1/items/${id(workflowId)}/unpin`)
      .expect(202);
    await new Promise((r) => setTimeout(r, 300));
    const hash = sha256(vault);
    await api()
      .post(`/api/v1/items/${id(workflowId)}/evict`)
      .expect(202);
    await env.waitForStage(workflowId, 'evicted');
    expect(existsSync(local)).toBe(false);
    expect(sha256(vault)).toBe(hash);
    const { rows } = await env.pool.query(
      'SELECT stage, evicted_at IS NOT NULL AS evicted FROM media_items WHERE workflow_id = $1',
      [workflowId],
    );
    expect(rows[0]).toEqual({ stage: 'evicted', evicted: true });
  });

  test('evict never deletes a local copy whose vault copy no longer matches: it recopies instead', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Her.2013.1080p.BluRay.x264-GROUP.mkv'), 1, 6);
    const workflowId = await env.startIncoming('Incoming/Her.2013.1080p.BluRay.x264-GROUP.mkv');
    await env.waitForStage(workflowId, 'resident');
    const local = path.join(env.localRoot, 'Movies/Her (2013)/Her (2013).mkv');
    const vault = path.join(env.vaultDir, 'Movies/Her (2013)/Her (2013).mkv');
    writeFileSync(vault, 'corrupted');
    await api()
      .post(`/api/v1/items/${id(workflowId)}/evict`)
      .expect(202);
    await waitFor(
      'the recopy after the failed re-verification',
      async () => {
        const { rows } = await env.pool.query(
          'SELECT stage, outcome FROM events WHERE workflow_id = $1 ORDER BY id',
          [workflowId],
        );
        const failed = rows.findIndex((r) => r.outcome === 'reverify-failed');
        return (
          failed >= 0 && rows.slice(failed).some((r) => r.stage === 'resident' && r.outcome === 'verified')
        );
      },
      30_000,
    );
    expect(existsSync(local)).toBe(true);
    expect(sha256(vault)).toBe(sha256(local));
    const events = await env.pool.query('SELECT outcome FROM events WHERE workflow_id = $1 ORDER BY id', [
      workflowId,
    ]);
    expect(events.rows.map((e) => e.outcome)).toContain('reverify-failed');
  });

  test('cancel ends the workflow; actions on unknown items answer 404 and bad actions 400', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Arrival.2016.1080p.BluRay.x264-GROUP.mkv'), 1, 7);
    const workflowId = await env.startIncoming('Incoming/Arrival.2016.1080p.BluRay.x264-GROUP.mkv');
    await env.waitForStage(workflowId, 'resident');
    await api()
      .post(`/api/v1/items/${id(workflowId)}/cancel`)
      .expect(202);
    await env.client.workflow.getHandle(workflowId).result();
    await recordHistory('resident-cancelled-via-api', env.client.workflow.getHandle(workflowId));
    expect((await api().post(`/api/v1/items/${id(workflowId)}/pin`)).status).toBe(409);
    expect((await api().post(`/api/v1/items/${id('media:nope')}/retry`)).status).toBe(404);
    const bad = await api().post(`/api/v1/items/${id(workflowId)}/explode`);
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toContain('action must be one of');
  });

  test('list filters by stage, kind and text, and pages with a cursor', async () => {
    const all = await api().get('/api/v1/items?limit=2');
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    const next = await api().get(`/api/v1/items?limit=2&cursor=${all.body.nextCursor}`);
    expect(next.body.items.map((i: { id: string }) => i.id)).not.toContain(all.body.items[0].id);
    const movies = await api().get('/api/v1/items?kind=movie&q=family');
    expect(movies.body.items.map((i: { title: string }) => i.title)).toEqual(['Family Trip']);
    const bad = await api().get('/api/v1/items?stage=nowhere&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toHaveLength(2);
  });
});
