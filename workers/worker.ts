/**
 * One host's workers in one process: the shared `vaultarr` queue (workflow tasks, catalog
 * activities) and the host queue `vaultarr-host-<hostId>` (activities that touch this host's disk).
 */
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import {
  createHostActivities,
  createSharedActivities,
  hostActivitySettings,
  sharedActivitySettings,
} from '../activities/index.js';
import type { HostQuotaPause } from '../activities/vault/quota-pause.js';
import type { Rclone } from '../activities/vault/rclone/client.js';
import { hostTaskQueue, SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import type { Config } from '../lib/config.js';
import type { WorkerMetrics } from '../lib/metrics.js';
import type { Notifier } from '../lib/notifications.js';

/** Whether this module runs from sources (tests, tsx) rather than from `dist/`. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** Path of the workflows module, from sources (tests, tsx) or from `dist/`. */
export function workflowsPath(): string {
  const ext = FROM_SOURCES ? 'ts' : 'js';
  return fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
}

let bundleCache: Promise<WorkflowBundleOption> | undefined;

/**
 * The workflow code for a worker: the bundle `npm run build` (and `scripts/bootstrap.sh`) wrote to
 * `dist/workflow-bundle.js` when running from `dist/` and it is newer than every compiled file there
 * (webpack then never loads in the worker: about 100 MiB less resident memory); otherwise the code is
 * bundled once per process. The bundler's errors go to the Temporal Runtime's logger (the
 * process's pino logger once `vaultarr worker` installed it); its chatter is dropped.
 */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundleCache ??= (async () => {
    const prebuilt = await freshPrebuiltBundle();
    return prebuilt ? { codePath: prebuilt } : bundleWorkflows();
  })();
  return bundleCache;
}

/**
 * Bundles the workflow code with webpack (see {@link workflowBundle}).
 *
 * @param reportError - where the bundler's errors go (default: the Temporal Runtime's logger)
 * @returns the bundle's code (about 1 MiB, its source map inline, without the sources)
 * @throws the bundler's error when the workflow code does not bundle (a workflow module importing
 *   something the sandbox forbids, a syntax error): a build or start-up failure, not retried
 */
export function bundleWorkflows(
  reportError?: (message: string, meta?: Record<string, unknown>) => void,
): Promise<WorkflowBundleWithSourceMap> {
  const error =
    reportError ??
    ((message: string, meta?: Record<string, unknown>) =>
      Runtime.instance().logger.error(message, { sdkComponent: 'bundler', ...meta }));
  return bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    // The SDK needs an inline source map (it maps workflow stack traces through it), but not the
    // sources in it: without them the map is a fifth of the size, in both of the worker's threads.
    webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-source-map' }),
    logger: { debug() {}, info() {}, warn() {}, error, trace() {}, log() {} },
  });
}

/** Where the prebuilt bundle lives: `dist/workflow-bundle.js`, beside `dist/workers/`. */
export function prebuiltBundlePath(): string {
  return fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
}

/** The newest modification time (ms) of the `.js` files under `dir`, leaving out `except`. */
async function newestJs(dir: string, except: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const at = path.join(entry.parentPath, entry.name);
    if (at !== except) newest = Math.max(newest, (await stat(at)).mtimeMs);
  }
  return newest;
}

/**
 * The prebuilt bundle's path when running from `dist/` and it is newer than every other compiled
 * `.js` file there (it may bundle any of them); `undefined` otherwise (from sources, missing, stale).
 */
export async function freshPrebuiltBundle(): Promise<string | undefined> {
  if (FROM_SOURCES) return undefined;
  const bundle = prebuiltBundlePath();
  const built = await stat(bundle).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (built === undefined) return undefined;
  return built >= (await newestJs(path.dirname(bundle), bundle)) ? bundle : undefined;
}

/**
 * The workers' settings, from config `temporal`, `hostId` and `worker`, and each activity group's
 * own (see `hostActivitySettings`, `sharedActivitySettings`):
 * - `taskQueue`: the workflow task queue, `vaultarr` (not a config key: tests use their own);
 * - `runShared`: run the shared worker too; `false` (`worker.hostOnly`, `vaultarr worker
 *   --host-only`) is the host-only profile: just this host's activity queue, no workflow bundle,
 *   for a small storage host whose workflows run elsewhere;
 * - `hostActivities`: host activities run at once (`worker.hostActivities`).
 */
