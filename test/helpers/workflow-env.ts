/**
 * A worker for one test file on the run's dev server: its own task queue, host ID, library and
 * local-directory vault, plus a client and a Postgres pool.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { mkdirSync } from 'node:fs';
import type { ItemSettings, MediaItemStatus } from '../../domain/messages.js';
import type { ConfigInput } from '../../lib/config.js';
import { statusQuery } from '../../domain/messages.js';
import type { Stage } from '../../domain/stages.js';
import { createPool } from '../../lib/db.js';
import { waitFor } from '../../lib/infra/wait.js';
import { startIncomingItem } from '../../lib/start-item.js';
import { arrivalIdentity } from '../../lib/workflow-ids.js';
import { createWorkers, workerSettings, type WorkerDeps } from '../../workers/worker.js';
import type { RcloneSettings } from '../../activities/vault/rclone/client.js';
import type { Express } from 'express';
import { apiSettings, createApp, type ApiDeps, type ApiSettings } from '../../api/app.js';
import { createToken, TOKEN_SCOPES } from '../../lib/tokens.js';
import { testConfig } from './config.js';
import { freshDatabase, makeLibrary, temporalAddress, tempDir, uniqueName } from './env.js';

/** Everything a workflow test needs. */
export interface WorkflowTestEnv {
  client: Client;
  pool: pg.Pool;
  taskQueue: string;
  hostId: string;
  localRoot: string;
  vaultDir: string;
  root: string;
  /** The item policy of the env's worker (the config's defaults, test timeouts, `options.config`). */
  policy: ItemSettings['policy'];
  /** Starts the item workflow for a release in Incoming/, as the watcher does. */
  startIncoming(releasePath: string): Promise<string>;
  /**
   * Restarts the env's workers, as a restarted worker process with a changed configuration: the
   * running ones shut down (their activities are cancelled and retried), new ones start on the same
   * task queues, host, library and vault with `changes` (whole sections, as in `vaultarr.yml`) applied.
   */
  restartWorkers(changes: ConfigInput): Promise<void>;
  /** Polls the `status` query until the stage is reached (60 s by default). */
  waitForStage(workflowId: string, stage: Stage, timeoutMs?: number): Promise<MediaItemStatus>;
  /**
   * Polls the `status` query until `ok` holds (60 s by default); a timeout's error names `what`
   * and the last status.
   */
  waitForStatus(
    workflowId: string,
    what: string,
    ok: (status: MediaItemStatus) => boolean,
    timeoutMs?: number,
  ): Promise<MediaItemStatus>;
  /**
   * Runs the `vaultarr` CLI (from source) against this env's Temporal and database, as its own
   * process and asynchronously, so this process's workers keep answering meanwhile.
   *
   * @returns its exit status and output
   */
  cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }>;
  /** The environment the CLI runs with against this env (its Temporal and database). */
  cliEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Options of {@link createWorkflowTestEnv}. */
export interface WorkflowTestOptions {
  /**
   * The worker's config, keys as in `vaultarr.yml` (`vault.copyAttempts`, `mediaServers`, `arr`,
   * `notifications`, ...), over the env's own: its host, library, local-directory vault, and
   * timeouts short enough for tests (`hostWaitHours` 10 minutes, `vault.copyHeartbeatTimeoutSeconds`
   * 10). A section given here replaces the env's (its unset keys get the schema's defaults), but
   * `vault` is merged into the env's (which names the remote).
   */
  config?: ConfigInput;
  localRoot?: string;
  /** Host ID of the worker (default a unique one). */
  hostId?: string;
  /**
   * The sort's settle time, in ms (default 0: tests settle their files themselves; below the
   * schema's minimum, so set on the settings the config gave).
   */
  settleMs?: number;
  /** Worker metrics to observe the activities with (see `WorkerDeps.metrics`). */
  metrics?: WorkerDeps['metrics'];
  /** Makes the host activities' rclone client from the env's options (see `WorkerDeps.rcloneClient`). */
  rcloneClient?: (rclone: RcloneSettings) => NonNullable<WorkerDeps['rcloneClient']>;
  /** The host's quota pause (see `WorkerDeps.quotaPause`). */
  quotaPause?: WorkerDeps['quotaPause'];
}

