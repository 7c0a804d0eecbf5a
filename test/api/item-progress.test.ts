/**
 * Live progress of a 2 GiB copy and its verification, as a person follows it: `GET
 * /api/v1/items/:id` polled every 500 ms, the workflow's pending activity as the Web UI shows it
 * (`DescribeWorkflowExecution`), and `vaultarr items watch` in a pipe. Real Temporal, Postgres and
 * rclone copying to a local-directory vault (which keeps sha256: verification asks the vault for
 * it), and to a WebDAV vault (which keeps no hash: the copy is read back). The margins,
 * and nothing else about timing: the first progress within 3 s of the copy's start, updates at
 * most 5 s apart, verification its own phase.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Express } from 'express';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { waitFor } from '../../lib/infra/wait.js';
import { makeRandomVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const GiB = 1024 ** 3;
const SIZE = 2 * GiB;
const RELEASE = 'Interstellar.2014.1080p.BluRay.x264-GROUP';
const LIBRARY_PATH = 'Movies/Interstellar (2014)/Interstellar (2014).mkv';

/** The `progress` of `GET /api/v1/items/:id`. */
interface Progress {
  activity: string;
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  percent?: number;
  updatedAt?: string;
}

/** One poll: what the REST API and the Web UI's pending activity said, and when (ms). */
interface Observation {
  at: number;
  /** The catalog's stage (`item.stage`). */
  stage?: string;
  progress?: Progress;
  /** The pending `copyAndVerify` as the Web UI shows it. */
  pending?: { startedAtMs?: number; heartbeatAtMs?: number; details?: Progress };
}

const msOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t?.seconds ? Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined;

/** Times (ms) at which `key` of the observations changed, from its first defined value on. */
function changes(observations: Observation[], key: (o: Observation) => string | undefined): number[] {
  const times: number[] = [];
  let last: string | undefined;
  for (const o of observations) {
    const k = key(o);
    if (k === last || (k === undefined && times.length === 0)) continue;
    times.push(o.at);
    last = k;
  }
  return times;
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

/** A `vaultarr items watch` process (the built CLI), its output collected. */
function watch(
  env: WorkflowTestEnv,
  id: string,
): { child: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'items', 'watch', id], {
    cwd: env.root,
    env: env.cliEnv,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, exit };
}

/**
 * Polls `GET /api/v1/items/:id` and the item's pending `copyAndVerify` (as the Web UI shows it)
 * every 500 ms until the item is resident.
 */
async function follow(env: WorkflowTestEnv, app: Express, token: string, id: string): Promise<Observation[]> {
  const observations: Observation[] = [];
  const handle = env.client.workflow.getHandle(id);
  await waitFor(
    `${id} to be resident`,
    async () => {
      const shown = await request(app)
        .get(`/api/v1/items/${encodeURIComponent(id)}`)
        .set('Authorization', `Bearer ${token}`);
      const pending = ((await handle.describe()).raw.pendingActivities ?? []).find(
        (a) => a.activityType?.name === 'copyAndVerify',
      );
      const payload = pending?.heartbeatDetails?.payloads?.[0];
      const body = shown.body as { item?: { stage: string }; progress?: Progress };
      observations.push({
        at: Date.now(),
        stage: body.item?.stage,
        progress: body.progress,
        pending: pending && {
          startedAtMs: msOf(pending.lastStartedTime),
          heartbeatAtMs: msOf(pending.lastHeartbeatTime),
          details: payload
            ? (defaultPayloadConverter.fromPayload(payload as Payload) as Progress)
            : undefined,
        },
      });
      return body.item?.stage === 'resident';
    },
    9 * 60_000,
    500,
  );
  return observations;
}

/** Times (ms) at which the items API's progress changed (phase, bytes or write time), up to the item's `resident`. */
function progressUpdates(observations: Observation[]): number[] {
  const updates = changes(observations, (o) =>
    o.progress ? JSON.stringify([o.progress.phase, o.progress.bytesDone, o.progress.updatedAt]) : undefined,
  );
  const resident = observations.find((o) => o.stage === 'resident')!.at;
  return [...updates.filter((t) => t < resident), resident];
}

