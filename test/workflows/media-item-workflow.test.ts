import {
  cancelSignal,
  deletedSignal,
  renamedSignal,
  retrySignal,
  statusQuery,
} from '../../domain/messages.js';
import { KIND_ATTRIBUTE, STAGE_ATTRIBUTE, TITLE_ATTRIBUTE } from '../../domain/search-attributes.js';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeVideo } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { recordHistory } from '../helpers/histories.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the item workflow on the real dev server', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  test('a movie release is sorted, copied, verified and resident, with search attributes and catalog rows', async () => {
    const release = 'Incoming/The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 1);
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'resident');
    const libraryPath = 'Movies/The Matrix (1999)/The Matrix (1999).mkv';
    expect(status).toMatchObject({
      kind: 'movie',
      title: 'The Matrix',
      libraryPath,
      verification: { method: 'sha256' },
    });
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));

    const description = await env.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(STAGE_ATTRIBUTE)).toBe('resident');
    expect(description.typedSearchAttributes.get(KIND_ATTRIBUTE)).toBe('movie');
    expect(description.typedSearchAttributes.get(TITLE_ATTRIBUTE)).toBe('The Matrix');
    expect(await description.staticSummary()).toBe(`release ${path.basename(release)}`); // as the watcher names it

    const { rows } = await env.pool.query(
      'SELECT stage, kind, title, year, verified_by, sha256 FROM media_items WHERE workflow_id = $1',
      [workflowId],
    );
    expect(rows).toEqual([
      {
        stage: 'resident',
        kind: 'movie',
        title: 'The Matrix',
        year: 1999,
        verified_by: 'sha256',
        sha256: sha256(path.join(env.localRoot, libraryPath)),
      },
    ]);
    const events = await env.pool.query(
      'SELECT stage, outcome FROM events WHERE workflow_id = $1 ORDER BY id',
      [workflowId],
    );
    expect(events.rows.map((e) => `${e.stage}:${e.outcome}`)).toEqual([
      'sorting:entered',
      'sorting:placed',
      'copying:entered',
      'verifying:entered',
      'resident:verified',
    ]);
  });

  test('duplicate triggers for the same file share one run and do the work once', async () => {
    const release = 'Incoming/Up.2009.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 2);
    const [a, b, c] = await Promise.all([
      env.startIncoming(release),
      env.startIncoming(release),
      env.startIncoming(release),
    ]);
    expect(new Set([a, b, c]).size).toBe(1);
    await env.waitForStage(a, 'resident');
    const runs = await env.client.workflow.getHandle(a).describe();
    const again = await env.client.workflow.getHandle(b).describe();
    expect(again.runId).toBe(runs.runId);
    const events = await env.pool.query(
      "SELECT count(*)::int AS n FROM events WHERE workflow_id = $1 AND stage = 'copying'",
      [a],
    );
    expect(events.rows[0].n).toBe(1);
  });

  test('an unparseable release waits in awaiting-approval from Unsorted/', async () => {
    const release = 'Incoming/holiday_video.mp4';
    makeVideo(path.join(env.localRoot, release), 1, 3);
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(status.libraryPath).toBe('Unsorted/holiday_video.mp4');
    expect(status.reason).toContain('no strict match');
    expect(existsSync(path.join(env.localRoot, 'Unsorted/holiday_video.mp4'))).toBe(true);
    const description = await env.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(STAGE_ATTRIBUTE)).toBe('awaiting-approval');
  });

  test('a different file already at the target is kept and the release waits for approval with that reason', async () => {
    const existing = path.join(env.localRoot, 'Movies/Heat (1995)/Heat (1995).mkv');
    makeVideo(existing, 1, 4);
    const before = sha256(existing);
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 5);
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(status.reason).toContain('a different file already exists at Movies/Heat (1995)/Heat (1995).mkv');
    expect(sha256(existing)).toBe(before);
    expect(status.libraryPath).toBe('Unsorted/Heat.1995.1080p.BluRay.x264-GROUP.mkv');
  });

  test('a season pack gives every episode its own workflow', async () => {
    const release = 'Incoming/Lost.S01.720p.BluRay.x264-GROUP';
    makeVideo(path.join(env.localRoot, release, 'Lost.S01E01.720p.BluRay.x264-GROUP.mkv'), 1, 6);
    makeVideo(path.join(env.localRoot, release, 'Lost.S01E02.720p.BluRay.x264-GROUP.mkv'), 1, 7);
    const workflowId = await env.startIncoming(release);
    const first = await env.waitForStage(workflowId, 'resident');
    expect(first.libraryPath).toBe('Shows/Lost/Season 01/Lost - S01E01.mkv');
    const second = await env.waitForStage(
      mediaItemWorkflowId('Shows/Lost/Season 01/Lost - S01E02.mkv'),
      'resident',
    );
    expect(second).toMatchObject({ kind: 'episode', title: 'Lost', identity: { season: 1, episodes: [2] } });
    expect(existsSync(path.join(env.vaultDir, 'Shows/Lost/Season 01/Lost - S01E02.mkv'))).toBe(true);
  });

  test('cancel ends the workflow and leaves the files in place', async () => {
    const release = 'Incoming/Her.2013.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 8);
    const workflowId = await env.startIncoming(release);
    await env.waitForStage(workflowId, 'resident');
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(cancelSignal);
    expect((await handle.result()).stage).toBe('resident');
    await recordHistory('movie-resident-then-cancelled', handle);
    expect(existsSync(path.join(env.localRoot, 'Movies/Her (2013)/Her (2013).mkv'))).toBe(true);
  });

  test('a library file its *arr renames takes its vault copy along; deleted, its vault copy goes to the vault trash and the item ends', async () => {
    const release = 'Incoming/Gattaca.1997.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 9);
    const workflowId = await env.startIncoming(release);
    await env.waitForStage(workflowId, 'resident');
    const from = 'Movies/Gattaca (1997)/Gattaca (1997).mkv';
    const to = 'Movies/Gattaca (1997)/Gattaca (1997) Bluray-1080p.mkv';
    const video = sha256(path.join(env.localRoot, from));
    // As Radarr renames the file, then tells vaultarr.
    renameSync(path.join(env.localRoot, from), path.join(env.localRoot, to));
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(renamedSignal, { libraryPath: to });
    await env.waitForStatus(workflowId, `renamed to ${to}`, (s) => s.libraryPath === to);
    expect(sha256(path.join(env.vaultDir, to))).toBe(video);
    expect(existsSync(path.join(env.vaultDir, from))).toBe(false);

    rmSync(path.join(env.localRoot, to));
    await handle.signal(deletedSignal, { reason: 'radarr MovieFileDelete (manual)' });
    expect(await handle.result()).toMatchObject({
      stage: 'deleted',
      reason: 'radarr MovieFileDelete (manual)',
    });
    expect(existsSync(path.join(env.vaultDir, to))).toBe(false);
    const trashed = readdirSync(env.vaultDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith(path.basename(to)),
    );
    expect(trashed.map((f) => sha256(path.join(env.vaultDir, f)))).toEqual([video]);
    await recordHistory('library-renamed-then-deleted', handle);
  });
});

