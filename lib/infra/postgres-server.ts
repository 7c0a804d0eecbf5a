/**
 * The embedded Postgres: a private cluster under the data dir, run from the system's Postgres
 * binaries (Debian's `postgresql` package), listening on 127.0.0.1 and on a Unix socket in the
 * cluster directory. vaultarr's own components connect through the socket (see
 * {@link embeddedPostgresUrl}); the TCP port is for `psql -h 127.0.0.1` and other tools.
 */
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { UserError } from '../errors.js';
import { waitFor } from './wait.js';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory (`<data>/postgres`). */
  dir: string;
  port: number;
  /** Database to create for vaultarr (`vaultarr`). */
  database: string;
  logFile: string;
}

/** A running cluster. */
export interface EmbeddedPostgres {
  url: string;
  /**
   * Resolves, with how it ended, once the cluster's postmaster is gone (killed, crashed, stopped
   * by someone else): its PID, from `postmaster.pid`, is looked at every second.
   */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** Whether a process runs (a zombie does not: it is dead and only waits to be reaped). */
function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`; comm may hold spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return pidTaken(pid); // no /proc (not Linux), or no such process
  }
}

/** The PID in the cluster's `postmaster.pid` (undefined when there is none). */
function postmasterPid(dir: string): number | undefined {
  try {
    return (
      Number.parseInt(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10) ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** Whether any process, a zombie included, has the PID (what Postgres's own lock-file check asks). */
function pidTaken(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Watches the postmaster of the cluster in `dir` until it is gone.
 *
 * @returns `exited` (resolves with `postmaster <pid> is gone`, or `stopped` once `cancel` is
 *   called), and `cancel` to stop watching
 */
function watchPostmaster(dir: string): { exited: Promise<string>; cancel(): void } {
  const pidNow = () => postmasterPid(dir);
  const pid = pidNow();
  let timer: NodeJS.Timeout | undefined;
  let cancelled!: () => void;
  const exited = new Promise<string>((resolve) => {
    cancelled = () => {
      clearInterval(timer);
      resolve('stopped');
    };
    timer = setInterval(() => {
      if (pid !== undefined && processRuns(pid) && pidNow() === pid) return;
      clearInterval(timer);
      resolve(`postmaster ${pid ?? '(no postmaster.pid)'} is gone`);
    }, 1000);
    timer.unref();
  });
  return { exited, cancel: () => cancelled() };
}

/** The newest `/usr/lib/postgresql/<ver>/bin`, or the directory of `initdb` on PATH. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new UserError(
    'no Postgres binaries found; run "bash scripts/bootstrap.sh" (installs Debian\'s postgresql) or set DATABASE_URL',
  );
}

/** Longest Unix socket path Linux takes (`sun_path` is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The URL vaultarr's components use for the embedded cluster in `dir`: its Unix socket
 * (`<dir>/.s.PGSQL.<port>`), else `127.0.0.1:<port>` when the path does not fit in a socket
 * address or this process may not enter `dir` (a cluster another user runs: `npm start` as root
 * runs it as `postgres` in a 0700 directory, and the CLI run as someone else reaches it over TCP
 * as before). A `dir` that does not exist yet is the one `vaultarr start` is about to create.
 *
 * Why the socket: over TCP loopback the writer of every query also runs the receiving side of
 * the TCP stack. Measured here: 4,000 inserts from 20 at once cost the client 130 ms of CPU
 * through the socket against 199 ms over 127.0.0.1; the worker's CPU per item in bench scenario 3
 * went from 65-68 to 61-63 ms (docs/performance.md).
 *
 * @param dir - the cluster directory (absolute or relative to the working directory)
 * @param port - the cluster's port (names the socket file too)
 * @param database - database name
 * @returns a `postgres://` URL for pg and node-pg-migrate: the socket's as
 *   `postgres://vaultarr@localhost/<database>?host=<dir>&port=<port>` (libpq's form; the `host`
 *   parameter wins over the authority), else `postgres://vaultarr@127.0.0.1:<port>/<database>`.
 *   Never throws: a `dir` it cannot look at is reached over TCP.
 */
export function embeddedPostgresUrl(dir: string, port: number, database: string): string {
  const socketDir = path.resolve(dir);
  if (path.join(socketDir, `.s.PGSQL.${port}`).length > MAX_SOCKET_PATH || !mayEnter(socketDir)) {
    return `postgres://vaultarr@127.0.0.1:${port}/${database}`;
  }
  return `postgres://vaultarr@localhost/${database}?host=${encodeURIComponent(socketDir)}&port=${port}`;
}

/** Whether this process may enter `dir` (true when it does not exist yet). */
function mayEnter(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.X_OK);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a Postgres binary, as the `postgres` user when we are root (Postgres refuses to run as root). */
function pgRun(bin: string, tool: string, args: string[]): string {
  const file = path.join(bin, tool);
  return isRoot()
    ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** As root, lets the `postgres` user own the cluster dir and traverse its parents. */
function prepareDirs(dir: string, logFile: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(logFile), { recursive: true });
  if (!isRoot()) return;
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  execFileSync('touch', [logFile]);
  execFileSync('chown', ['postgres:postgres', logFile]);
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
  }
}

/**
 * Initializes (first run) and starts the cluster, or reuses it when it already runs; creates the
 * database. pg_ctl runs the server in the background, so it survives a crash of this process and
 * is reused by the next start. After a crash of the server itself (SIGKILL, OOM killer) the same
 * call starts it again: Postgres replays its write-ahead log, and nothing committed is lost.
 *
 * @throws UserError when the binaries are missing; Error when the server does not start (see the log)
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = findPostgresBin();
  const dir = path.resolve(options.dir);
  const socketDir = dir;
  prepareDirs(dir, options.logFile);
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    pgRun(bin, 'initdb', [
      '-D',
      dir,
      '-U',
      'vaultarr',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-instructions',
    ]);
  }
  let running = true;
  try {
    pgRun(bin, 'pg_ctl', ['-D', dir, 'status']);
  } catch {
    running = false;
  }
  const pid = postmasterPid(dir);
  if (running && pid !== undefined && !processRuns(pid)) {
    // Killed a moment ago and not reaped yet: pg_ctl (and Postgres's lock-file check) take the
    // zombie for a live postmaster until its parent, init, reaps it — a second or two.
    running = false;
    await waitFor(
      `the killed postmaster ${pid} of ${dir} to be reaped`,
      async () => !pidTaken(pid),
      30_000,
      100,
    );
  }
  if (!running) {
    pgRun(bin, 'pg_ctl', [
      '-D', dir, '-l', options.logFile, '-w', '-t', '60',
      '-o', `-p ${options.port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      'start',
    ]); // prettier-ignore
  }
  const adminUrl = embeddedPostgresUrl(dir, options.port, 'postgres');
  await waitFor(`Postgres in ${dir} on port ${options.port} (log: ${options.logFile})`, async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    // A server that dies while we ask: the query fails (and the wait tries again), never the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        options.database,
      ]);
      if (!rowCount) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
    return true;
  });
  const watch = watchPostmaster(dir);
  return {
    url: embeddedPostgresUrl(dir, options.port, options.database),
    exited: watch.exited,
    stop: async () => {
      watch.cancel();
      try {
        pgRun(bin, 'pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
    },
  };
}