/** Creates the env and runs its workers until `close()`. */
export async function createWorkflowTestEnv(options: WorkflowTestOptions = {}): Promise<WorkflowTestEnv> {
  const { dir: root, cleanup } = tempDir('vaultarr-wf-');
  const localRoot = options.localRoot ?? path.join(root, '.Local');
  const vaultDir = path.join(root, 'cloud');
  makeLibrary(localRoot);
  mkdirSync(vaultDir, { recursive: true });
  const taskQueue = uniqueName('test');
  const hostId = options.hostId ?? uniqueName('host');
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const clientConnection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection: clientConnection });
  const databaseUrl = await freshDatabase();
  const pool = createPool(databaseUrl);
  /** The env's config: its host, library and vault, short timeouts, then the test's `config`. */
  const configOf = (config: ConfigInput = {}) =>
    testConfig({
      hostId,
      library: { localRoot },
      hostWaitHours: 1 / 6,
      ...config,
      vault: { remote: vaultDir, copyHeartbeatTimeoutSeconds: 10, ...config.vault },
    });
  const settingsOf = (config: ConfigInput) => {
    const settings = { ...workerSettings(configOf(config)), taskQueue };
    settings.host.sort.settleMs = options.settleMs ?? 0;
    return settings;
  };
  const initial = settingsOf(options.config ?? {});
  const policy: ItemSettings['policy'] = initial.shared.item.policy;
  const start = (settings: ReturnType<typeof settingsOf>) =>
    createWorkers({
      connection,
      client,
      pool,
      settings,
      metrics: options.metrics,
      rcloneClient: options.rcloneClient?.(settings.host.rclone),
      quotaPause: options.quotaPause,
    });
  let workers: Worker[] = await start(initial);
  let running = Promise.all(workers.map((w) => w.run()));
  const cliEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    VAULTARR_DATA_DIR: path.join(root, 'cli-data'),
    VAULTARR_TEMPORAL__ADDRESS: temporalAddress(),
    DATABASE_URL: databaseUrl,
  };

  const waitForStatus: WorkflowTestEnv['waitForStatus'] = async (
    workflowId,
    what,
    ok,
    timeoutMs = 60_000,
  ) => {
    let last: MediaItemStatus | undefined;
    await waitFor(
      `${workflowId} ${what}`,
      async () => ok((last = await client.workflow.getHandle(workflowId).query(statusQuery))),
      timeoutMs,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status: ${JSON.stringify(last)}`);
    });
    return last!;
  };

  return {
    client,
    pool,
    taskQueue,
    hostId,
    localRoot,
    vaultDir,
    root,
    policy,
    async restartWorkers(changes) {
      for (const w of workers) w.shutdown();
      await running;
      workers = await start(settingsOf({ ...options.config, ...changes }));
      running = Promise.all(workers.map((w) => w.run()));
    },
    async startIncoming(releasePath) {
      return startIncomingItem(client, {
        releasePath,
        arrival: await arrivalIdentity(path.join(localRoot, releasePath)),
        localRoot,
        hostId,
        taskQueue,
      });
    },
    cli: (...args) =>
      new Promise((resolve) =>
        execFile(
          path.resolve('node_modules/.bin/tsx'),
          [path.resolve('cli/vaultarr.ts'), ...args],
          {
            cwd: root,
            encoding: 'utf8',
            env: cliEnv,
          },
          (err, stdout, stderr) =>
            resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      ),
    cliEnv,
    waitForStage: (workflowId, stage, timeoutMs) =>
      waitForStatus(workflowId, `to reach ${stage}`, (s) => s.stage === stage, timeoutMs),
    waitForStatus,
    async close() {
      for (const w of workers) w.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
      await pool.end();
      cleanup();
    },
  };
}

/** The *arr path rewrites the API tests use (autoscan-style). */
export const TEST_REWRITES = [
  { from: '/data/media/movies', to: 'Movies' },
  { from: '/data/media/tv', to: 'Shows' },
  { from: '/data/media/music', to: 'Music' },
  { from: '/data/media/books', to: 'Books' },
];

/**
 * The real API app wired to a test env (its library, host, task queue), plus a fresh token.
 *
 * @param overrides - settings to change (auth limits, body size, rewrites), over those the
 *   config gives (the env's host and library, {@link TEST_REWRITES}, 256 KiB bodies, 100 failed
 *   authentications a minute)
 * @param deps - another Temporal client or webhook forwarder (default the env's, and one of its own)
 */
export async function createTestApi(
  env: WorkflowTestEnv,
  overrides: Partial<ApiSettings> = {},
  deps: Partial<Pick<ApiDeps, 'client' | 'forwarder'>> = {},
): Promise<{ app: Express; token: string }> {
  const app = createApp({
    ...deps,
    client: deps.client ?? env.client,
    pool: env.pool,
    settings: {
      ...apiSettings(
        testConfig({
          hostId: env.hostId,
          library: { localRoot: env.localRoot },
          webhooks: { pathRewrites: TEST_REWRITES },
          api: { maxBodyBytes: 256 * 1024, authFailureLimit: 100, authFailureWindowMinutes: 1 },
        }),
      ),
      taskQueue: env.taskQueue,
      ...overrides,
    },
  });
  const { token } = await createToken(env.pool, uniqueName('test'), TOKEN_SCOPES);
  return { app, token };
}