describe('the item workflow outside the upload window', () => {
  let env: WorkflowTestEnv;
  const now = new Date();
  const hhmm = (d: Date) =>
    `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const window = {
    start: hhmm(new Date(now.getTime() + 2 * 3_600_000)),
    end: hhmm(new Date(now.getTime() + 3 * 3_600_000)),
  };
  beforeAll(async () => {
    env = await createWorkflowTestEnv({ config: { vault: { uploadWindow: window } } });
  });
  afterAll(async () => {
    await env.close();
  });

  test('the copy waits, visibly, and nothing is uploaded', async () => {
    const release = 'Incoming/Casablanca.1942.720p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 10);
    const workflowId = await env.startIncoming(release);
    await env.waitForStage(workflowId, 'copying');
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await env.client.workflow.getHandle(workflowId).query(statusQuery);
    expect(waiting.reason).toBe(`waiting for the upload window ${window.start}-${window.end}`);
    expect(existsSync(path.join(env.vaultDir, 'Movies/Casablanca (1942)/Casablanca (1942).mkv'))).toBe(false);
    await env.client.workflow.getHandle(workflowId).signal(cancelSignal);
  });
});

describe('the item workflow when the vault copy keeps failing verification', () => {
  let env: WorkflowTestEnv;
  const marker = `/tmp/vaultarr-corrupt-${process.pid}`;
  beforeAll(async () => {
    // A real rclone behind a wrapper that, while the marker exists, truncates what it copied.
    const wrapper = `/tmp/vaultarr-rclone-wrapper-${process.pid}.sh`;
    writeFileSync(
      wrapper,
      `#!/bin/bash\nrclone "$@"; rc=$?\nif [ "$1" = copy ] && [ -f ${marker} ]; then find "$3" -type f -name '*.mkv' -exec truncate -s 100 {} \\;; fi\nexit $rc\n`,
    );
    chmodSync(wrapper, 0o755);
    // The wrapper injects faults per rclone command, so copies must run as processes, not through the daemon.
    env = await createWorkflowTestEnv({
      config: { vault: { rcloneBinary: wrapper, rcloneDaemon: false, verifyAttempts: 2 } },
    });
  });
  afterAll(async () => {
    await env.close();
    rmSync(marker, { force: true });
  });

  test('recopies, then parks in failed-needs-attention, and a retry after the fault is gone makes it resident', async () => {
    writeFileSync(marker, '');
    const release = 'Incoming/Alien.1979.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 9);
    const workflowId = await env.startIncoming(release);
    const parked = await env.waitForStage(workflowId, 'failed-needs-attention');
    expect(parked.copyRounds).toBe(2);
    expect(parked.reason).toBe('vault copy failed verification 2 times');
    const mismatches = await env.pool.query(
      "SELECT count(*)::int AS n FROM events WHERE workflow_id = $1 AND outcome = 'mismatch'",
      [workflowId],
    );
    expect(mismatches.rows[0].n).toBe(2);

    rmSync(marker);
    await env.client.workflow.getHandle(workflowId).signal(retrySignal);
    const status = await env.waitForStage(workflowId, 'resident');
    const libraryPath = 'Movies/Alien (1979)/Alien (1979).mkv';
    expect(status.verification?.sha256).toBe(sha256(path.join(env.localRoot, libraryPath)));
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('verify-mismatch-parked-then-retried', handle);
  });
});
