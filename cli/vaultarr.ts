#!/usr/bin/env node
/**
 * The `vaultarr` command line. Subcommands: `start` (whole stack on embedded defaults), `worker`,
 * `api`, `watcher` (one component each), `migrate`.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Command } from 'commander';
import { once } from 'node:events';
import { createServer } from 'node:http';
import path from 'node:path';
import { createApp } from '../api/app.js';
import { loadConfig, type Config } from '../lib/config.js';
import { createPool, migrate } from '../lib/db.js';
import { registerHost } from '../lib/hosts.js';
import { apiSettings, endpoints, janitorSettings, mediaItemPolicy } from '../lib/endpoints.js';
import { runMain } from '../lib/errors.js';
import { startUnion } from '../lib/infra/union.js';
import { createLogger } from '../lib/logger.js';
import { startMediaItem } from '../lib/start-item.js';
import {
  connectClient,
  ensureJanitor,
  ensureReconcileSchedule,
  ensureSearchAttributes,
  ensureTrashPurgeSchedule,
  runReconcile,
} from '../lib/temporal.js';
import { incomingKey, mediaItemWorkflowId } from '../lib/workflow-ids.js';
import { IncomingWatcher } from '../watcher/incoming-watcher.js';
import { createWorkers } from '../workers/worker.js';
import { registerManageCommands } from './manage.js';
import { registerPeerCommands } from './peers.js';
import { ensureLayout, runStack } from './stack.js';

function rcloneOptions(config: Config) {
  return {
    binary: config.vault.rcloneBinary,
    remote: config.vault.remote,
    configFile: config.vault.rcloneConfig,
    daemon: config.vault.rcloneDaemon,
    extraFlags: [
      ...(config.vault.bwLimit ? ['--bwlimit', config.vault.bwLimit] : []),
      ...config.vault.extraFlags,
    ],
  };
}

async function runWorker(config: Config): Promise<void> {
  const log = createLogger('worker', config.logLevel);
  const ep = endpoints(config);
  ensureLayout(config);
  await migrate(ep.databaseUrl);
  // One client for start-up housekeeping and for the activities that look at other workflows.
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const added = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
  if (added.length) log.info({ added }, 'search attributes registered');
  const connection = await NativeConnection.connect({ address: ep.temporalAddress });
  const pool = createPool(ep.databaseUrl);
  const workers = await createWorkers({
    connection,
    client,
    namespace: config.temporal.namespace,
    hostId: config.hostId,
    pool,
    localRoot: config.library.localRoot,
    settleMs: config.watcher.settleSeconds * 1000,
    rclone: rcloneOptions(config),
    trash: config.vault.trash,
    unionVaultMount: config.union.enabled ? config.union.vaultMount : undefined,
    scan: {
      servers: config.mediaServers,
      defaultLibraryRoot: config.union.mediaMount,
      mergeWindowMs: config.scan.mergeWindowSeconds * 1000,
    },
    arr: config.arr,
  });
  await registerHost(pool, config.hostId, config.library.localRoot);
  log.info({ hostId: config.hostId }, 'workers running');
  const running = Promise.all(workers.map((w) => w.run()));
  const housekeeping: Array<[string, Promise<void>]> = [
    ['create the trash purge schedule', ensureTrashPurgeSchedule(client)],
    [
      'create the reconcile schedule',
      ensureReconcileSchedule(client, {
        input: { hostId: config.hostId, policy: mediaItemPolicy(config) },
        everyHours: config.reconcileEveryHours,
      }),
    ],
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
  await client.connection.close();
  await pool.end();
  await connection.close();
}

async function runApi(config: Config): Promise<void> {
  const log = createLogger('api', config.logLevel);
  const ep = endpoints(config);
  await migrate(ep.databaseUrl);
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const pool = createPool(ep.databaseUrl);
  const server = createServer(createApp({ client, pool, settings: apiSettings(config) }));
  server.listen(config.api.port, config.api.host);
  await once(server, 'listening');
  log.info({ host: config.api.host, port: config.api.port }, 'API listening');
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await pool.end();
  await client.connection.close();
}

async function runWatcher(config: Config): Promise<void> {
  const log = createLogger('watcher', config.logLevel);
  const ep = endpoints(config);
  ensureLayout(config);
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const policy = mediaItemPolicy(config);
  const watcher = new IncomingWatcher({
    localRoot: config.library.localRoot,
    settleMs: config.watcher.settleSeconds * 1000,
    logger: log,
    onReady: async (release) => {
      const workflowId = mediaItemWorkflowId(incomingKey(release.releasePath, release.dev, release.ino));
      await startMediaItem(client, {
        workflowId,
        summary: `release ${release.releasePath.slice('Incoming/'.length)}`,
        input: {
          hostId: config.hostId,
          origin: { kind: 'incoming', releasePath: release.releasePath },
          policy,
        },
      });
      log.info({ release: release.releasePath, workflowId }, 'workflow started');
    },
  });
  await watcher.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await watcher.close();
  await client.connection.close();
}

const program = new Command('vaultarr')
  .description(
    'Durable Temporal workflows that carry home-media files from Incoming/ to a verified rclone vault.',
  )
  .showHelpAfterError();

program
  .command('start')
  .description('run the whole stack on this host (embedded Temporal and Postgres unless configured)')
  .action(() => runStack(loadConfig()));
program
  .command('worker')
  .description("run this host's Temporal workers")
  .action(() => runWorker(loadConfig()));
program
  .command('api')
  .description('run the HTTP API')
  .action(() => runApi(loadConfig()));
program
  .command('watcher')
  .description('watch Incoming/ and start workflows')
  .action(() => runWatcher(loadConfig()));
program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    const applied = await migrate(endpoints(loadConfig()).databaseUrl);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  });
program
  .command('config')
  .description('validate the configuration and print it (secrets redacted)')
  .action(() => {
    const config = loadConfig();
    const shown = {
      ...config,
      database: { ...config.database, url: config.database.url ? '(set)' : undefined },
    };
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  });

program
  .command('union')
  .description('mount the vault (rclone mount) and the union view of .Local + vault (mergerfs) until stopped')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger('union', config.logLevel);
    const union = await startUnion({
      rcloneBinary: config.vault.rcloneBinary,
      remote: config.vault.remote,
      rcloneConfig: config.vault.rcloneConfig,
      localRoot: config.library.localRoot,
      vaultMount: config.union.vaultMount,
      mediaMount: config.union.mediaMount,
      logDir: path.join(config.dataDir, 'logs'),
      mountFlags: config.union.mountFlags,
    });
    log.info({ media: config.union.mediaMount, vault: config.union.vaultMount }, 'union view mounted');
    const stopped = await Promise.race([
      new Promise<'signal'>((resolve) => {
        process.once('SIGINT', () => resolve('signal'));
        process.once('SIGTERM', () => resolve('signal'));
      }),
      union.exited.then(() => 'exited' as const),
    ]);
    await union.stop();
    if (stopped === 'exited') throw new Error('a mount process exited; the union view is down');
  });

program
  .command('reconcile')
  .description("compare this host's library, the vault and the catalog; start what events missed")
  .option('--dry-run', 'only report, start nothing')
  .option('--json', 'print JSON')
  .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
    const config = loadConfig();
    const ep = endpoints(config);
    const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
    try {
      const report = await runReconcile(client, {
        hostId: config.hostId,
        policy: mediaItemPolicy(config),
        dryRun: opts.dryRun,
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const section = (title: string, paths: string[]) =>
        paths.length ? [`${title} (${paths.length}):`, ...paths.map((p) => `  ${p}`)] : [];
      const lines = report.clean
        ? [`reconcile ${report.hostId}: clean — library, vault and catalog agree`]
        : [
            `reconcile ${report.hostId}:`,
            ...section('local files no item carries (started)', report.untracked),
            ...section('items whose workflow stopped before verification (restarted)', report.stalled),
            ...section('resident items whose local file is gone', report.missingLocally),
            ...section('vault files no item knows', report.vaultOnly),
            `${report.started.length} workflow(s) started${opts.dryRun ? ' (dry run: none)' : ''}`,
          ];
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await client.connection.close();
    }
  });

registerManageCommands(program);
registerPeerCommands(program);

runMain(async () => {
  await program.parseAsync(process.argv);
});