export function workerSettings(config: Config) {
  return {
    namespace: config.temporal.namespace,
    hostId: config.hostId,
    taskQueue: SHARED_TASK_QUEUE,
    runShared: !config.worker.hostOnly,
    hostActivities: config.worker.hostActivities,
    host: hostActivitySettings(config),
    shared: sharedActivitySettings(config),
  };
}

/** What {@link workerSettings} returns. */
export type WorkerSettings = ReturnType<typeof workerSettings>;

/** Dependencies of {@link createWorkers}: its connections and clients, and its settings. */
export interface WorkerDeps {
  connection: NativeConnection;
  /** A client for the activities that look at other workflows (reconcile, notifications). */
  client: Client;
  pool: pg.Pool;
  settings: WorkerSettings;
  /** The host activities' rclone client (default: one made from `settings.host.rclone`). */
  rcloneClient?: Rclone;
  /** Sends notifications (default Apprise with `notifications.urls`; tests hand in their own). */
  notifier?: Notifier;
  /** Metrics to observe every activity with (its interceptor goes on both workers); default none. */
  metrics?: WorkerMetrics;
  /**
   * This host's quota pause (`vault.quotaPauseHours`): every copy of this process asks it before
   * it starts; default one of `settings.host.vault.quotaPauseMs`.
   */
  quotaPause?: HostQuotaPause;
}

/**
 * How the shared worker (workflow tasks, local and shared activities) uses memory and CPU, chosen
 * for a small host (a Raspberry Pi with 1-2 GiB) in this one place:
 * - `maxCachedWorkflows`: runs kept in memory between tasks. An item that sits `resident` leaves
 *   the cache once 250 busier ones came after it; when it wakes up (a webhook, the janitor) its
 *   history is replayed — a few ms for an item's ~20-40 events.
 * - one workflow thread (`workflowThreadPoolSize`): one V8 isolate, not two, for a worker whose
 *   workflow tasks take well under a millisecond each.
 * - `maxConcurrentWorkflowTaskExecutions` / local activities: bounded, so a burst of 10,000 arrivals
 *   queues on the server instead of in this process.
 * - sticky queue: a cached run's next task waits 10 s for this worker before any worker may take it.
 */
export const SHARED_WORKER_TUNING = {
  maxCachedWorkflows: 250,
  workflowThreadPoolSize: 1,
  maxConcurrentWorkflowTaskExecutions: 20,
  maxConcurrentLocalActivityExecutions: 20,
  maxConcurrentActivityTaskExecutions: 20,
  stickyQueueScheduleToStartTimeout: '10s',
} as const;

/**
 * The host worker (activities that touch this host's disk): `worker.hostActivities` at once
 * (`WorkerSettings.hostActivities`) — copies and hashing are bound by the disk and the uplink, and
 * the rclone daemon runs the transfers. Heartbeats are throttled to one a second at most instead
 * of the SDK's 0.8 × the heartbeat timeout (24 s for the default 30 s): the pump of
 * `activities/progress.ts` beats every 2 s, and each beat reaching Temporal is what keeps the Web
 * UI's pending activity showing progress at most a few seconds old.
 */
export const HOST_WORKER_TUNING = {
  maxHeartbeatThrottleInterval: '1s',
} as const;

/**
 * Creates this host's workers. Run them with `Promise.all(workers.map((w) => w.run()))`;
 * `worker.shutdown()` (or SIGINT/SIGTERM) stops them.
 */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const { connection, settings } = deps;
  const workers: Worker[] = [];
  const interceptors = deps.metrics ? { activity: [deps.metrics.interceptor] } : undefined;
  if (settings.runShared) {
    workers.push(
      await Worker.create({
        connection,
        namespace: settings.namespace,
        taskQueue: settings.taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createSharedActivities({
          pool: deps.pool,
          client: deps.client,
          settings: settings.shared,
          notifier: deps.notifier,
        }),
        interceptors,
        ...SHARED_WORKER_TUNING,
      }),
    );
  }
  workers.push(
    await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: hostTaskQueue(settings.hostId),
      activities: createHostActivities({
        pool: deps.pool,
        settings: settings.host,
        rcloneClient: deps.rcloneClient,
        quotaPause: deps.quotaPause,
      }),
      interceptors,
      maxConcurrentActivityTaskExecutions: settings.hostActivities,
      maxHeartbeatThrottleInterval: HOST_WORKER_TUNING.maxHeartbeatThrottleInterval,
    }),
  );
  return workers;
}
