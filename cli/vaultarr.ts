#!/usr/bin/env node
/**
 * The `vaultarr` command line. Subcommands: `start` (whole stack on embedded defaults), `worker`,
 * `api`, `watcher` (one component each), `migrate`, `logs`.
 */
import { Command } from 'commander';
import path from 'node:path';
import { loadConfig, redactConfig } from '../lib/config.js';
import { migrate } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { runMain } from '../lib/errors.js';
import { checkRcloneVersion, usePinnedTools } from '../lib/infra/rclone-binary.js';
import { startUnion, unionRcFile } from '../lib/infra/union.js';
import { createLogger } from '../lib/logger.js';
import { connectClient, runReconcile } from '../lib/temporal.js';
import { registerLogsCommand } from './logs.js';
import { registerManageCommands } from './manage.js';
import { registerPeerCommands } from './peers.js';
import { runStack } from './stack.js';

// The pinned rclone (and the Temporal CLI) first on PATH, for this process and every child.
usePinnedTools();

const program = new Command('vaultarr')
  .description(
    'Durable Temporal workflows that carry home-media files from Incoming/ to a verified rclone vault.',
  )
  .showHelpAfterError();

program
  .command('start')
  .description('run the whole stack on this host (embedded Temporal and Postgres unless configured)')
  .action(async () => {
    const config = loadConfig();
    await checkRcloneVersion(config.vault.rcloneBinary);
    await runStack(config);
  });
program
  .command('worker')
  .description("run this host's Temporal workers")
  .option(
    '--host-only',
    "run only this host's activity queue, without workflows (a small storage host; config worker.hostOnly)",
  )
  .action(async (opts: { hostOnly?: boolean }) => {
    const config = loadConfig();
    if (opts.hostOnly) config.worker.hostOnly = true;
    await checkRcloneVersion(config.vault.rcloneBinary);
    await (await import('./run-worker.js')).runWorker(config);
  });
program
  .command('api')
  .description('run the HTTP API')
  .action(async () => (await import('./run-api.js')).runApi(loadConfig()));
program
  .command('watcher')
  .description('watch Incoming/ and start workflows')
  .action(async () => (await import('./run-watcher.js')).runWatcher(loadConfig()));
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
  .action(async () => {
    const config = loadConfig();
    await checkRcloneVersion(config.vault.rcloneBinary);
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
  });

program
  .command('union')
  .description('mount the vault (rclone mount) and the union view of .Local + vault (mergerfs) until stopped')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger('union', config.logLevel);
    await checkRcloneVersion(config.vault.rcloneBinary);
    const union = await startUnion({
      rcloneBinary: config.vault.rcloneBinary,
      remote: config.vault.remote,
      rcloneConfig: config.vault.rcloneConfig,
      localRoot: config.library.localRoot,
      vaultMount: config.union.vaultMount,
      mediaMount: config.union.mediaMount,
      logDir: path.join(config.dataDir, 'logs'),
      mountFlags: config.union.mountFlags,
      rcFile: unionRcFile(config.dataDir),
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
            ...section(
              'resident items whose local file changed since verification (copied again)',
              report.changedLocally ?? [],
            ),
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
registerLogsCommand(program);

runMain(async () => {
  await program.parseAsync(process.argv);
});