describe('live progress of a 2 GiB copy and its verification', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  const observations: Observation[] = [];
  let watched: { code: number | null; out: string };
  let interrupted: { code: number | null; out: string };
  /** The 2 GiB video's size in bytes (whole frames and the container). */
  let size = 0;

  beforeAll(async () => {
    // The heartbeat timeout a user has (30 s, the default): the SDK would send one beat per 24 s.
    // The upload capped at 256 MiB/s: a local disk would copy 2 GiB between two looks.
    env = await createWorkflowTestEnv({
      config: { vault: { copyHeartbeatTimeoutSeconds: 30, bwLimit: '256M' } },
    });
    ({ app, token } = await createTestApi(env));
    // A folder release held back by a download still in progress (`.part`): the item exists,
    // sorting, until the test lets it go — by then two `items watch` run, and one got Ctrl-C.
    const release = path.join(env.localRoot, 'Incoming', RELEASE);
    mkdirSync(release, { recursive: true });
    // A whole Matroska video of random frames (intake takes only whole containers, without holes).
    size = makeRandomVideo(path.join(release, `${RELEASE}.mkv`), SIZE);
    writeFileSync(path.join(release, `${RELEASE}.nfo.part`), 'still downloading');
    const id = await env.startIncoming(`Incoming/${RELEASE}`);
    const watcher = watch(env, id);
    const second = watch(env, id);
    await waitFor(
      'both items watch to print a line',
      async () => watcher.out().includes('\n') && second.out().includes('\n'),
      60_000,
    );
    second.child.kill('SIGINT');
    interrupted = { code: await second.exit, out: second.out() };
    rmSync(path.join(release, `${RELEASE}.nfo.part`));

    observations.push(...(await follow(env, app, token, id)));
    watched = { code: await watcher.exit, out: watcher.out() };
  }, 10 * 60_000);
  afterAll(async () => {
    await env?.close();
  });

  /** When the copy activity started (Temporal's record of its attempt), in ms. */
  const copyStartedAt = () => observations.find((o) => o.pending?.startedAtMs)?.pending?.startedAtMs ?? NaN;
  const copying = () => observations.filter((o) => o.progress?.phase === 'copying');

  test('the items API shows the copy with a percent within 3 s of its start, growing', () => {
    const first = observations.find((o) => o.progress?.activity === 'copyAndVerify');
    expect(first).toBeDefined();
    expect(first!.at - copyStartedAt()).toBeLessThanOrEqual(3000);
    const percents = copying().map((o) => o.progress!.percent ?? -1);
    expect(percents.length).toBeGreaterThan(1);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBeGreaterThan(percents[0]!);
    expect(copying()[0]!.progress).toMatchObject({ bytesTotal: size });
  });

  test('the items API updates the progress at least every 5 s until the item is resident', () => {
    const updates = progressUpdates(observations);
    expect(updates.length).toBeGreaterThan(3);
    expect(Math.max(...gaps(updates))).toBeLessThanOrEqual(5000);
  });

  test('the verification shows as its own phase, never as copying 100 %', () => {
    const afterCopy = observations.slice(observations.indexOf(copying().at(-1)!) + 1);
    expect(afterCopy.map((o) => o.progress?.phase)).toContain('verifying');
    expect(observations.filter((o) => o.stage === 'verifying' && o.progress?.phase === 'copying')).toEqual(
      [],
    );
  });

  test("the Web UI's pending activity shows the phase and percent within 3 s and refreshed every 5 s", () => {
    const beats = observations.filter((o) => o.pending?.details);
    expect(beats.length).toBeGreaterThan(0);
    expect(beats[0]!.at - copyStartedAt()).toBeLessThanOrEqual(3000);
    const refreshed = changes(beats, (o) => String(o.pending!.heartbeatAtMs));
    expect(Math.max(...gaps(refreshed))).toBeLessThanOrEqual(5000);
    expect(beats.map((o) => o.pending!.details!)).toContainEqual(
      expect.objectContaining({ phase: 'copying', bytesTotal: size, percent: expect.any(Number) }),
    );
    expect(beats.map((o) => o.pending!.details!.phase)).toContain('verifying');
  });

  test('items watch in a pipe prints the phases with their percent and ends when the item is resident', () => {
    expect(watched.code).toBe(0);
    const lines = watched.out.trim().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(/^copying: copying [\d.]+ [GM]iB \/ 2\.0 GiB \(\d+\.\d %\)/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^verifying: verifying /));
    expect(lines.at(-1)).toBe(`resident: ${LIBRARY_PATH}`);
  });

  test('Ctrl-C stops items watch with exit 0, the item carrying on', () => {
    expect(interrupted.code).toBe(0);
    expect(interrupted.out).toContain('stopped watching');
    expect(observations.at(-1)!.stage).toBe('resident');
  });
});

describe('live progress of a read-back (a WebDAV vault keeps no hash)', () => {
  let env: WorkflowTestEnv;
  let webdav: WebdavServer;
  let observations: Observation[];
  /** The 1 GiB video's size in bytes. */
  let readBackSize = 0;
  const served = tempDir('vaultarr-webdav-');

  beforeAll(async () => {
    webdav = await startWebdav(served.dir);
    env = await createWorkflowTestEnv({
      config: { vault: { copyHeartbeatTimeoutSeconds: 30 } },
      rcloneClient: (options) => new Rclone({ ...options, remote: webdav.remote }),
    });
    const { app, token } = await createTestApi(env);
    const name = 'Arrival.2016.1080p.BluRay.x264-GROUP.mkv';
    readBackSize = makeRandomVideo(path.join(env.localRoot, 'Incoming', name), GiB);
    observations = await follow(env, app, token, await env.startIncoming(`Incoming/${name}`));
  }, 10 * 60_000);
  afterAll(async () => {
    await env?.close();
    await webdav?.stop();
    served.cleanup();
  });

  test('the read-back shows as its own phase with a growing percent, updated at least every 5 s', () => {
    const readBack = observations.filter((o) => o.progress?.phase === 'reading-back');
    const percents = readBack.map((o) => o.progress!.percent ?? -1);
    expect(percents.length).toBeGreaterThan(1);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBeGreaterThan(percents[0]!);
    expect(readBack[0]!.progress).toMatchObject({ bytesTotal: readBackSize });
    expect(readBack.every((o) => o.stage === 'verifying')).toBe(true);
    expect(Math.max(...gaps(progressUpdates(observations)))).toBeLessThanOrEqual(5000);
  });
});
