/**
 * `vaultarr start`: the whole stack on one host from embedded defaults — Temporal dev server,
 * Postgres, migrations, then the worker, API and watcher as child processes. Each of them, the
 * embedded servers included, is started again with backoff when it dies (`lib/infra/supervisor.ts`),
 * and the stack's log (console and `logs/stack.log`) says so. Ctrl-C (SIGINT) or SIGTERM stops everything cleanly; the next start resumes from the data dir.
 */
import { spawn } from 'node:child_process';
import { componentEnv, componentNodeFlags } from '../lib/component-flags.js';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinRemote } from '../activities/vault/rclone/remote-spec.js';
import type { Config } from '../lib/config.js';
import { migrate } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { startEmbeddedPostgres } from '../lib/infra/postgres-server.js';
import { Supervisor, type RunningService } from '../lib/infra/supervisor.js';
import { findTemporalBinary, startTemporalDevServer } from '../lib/infra/temporal-server.js';
import { unmount } from '../lib/infra/union.js';
import { stopChild, waitFor } from '../lib/infra/wait.js';
import { createLogger, type LogDestination } from '../lib/logger.js';
import { checkApprise } from '../lib/notifications.js';

const COMPONENTS = ['worker', 'api', 'watcher'] as const;

/** A service `vaultarr start` does not run (Temporal or Postgres configured elsewhere): nothing to supervise. */
const notEmbedded: RunningService = {
  exited: new Promise<string>(() => undefined),
  stop: async () => undefined,
};

/**
 * The stack's own log: the console, as before, and `<dataDir>/logs/stack.log` beside the
 * components' logs (what `vaultarr logs stack` reads), so that a restart of Postgres or a
 * component is on record after the terminal is gone.
 */
function consoleAndFile(file: string): LogDestination {
  const fd = openSync(file, 'a');
  return {
    write: (line: string) => {
      process.stdout.write(line);
      writeSync(fd, line);
    },
  };
}

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
  // A console that went away (`npm start | tee log`: Ctrl-C ends tee too) must not end this process
  // before it has stopped what it started: a write to it fails quietly from then on, and the
  // stack's log file keeps every line.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  checkApprise(config.notifications);
  const logDir = path.join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createLogger('stack', config.logLevel, consoleAndFile(path.join(logDir, 'stack.log')));
  ensureLayout(config);
  const ep = endpoints(config);
  // Started in this order, stopped in the reverse one.
  const services: Supervisor[] = [];
  let stopping = false;

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nvaultarr: stopping...\n');
    const [temporal, postgres, ...components] = services;
    await Promise.all(components.map((c) => c.stop()));
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

  // The embedded servers are supervised like the components: the dev server keeps every
  // workflow's state in its SQLite file and Postgres replays its write-ahead log, so either starts
  // again where it was, and the worker, API and watcher reconnect by themselves.
  const temporal = new Supervisor({
    name: 'the Temporal dev server',
    log,
    start: async () =>
      ep.embeddedTemporal
        ? startTemporalDevServer({
            binary: findTemporalBinary(config.temporal.embedded.binary),
            dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
            ip: config.temporal.embedded.ip,
            port: config.temporal.embedded.port,
            uiPort: config.temporal.embedded.uiPort,
            uiIp: config.temporal.embedded.uiIp,
            namespace: config.temporal.namespace,
            logFile: path.join(logDir, 'temporal.log'),
            niceness: config.temporal.embedded.niceness,
          })
        : notEmbedded,
  });
  services.push(temporal);
  await temporal.start();
  if (ep.embeddedTemporal) log.info({ address: ep.temporalAddress }, 'Temporal dev server up');
  const postgres = new Supervisor({
    name: 'Postgres',
    log,
    start: async () =>
      ep.embeddedDatabase
        ? startEmbeddedPostgres({
            dir: path.join(config.dataDir, 'postgres'),
            port: config.database.embedded.port,
            database: 'vaultarr',
            logFile: path.join(logDir, 'postgres.log'),
          })
        : notEmbedded,
  });
  services.push(postgres);
  await postgres.start();
  if (ep.embeddedDatabase) log.info('Postgres up');
  const applied = await migrate(ep.databaseUrl);
  if (applied.length) log.info({ applied }, 'migrations applied');

  const cli = fileURLToPath(import.meta.url).replace(/stack\.(ts|js)$/, 'vaultarr.$1');
  const env = {
    ...process.env,
    VAULTARR_TEMPORAL__ADDRESS: ep.temporalAddress,
    DATABASE_URL: ep.databaseUrl,
  };
  const launch = async (name: string): Promise<RunningService> => {
    const out = openSync(path.join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [...process.execArgv, ...componentNodeFlags(name), cli, name], {
      env: componentEnv(name, env),
      stdio: ['ignore', out, out],
    });
    closeSync(out); // the child has its own copy
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
    );
    return { exited, stop: () => stopChild(child, 15_000) };
  };
  for (const name of [...COMPONENTS, ...(config.union.enabled ? ['union'] : [])]) {
    if (stopping) break;
    const component = new Supervisor({
      name,
      log,
      start: () => launch(name),
      firstDelayMs: 2000,
      maxDelayMs: 16_000,
    });
    services.push(component);
    await component.start();
  }

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
