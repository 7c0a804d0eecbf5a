/**
 * `vaultarr start`: the whole stack on one host from embedded defaults — Temporal dev server,
 * Postgres, migrations, then the worker, API and watcher as child processes, restarted if they
 * crash. Ctrl-C (SIGINT) or SIGTERM stops everything cleanly; the next start resumes from the data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { componentEnv, componentNodeFlags } from '../lib/component-flags.js';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinRemote } from '../activities/vault/rclone.js';
import type { Config } from '../lib/config.js';
import { migrate } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../lib/infra/postgres-server.js';
import {
  findTemporalBinary,
  startTemporalDevServer,
  type TemporalDevServer,
} from '../lib/infra/temporal-server.js';
import { unmount } from '../lib/infra/union.js';
import { stopChild, waitFor } from '../lib/infra/wait.js';
import { createLogger } from '../lib/logger.js';
import { checkApprise } from '../lib/notifications.js';

const COMPONENTS = ['worker', 'api', 'watcher'] as const;

/** Creates the local library folders and, for a local-directory vault, the vault folder. */
export function ensureLayout(config: Config): void {
  for (const folder of ['Incoming', 'Movies', 'Shows', 'Unsorted']) {
    mkdirSync(path.join(config.library.localRoot, folder), { recursive: true });
  }
  if (!/^[^/]*:/.test(config.vault.remote)) mkdirSync(config.vault.remote, { recursive: true });
}

/**
 * Runs the stack until SIGINT/SIGTERM.
 *
 * @throws UserError for a missing Temporal CLI or Postgres, or a missing `apprise` when
 *   notifications are configured; Error when a service does not start
 */
export async function runStack(config: Config): Promise<void> {
  const log = createLogger('stack', config.logLevel);
  checkApprise(config.notifications);
  const logDir = path.join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  ensureLayout(config);
  const ep = endpoints(config);
  let temporal: TemporalDevServer | undefined;
  let postgres: EmbeddedPostgres | undefined;
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nvaultarr: stopping...\n');
    await Promise.all([...children.values()].map((child) => stopChild(child, 15_000)));
    if (config.union.enabled) {
      // The union component unmounts on SIGTERM; make sure nothing is left if it could not.
      await unmount(config.union.mediaMount);
      await unmount(config.union.vaultMount);
    }
    await temporal?.stop();
    await postgres?.stop();
    process.stdout.write('vaultarr: stopped\n');
  };
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGINT', () => void shutdown().then(resolve));
    process.once('SIGTERM', () => void shutdown().then(resolve));
  });

  if (ep.embeddedTemporal) {
    const temporalOptions = {
      binary: findTemporalBinary(config.temporal.embedded.binary),
      dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
      ip: config.temporal.embedded.ip,
      port: config.temporal.embedded.port,
      uiPort: config.temporal.embedded.uiPort,
      uiIp: config.temporal.embedded.uiIp,
      namespace: config.temporal.namespace,
      logFile: path.join(logDir, 'temporal.log'),
      niceness: config.temporal.embedded.niceness,
    };
    // The dev server holds every workflow's state in its SQLite file: if it dies, start it again
    // on the same file and the workers, watcher and API reconnect by themselves.
    const superviseTemporal = (server: TemporalDevServer): void => {
      server.child?.once('exit', (code, signal) => {
        if (stopping) return;
        log.error({ code, signal }, 'Temporal dev server exited; restarting it');
        const restart = (): void => {
          if (stopping) return;
          startTemporalDevServer(temporalOptions)
            .then((next) => {
              temporal = next;
              log.info({ address: next.address }, 'Temporal dev server back up');
              superviseTemporal(next);
            })
            .catch((err: Error) => {
              log.error({ err: err.message }, 'Temporal dev server did not start; retrying in 5 s');
              setTimeout(restart, 5000);
            });
        };
        setTimeout(restart, 1000);
      });
    };
    temporal = await startTemporalDevServer(temporalOptions);
    superviseTemporal(temporal);
    log.info({ address: temporal.address }, 'Temporal dev server up');
  }
  if (ep.embeddedDatabase) {
    postgres = await startEmbeddedPostgres({
      dir: path.join(config.dataDir, 'postgres'),
      port: config.database.embedded.port,
      database: 'vaultarr',
      logFile: path.join(logDir, 'postgres.log'),
    });
    log.info('Postgres up');
  }
  const applied = await migrate(ep.databaseUrl);
  if (applied.length) log.info({ applied }, 'migrations applied');

  const cli = fileURLToPath(import.meta.url).replace(/stack\.(ts|js)$/, 'vaultarr.$1');
  const env = {
    ...process.env,
    VAULTARR_TEMPORAL__ADDRESS: ep.temporalAddress,
    DATABASE_URL: ep.databaseUrl,
  };
  const launch = (name: string): void => {
    const out = openSync(path.join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [...process.execArgv, ...componentNodeFlags(name), cli, name], {
      env: componentEnv(name, env),
      stdio: ['ignore', out, out],
    });
    children.set(name, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      log.error({ component: name, code, signal }, 'component exited; restarting in 2 s');
      setTimeout(() => !stopping && launch(name), 2000);
    });
  };
  for (const name of [...COMPONENTS, ...(config.union.enabled ? ['union'] : [])]) launch(name);

  // Asked over loopback (a wildcard address answers there too); shown as what it listens on.
  const apiUrl = `http://127.0.0.1:${config.api.port}`;
  const shownHost = (host: string) =>
    host === '0.0.0.0' || host === '::' ? `${host} (every address of this machine)` : host;
  const apiShown = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${config.api.port}`;
  await waitFor('the API', async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000).catch((err: Error) =>
    log.warn({ err: err.message }, 'API not answering yet'),
  );
  const uiIp = config.temporal.embedded.uiIp ?? config.temporal.embedded.ip;
  const uiHost = uiIp === '127.0.0.1' || uiIp === '0.0.0.0' ? 'localhost' : uiIp;
  process.stdout.write(
    [
      '',
      'vaultarr is running',
      ep.embeddedTemporal
        ? `  Temporal Web UI   http://${uiHost}:${config.temporal.embedded.uiPort}`
        : `  Temporal          ${ep.temporalAddress}`,
      `  Drop releases in  ${path.join(config.library.localRoot, 'Incoming')}`,
      `  Library           ${config.library.localRoot}`,
      ...(config.union.enabled ? [`  Union view        ${config.union.mediaMount}`] : []),
      `  Vault remote      ${joinRemote(config.vault.remote, '')}`,
      `  API               ${apiShown}/healthz${config.api.host === '0.0.0.0' || config.api.host === '::' ? `  (listening on ${shownHost(config.api.host)})` : ''}`,
      ...(config.metrics.enabled
        ? [
            `  Metrics           ${apiShown}/metrics, worker http://${config.metrics.host}:${config.metrics.port}/metrics`,
          ]
        : []),
      `  Logs              ${logDir}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopSignal;
}
