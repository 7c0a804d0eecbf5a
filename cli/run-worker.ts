/**
 * `vaultarr worker`: this host's workers (shared queue and host queue), host registration and start-up housekeeping. Its own module, loaded only by that subcommand, so that other components
 * do not load its dependencies (memory on small hosts).
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from '../lib/config.js';
import { createPool, migrate } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { registerHost } from '../lib/hosts.js';
import { createLogger, temporalLogger } from '../lib/logger.js';
import { runAtBackgroundPriority } from '../lib/priority.js';
import {
  connectClient,
  ensureJanitor,
  ensureReconcileSchedule,
  ensureSearchAttributes,
  ensureTrashPurgeSchedule,
  janitorSettings,
} from '../lib/temporal.js';
import { createMediaServer } from '../activities/scan/servers/index.js';
import { HostQuotaPause } from '../activities/vault/quota-pause.js';
import { Rclone } from '../activities/vault/rclone/client.js';
import { createWorkerMetrics, serveMetrics, workerMetricsSettings } from '../lib/metrics.js';
import { checkApprise, ensureNotificationSchedules } from '../lib/notifications.js';
import { StreamThrottle, throttleSettings } from '../workers/stream-throttle.js';
import { createWorkers, workerSettings } from '../workers/worker.js';
import { migrateRetiredItems } from '../lib/items/migrate.js';
import { ensureLayout } from './stack.js';

/**
 * Runs the workers until SIGINT/SIGTERM.
 *
 * @param config - with `worker.hostOnly`, only this host's activity queue runs (no workflow
 *   bundle); its janitor and reconcile Schedule are still set up, their workflows run on the
 *   workers that run workflows
 */
export async function runWorker(config: Config): Promise<void> {
  const hostOnly = config.worker.hostOnly;
  // First, so that every thread and child process started below inherits it.
  const niceness = runAtBackgroundPriority(config.worker.niceness);
  const log = createLogger('worker', config.logLevel);
  // The SDK's own lines (worker state, task failures, and the native core's warnings) go to the
  // same JSON log; installed before the first connection, as the Runtime requires.
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
  });
  const ep = endpoints(config);
  // Only the shared worker sends notifications; a missing apprise is a start-up error there.
  const notify = !hostOnly && config.notifications.urls.length > 0;
  if (notify) checkApprise(config.notifications);
  ensureLayout(config);
  await migrate(ep.databaseUrl);
  // One client for start-up housekeeping and for the activities that look at other workflows.
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const added = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
  if (added.length) log.info({ added }, 'search attributes registered');
  const connection = await NativeConnection.connect({ address: ep.temporalAddress });
  const pool = createPool(ep.databaseUrl, undefined, (err) =>
    log.warn({ err: err.message }, 'lost a database connection; the next query opens a new one'),
  );
  const settings = workerSettings(config);
  const rclone = new Rclone(settings.host.rclone);
  // Per host and process: every copy here asks it; each waiting item holds its own durable timer.
  const quotaPause = new HostQuotaPause(settings.host.vault.quotaPauseMs);
  const throttling = throttleSettings(config);
  const throttle = throttling
    ? new StreamThrottle({
        servers: config.mediaServers.map((server) => createMediaServer(server)),
        control: rclone,
        settings: throttling,
        log,
      })
    : undefined;
  if (throttle && !throttle.hasServers)
    log.warn('vault.throttle is set, but mediaServers has no plex, jellyfin or emby to ask for streams');
  if (throttle && !config.vault.rcloneDaemon)
    log.warn('vault.throttle needs vault.rcloneDaemon: copies run as processes here and are not throttled');
  const metrics = config.metrics.enabled
    ? createWorkerMetrics({
        settings: workerMetricsSettings(config),
        rcloneDaemonUp: config.vault.rcloneDaemon ? () => rclone.daemonUp() : undefined,
        quotaPause,
        throttle: throttle && (() => throttle.state),
      })
    : undefined;
  const workers = await createWorkers({
    connection,
    client,
    pool,
    settings,
    rcloneClient: rclone,
    quotaPause,
    metrics,
  });
  // A port already taken (a second worker on this machine) costs the metrics, not the worker.
  const metricsServer = metrics
    ? await serveMetrics(metrics.registry, config.metrics.port, config.metrics.host).then(
        ({ server, port }) => {
          log.info({ port, host: config.metrics.host }, 'metrics served on /metrics');
          return server;
        },
        (err: Error) => {
          log.error(
            { err: err.message, port: config.metrics.port },
            'cannot serve /metrics; set metrics.port to a free port (or metrics.enabled: false)',
          );
          return undefined;
        },
      )
    : undefined;
  await registerHost(pool, config.hostId, config.library.localRoot);
  log.info(
    { hostId: config.hostId, hostOnly, niceness, hostActivities: config.worker.hostActivities },
    hostOnly ? 'host activity worker running' : 'workers running',
  );
  const running = Promise.all(workers.map((w) => w.run()));
  throttle?.start();
  const housekeeping: Array<[string, Promise<void>]> = [
    ['create the trash purge schedule', ensureTrashPurgeSchedule(client)],
    [
      'create the reconcile schedule',
      ensureReconcileSchedule(client, {
        input: { hostId: config.hostId },
        everyHours: config.reconcileEveryHours,
      }),
    ],
    ...(hostOnly
      ? []
      : [
          [
            'move items of retired workflow types to the current one',
            migrateRetiredItems({ client, pool }).then((moved) => {
              if (moved.length) log.info({ moved }, 'items moved from retired workflow types');
            }),
          ] as [string, Promise<void>],
        ]),
    ...(notify
      ? [
          [
            'create the notification schedules',
            ensureNotificationSchedules(client, config.notifications),
          ] as [string, Promise<void>],
        ]
      : []),
    ...(config.eviction.enabled
      ? [
          [
            'start the cache janitor',
            ensureJanitor(client, { hostId: config.hostId, settings: janitorSettings(config) }),
          ] as [string, Promise<void>],
        ]
      : []),
  ];
  await Promise.all(
    housekeeping.map(([what, done]) =>
      done.catch((err: Error) => log.warn({ err: err.message }, `could not ${what}`)),
    ),
  );
  await running;
  metricsServer?.close();
  await throttle?.stop();
  await rclone.close();
  await client.connection.close();
  await pool.end();
  await connection.close();
}
