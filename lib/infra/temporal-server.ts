/**
 * The embedded Temporal dev server (`temporal server start-dev`, CLI v1.5.1): SQLite file under the
 * data dir, Web UI, vaultarr's search attributes registered.
 */
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../domain/search-attributes.js';
import { UserError } from '../errors.js';
import { niceRaise } from '../priority.js';
import { stopChild, WaitAborted, waitFor } from './wait.js';

/** Where scripts/bootstrap.sh caches the CLI build: outside the clone, shared by every checkout. */
export const TEMPORAL_CACHE_BIN = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'),
  'vaultarr',
  'bin',
  'temporal',
);

/**
 * Finds the `temporal` CLI: an explicit path (config `temporal.embedded.binary` or `TEMPORAL_CLI`),
 * else one on PATH, else the cached build.
 *
 * @throws UserError when none exists (run `bash scripts/bootstrap.sh`)
 */
export function findTemporalBinary(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.TEMPORAL_CLI,
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'temporal')),
    TEMPORAL_CACHE_BIN,
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new UserError(
      `no temporal CLI found; run "bash scripts/bootstrap.sh" to build it into ${TEMPORAL_CACHE_BIN}`,
    );
  return found;
}

/** Options of {@link startTemporalDevServer}. */
export interface TemporalDevServerOptions {
  binary: string;
  /** SQLite file (created when missing; reused on restart). */
  dbFile: string;
  ip: string;
  port: number;
  /** Web UI port; `undefined` runs headless. */
  uiPort?: number;
  /** Address the Web UI binds to (default: the server's `ip`). */
  uiIp?: string;
  namespace: string;
  /** File that receives the server's output. */
  logFile: string;
  /** `--dynamic-config-value KEY=JSON` settings, added to (and overriding) {@link DEFAULT_DYNAMIC_CONFIG}. */
  dynamicConfig?: Record<string, unknown>;
  /** SQLite pragmas (`name=value`), replacing {@link DEFAULT_SQLITE_PRAGMAS}. */
  sqlitePragmas?: string[];
  /** Port of the server's Prometheus metrics on `ip` (`/metrics`); none when unset. */
  metricsPort?: number;
  /**
   * CPU niceness to run the server at (0-19, through `nice`, so that every thread of it has it);
   * unset, or not above this process's own: the server runs at this process's niceness.
   */
  niceness?: number;
}

/**
 * SQLite pragmas of the dev server: a write-ahead log that is fsync'ed at checkpoints rather than
 * on every commit (a crash of the host may lose the last transactions; a crash of the server loses
 * nothing).
 */
export const DEFAULT_SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'];

/**
 * Dynamic config of the dev server, for one small host:
 * - one task-queue partition to read and one to write (the server's default is 4 per queue):
 *   partitions spread one queue over several matchers for many workers; with one worker per queue,
 *   a task written to a partition it does not poll waits to be forwarded, and every partition
 *   costs its own writes on the server's single SQLite connection;
 * - eager activity dispatch (the server's default is off): an activity scheduled on the
 *   workflow's own task queue is handed back in the reply to the workflow task that scheduled it,
 *   without a trip through matching. Only activities on the workflow's queue qualify (the shared
 *   queue's catalog activities, not the host queue's); the TypeScript SDK's worker takes them by
 *   default (`maxEagerActivityReservationsPerWorkflowTask` 3, activity option `allowEagerDispatch` true).
 */
export const DEFAULT_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  'system.enableActivityEagerExecution': true,
};

/** A running dev server. */
export interface TemporalDevServer {
  address: string;
  /** Present when this process started it (not when an existing one was reused). */
  child?: ChildProcess;
  /**
   * Resolves, with how it ended (`code 1`, `signal SIGKILL`), once the server this process started
   * has exited; never for a reused one (not ours to watch or restart).
   */
  exited: Promise<string>;
  stop(): Promise<void>;
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * Starts the dev server, or reuses one already answering on the address (a previous run's).
 * Resolves once its frontend answers.
 *
 * @throws UserError when the binary cannot be run at all (not executable, or `nice` missing)
 * @throws Error when it does not answer within 90 s (see the log file)
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const address = `${options.ip}:${options.port}`;
  if (await answers(address).catch(() => false))
    return { address, exited: new Promise<string>(() => undefined), stop: async () => undefined };
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...(options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p]),
    ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.uiPort && options.uiIp ? ['--ui-ip', options.uiIp] : []),
    ...SEARCH_ATTRIBUTE_DEFINITIONS.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    ...Object.entries({ ...DEFAULT_DYNAMIC_CONFIG, ...options.dynamicConfig }).flatMap(([k, v]) => [
      '--dynamic-config-value',
      `${k}=${JSON.stringify(v)}`,
    ]),
  ];
  // The server picks free ports for its internal services at start-up; another process may take
  // one between the pick and the bind, and the server exits. That is worth another try or two.
  for (let attempt = 1; ; attempt++) {
    const log = openSync(options.logFile, 'a');
    const raise = niceRaise(options.niceness ?? 0);
    const [command, ...commandArgs] = raise
      ? ['nice', '-n', String(raise), options.binary, ...args]
      : [options.binary, ...args];
    const child = spawn(command!, commandArgs, { stdio: ['ignore', log, log] });
    // The child has its own copy of the log's descriptor.
    closeSync(log);
    let exited = false;
    const ended = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve(signal ? `signal ${signal}` : `code ${code}`);
      }),
    );
    // A binary that cannot be run (not executable, `nice` missing) is an 'error' event, not an
    // exit: without a listener it would end the whole process.
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    try {
      await waitFor(
        `the Temporal dev server on ${address} (log: ${options.logFile})`,
        async () => {
          if (spawnError) throw new WaitAborted(spawnError.message);
          if (exited) throw new WaitAborted(`the Temporal dev server exited; see ${options.logFile}`);
          return answers(address);
        },
        90_000,
      );
      return { address, child, exited: ended, stop: () => stopChild(child, 10_000) };
    } catch (err) {
      if (spawnError)
        throw new UserError(`cannot run the Temporal dev server (${command}): ${spawnError.message}`);
      if (!(err instanceof WaitAborted) || attempt >= 3) {
        await stopChild(child, 5000);
        throw err;
      }
    }
  }
}
