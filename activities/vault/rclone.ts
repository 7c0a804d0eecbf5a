/**
 * A typed wrapper around the rclone binary (Debian's rclone, v1.60 or later): copies with parsed
 * progress, object stats with hashes, backend features. Output is parsed into types here so that
 * activities never read rclone's text.
 *
 * Copies, stats, backend features and read-backs go to a long-lived `rclone rcd` (one per client,
 * started on first use) instead of an rclone process each: a process costs about 0.1 CPU second
 * and 80 ms, more than the work itself for small files. The daemon listens on a loopback port with
 * a random user and password passed in its environment (never on its command line), and dies with
 * the process that started it: on a normal exit through an exit hook, and on a crash or SIGKILL
 * through the kernel's parent-death signal (util-linux `setpriv --pdeathsig`) and a small watchdog
 * that outlives it. When it cannot start, every call runs rclone as a
 * process, as before.
 */
import { execa, type ResultPromise } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { stat as statFile } from 'node:fs/promises';
import { freePort } from '../../lib/infra/wait.js';
import { splitRcloneFlags } from '../../lib/secrets.js';

/** How to reach the vault. */
export interface RcloneOptions {
  /** rclone binary (`rclone`). */
  binary: string;
  /** Vault remote spec: `gdrive:Media`, `:webdav,url='http://…':`, or a local directory. */
  remote: string;
  /** rclone config file; rclone's default when unset. */
  configFile?: string;
  /**
   * Extra flags for every call (`--transfers`, ...); the daemon gets them as global flags. Secret
   * ones (`--webdav-pass`, ...) go to rclone through its environment, never its command line.
   */
  extraFlags?: string[];
  /**
   * Upload bandwidth limit (`--bwlimit` syntax: `8M`, or a timetable). It applies to copies only:
   * verification read-backs run without it. (rclone's `UP:DOWN` form limits only at the HTTP
   * transport, so it would not limit a local or SFTP vault at all.)
   */
  bwLimit?: string;
  /** Use a long-lived `rclone rcd` (default true); false runs a process per call. */
  daemon?: boolean;
  /**
   * Folder of the vault trash at the remote's root (`vault.trash.folder`). Every copy and move that
   * would replace an object moves the old one there first, with rclone's own `--backup-dir`.
   */
  trashFolder: string;
}

/**
 * Where a copy or move puts an object it would replace: rclone's `--backup-dir` (the day's trash
 * folder) and `--suffix` (`.replaced-<HHMMSS>`, before the extension), so a replaced object never
 * takes the name of one deleted the same day, nor of another replaced one.
 */
export interface TrashPlacement {
  /** Library-relative folder of the day's trash, `<trash>/<YYYY-MM-DD>`. */
  folder: string;
  /** Suffix rclone adds to the replaced object's name (`--suffix-keep-extension`). */
  suffix: string;
}

/**
 * The trash placement for a write at `at`: `<trash>/<YYYY-MM-DD>` and `.replaced-<HHMMSS>` (UTC).
 *
 * @param trashFolder - the trash folder at the remote's root (`.trash`)
 */
export function trashPlacement(trashFolder: string, at: Date = new Date()): TrashPlacement {
  const iso = at.toISOString();
  return {
    folder: `${trashFolder}/${iso.slice(0, 10)}`,
    suffix: `.replaced-${iso.slice(11, 19).replace(/:/g, '')}`,
  };
}

/** Progress of a running copy, from rclone's JSON stats. */
/** Options of `Rclone.copy`. */
export interface CopyOptions {
  /** Copy even when the remote has the same size and modtime (`--ignore-times`). */
  force?: boolean;
  /** Called with bytes done/total about once a second. */
  onProgress?: (p: CopyProgress) => void;
  /** Aborts the copy. */
  signal?: AbortSignal;
}

export interface CopyProgress {
  bytesDone: number;
  bytesTotal: number;
}

/** What rclone knows about one object on the remote. */
export interface RemoteObject {
  sizeBytes: number;
  modTime: string;
  /** Hashes the remote returned, by rclone hash name (`sha256`, `md5`, ...). */
  hashes: Record<string, string>;
}

/** Backend features that verification depends on. */
export interface RemoteFeatures {
  /** rclone hash names the remote stores. */
  hashes: string[];
  /** Modification-time precision in ns; rclone reports a huge value when modtimes are not kept. */
  precisionNs: number;
}

/**
 * How callers treat a failed rclone command: `auth`, the credentials were refused (a human must
 * act); `refused`, the remote refuses a write whoever asks — read-only, no permission, out of
 * space (see {@link rcloneErrorKind}); `not-found`; `other`, transient or unknown.
 */
export type RcloneErrorKind = 'auth' | 'refused' | 'not-found' | 'other';

/** An rclone command failed. `kind` says how callers should treat it. */
export class RcloneError extends Error {
  constructor(
    message: string,
    readonly kind: RcloneErrorKind,
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = 'RcloneError';
  }
}

/** Precision rclone reports for a backend that keeps no modification times (100 years). */
export const MODTIME_UNSUPPORTED_NS = 3153600000000000000;

const AUTH_PATTERN =
  /\b(401|403)\b|unauthori[sz]ed|forbidden|invalid_grant|authentication failed|access denied/i;

/** On a write: the credentials themselves were refused (every other 403 is about the write). */
const CREDENTIALS_PATTERN =
  /\b401\b|unauthori[sz]ed|invalid_grant|authentication failed|InvalidAccessKeyId|SignatureDoesNotMatch/i;

/**
 * On a write: the remote refuses it for what it is or holds. A local or SFTP vault: EROFS, EACCES,
 * EPERM, ENOSPC; WebDAV: 403 Forbidden, 405 Method Not Allowed, 507 Insufficient Storage; S3:
 * AccessDenied; Google Drive: `storageQuotaExceeded` (its upload quota is a pause, not this: see
 * `quota-pause.ts`).
 */
const REFUSED_PATTERN =
  /read-only file system|\bEROFS\b|permission denied|\bEACCES\b|operation not permitted|\b40[35]\b|forbidden|access denied|method not allowed|\b507\b|insufficient storage|no space left|\bENOSPC\b|storage quota|not enough space/i;

/**
 * On an upload: how a WebDAV server that takes no writes answers. `rclone serve webdav
 * --read-only` answers a PUT with 404 Not Found and a MKCOL of the new folder with 409 Conflict
 * (rclone: `Update mkParentDir failed: Conflict: 409 Conflict`); the source is a local file that
 * was there a moment ago, so neither means "not found".
 */
const REFUSED_UPLOAD_PATTERN = /\b404 Not Found\b|mkParentDir failed/i;

/** rclone commands (and rc calls) that write to the remote. */
const WRITE_COMMANDS = new Set([
  'copy',
  'copyto',
  'move',
  'moveto',
  'touch',
  'mkdir',
  'purge',
  'delete',
  'deletefile',
  'rmdirs',
]);
/** rclone commands that upload local files. */
const UPLOAD_COMMANDS = new Set(['copy', 'copyto']);

/**
 * Classifies a failed rclone command from its error text (all of stderr, or the daemon's error)
 * and the line that says what failed.
 *
 * @param command - the rclone command (`copy`, `moveto`, `lsjson`, ...)
 * @param text - everything rclone said (searched for credential problems)
 * @param message - its last error line (searched for "not found")
 * @param notFound - the exit code or HTTP status already says "not found"
 * @returns the {@link RcloneErrorKind}; on a read, `auth` for any 401/403
 */
export function rcloneErrorKind(
  command: string,
  text: string,
  message: string,
  notFound = false,
): RcloneErrorKind {
  if (WRITE_COMMANDS.has(command) && !CREDENTIALS_PATTERN.test(text) && !/source object/i.test(message)) {
    if (REFUSED_PATTERN.test(message)) return 'refused';
    if (UPLOAD_COMMANDS.has(command) && REFUSED_UPLOAD_PATTERN.test(message)) return 'refused';
  }
  if (AUTH_PATTERN.test(text)) return 'auth';
  return notFound || /not found/i.test(message) ? 'not-found' : 'other';
}

/** Joins a remote spec and a library-relative path (`gdrive:` + `Movies/x` → `gdrive:Movies/x`). */
export function joinRemote(remote: string, relativePath: string): string {
  if (!relativePath) return remote;
  return remote.endsWith(':') || remote.endsWith('/')
    ? `${remote}${relativePath}`
    : `${remote}/${relativePath}`;
}

/** Reads the last line of rclone's stderr that is an error, for messages. */
function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { level?: string; msg?: string };
        return j.level === 'error' || j.level === 'critical' ? (j.msg ?? l) : '';
      } catch {
        return /ERROR|Failed/.test(l) ? l : '';
      }
    })
    .filter(Boolean);
  return lines[lines.length - 1] ?? stderr.trim().split('\n').pop() ?? '';
}

/** A sha256 that reports the bytes fed to it so far. */
function countingSha256(onBytes?: (bytesDone: number) => void) {
  const hash = createHash('sha256');
  let done = 0;
  return {
    update(chunk: Uint8Array): void {
      hash.update(chunk);
      done += chunk.length;
      onBytes?.(done);
    },
    /** Bytes fed so far. */
    get bytes(): number {
      return done;
    },
    /** Lowercase hex. */
    digest: (): string => hash.digest('hex'),
  };
}

/** Error of a daemon call: the message rclone gave and the HTTP status. */
export class RcloneDaemonError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RcloneDaemonError';
  }
}

const live = new Set<ChildProcess>();
const SETPRIV = '/usr/bin/setpriv';
let exitHookInstalled = false;

/** The env-var remote name an on-the-fly remote is given inside the daemon. */
const ENV_REMOTE = 'vaultarrvault';

/**
 * Splits an on-the-fly remote (`:webdav,url='http://h:1',vendor=other:path`) into its backend,
 * parameters and path, following rclone's connection-string quoting (`'...'` or `"..."`, a
 * doubled quote inside stands for one).
 *
 * @returns undefined for anything else (a named remote or a local path)
 */
export function parseOnTheFlyRemote(
  spec: string,
): { backend: string; params: Record<string, string>; path: string } | undefined {
  const m = /^:([\w-]+)/.exec(spec);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  let i = m[0].length;
  while (spec[i] === ',') {
    const eq = spec.indexOf('=', i + 1);
    if (eq < 0) return undefined;
    const key = spec.slice(i + 1, eq);
    if (!/^[\w-]+$/.test(key)) return undefined;
    i = eq + 1;
    let value = '';
    const quote = spec[i];
    if (quote === "'" || quote === '"') {
      for (i++; ; i++) {
        if (i >= spec.length) return undefined;
        if (spec[i] === quote) {
          if (spec[i + 1] === quote) {
            value += quote;
            i++;
            continue;
          }
          i++;
          break;
        }
        value += spec[i];
      }
    } else {
      while (i < spec.length && spec[i] !== ',' && spec[i] !== ':') value += spec[i++];
    }
    params[key] = value;
  }
  if (spec[i] !== ':') return undefined;
  return { backend: m[1]!, params, path: spec.slice(i + 1) };
}

/** A running daemon; `call` runs one rc command, `get` streams a remote object. */
export class RcloneDaemon {
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly stderrTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
    private readonly auth: string,
    /** The fs string of the vault remote as the daemon knows it. */
    readonly remote: string,
  ) {
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      live.delete(child);
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail.push(d.toString());
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
  }

  /**
   * Starts `rclone rcd` with the global flags of every copy (config file, `--bwlimit`, ...).
   *
   * @param remote - the vault remote spec; an on-the-fly one is defined to the daemon through
   *   environment variables, so that its URL survives in the object paths `get` requests
   * @throws Error when the daemon does not answer within 10 s
   */
  static async start(options: {
    binary: string;
    remote: string;
    flags: string[];
    /** Secret flags as rclone environment variables (see `splitRcloneFlags`). */
    env: Record<string, string>;
  }): Promise<RcloneDaemon> {
    const port = await freePort();
    const user = `vaultarr-${randomBytes(6).toString('hex')}`;
    const pass = randomBytes(24).toString('base64url');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      RCLONE_RC_USER: user,
      RCLONE_RC_PASS: pass,
    };
    let remote = options.remote;
    const onTheFly = parseOnTheFlyRemote(options.remote);
    if (onTheFly) {
      const prefix = `RCLONE_CONFIG_${ENV_REMOTE.toUpperCase()}_`;
      env[`${prefix}TYPE`] = onTheFly.backend;
      for (const [k, v] of Object.entries(onTheFly.params))
        env[`${prefix}${k.toUpperCase().replace(/-/g, '_')}`] = v;
      remote = `${ENV_REMOTE}:${onTheFly.path}`;
    }
    const rcd = [options.binary, 'rcd', '--rc-addr', `127.0.0.1:${port}`, '--rc-serve', ...options.flags];
    // util-linux's setpriv asks the kernel to SIGTERM the daemon when this process dies, however it
    // dies: nothing can stop that the way a killed watchdog can.
    const command = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'TERM', '--', ...rcd] : rcd;
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    live.add(child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const c of live) c.kill();
      });
    }
    if (child.pid) {
      // Kills the daemon once this process is gone, however it went (kill -9 included).
      spawn(
        'sh',
        [
          '-c',
          'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done; kill "$2" 2>/dev/null',
          'vaultarr-rcd-watchdog',
          String(process.pid),
          String(child.pid),
        ],
        { stdio: 'ignore', detached: true },
      ).unref();
    }
    const daemon = new RcloneDaemon(child, port, Buffer.from(`${user}:${pass}`).toString('base64'), remote);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (daemon.exitInfo) throw new Error(`rclone rcd exited: ${daemon.stderrTail.join('').trim()}`);
      try {
        await daemon.call('rc/noop', {});
        return daemon;
      } catch (err) {
        if (Date.now() > deadline) {
          child.kill();
          throw new Error(`rclone rcd did not answer: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Resolves once the daemon has exited, or after `ms`. */
  async waitExit(ms: number): Promise<void> {
    if (this.exitInfo) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** How the daemon ended, once it has. */
  get exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /**
   * Runs an rc command.
   *
   * @throws RcloneDaemonError with rclone's message and the HTTP status (404 for "not found");
   *   the fetch error when the daemon is unreachable
   */
  async call<T = Record<string, unknown>>(command: string, input: object, signal?: AbortSignal): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.port}/${command}`, {
      method: 'POST',
      headers: { authorization: `Basic ${this.auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
      signal,
    });
    const body = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok) throw new RcloneDaemonError(body.error ?? `HTTP ${res.status}`, res.status);
    return body;
  }

  /** Streams a remote object (`--rc-serve`); `undefined` when the daemon cannot serve that path. */
  async get(relativePath: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
    if (this.remote.includes('//')) return undefined; // the HTTP server would clean the URL's "//"
    const encoded = relativePath.split('/').map(encodeURIComponent).join('/');
    const res = await fetch(
      `http://127.0.0.1:${this.port}/[${encodeURIComponent(this.remote).replace(/%3A/gi, ':')}]/${encoded}`,
      { headers: { authorization: `Basic ${this.auth}` }, signal },
    );
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      return undefined;
    }
    return res.body;
  }

  /** Stops the daemon. */
  stop(): void {
    this.child.kill();
  }
}

/** An rclone client bound to one vault remote. */
export class Rclone {
  private featuresCache?: Promise<RemoteFeatures>;
  private daemonStart?: Promise<RcloneDaemon | undefined>;

  /** A limit other than `off` was set through {@link setBwLimit} (throttling). */
  private daemonLimited = false;

  /** `extraFlags` split into command-line flags and secret ones for the environment. */
  private readonly flags: ReturnType<typeof splitRcloneFlags>;

  constructor(readonly options: RcloneOptions) {
    this.flags = splitRcloneFlags(options.extraFlags ?? []);
  }

  /** The daemon, started on first use and again after it died; undefined when it cannot run. */
  private async daemon(): Promise<RcloneDaemon | undefined> {
    if (this.options.daemon === false) return undefined;
    const start = () =>
      RcloneDaemon.start({
        binary: this.options.binary,
        remote: this.options.remote,
        flags: [...this.globalFlags(), ...this.bwLimitFlags(), ...this.flags.args],
        env: this.flags.env,
      }).catch(() => undefined);
    const starting = (this.daemonStart ??= start());
    const current = await starting;
    if (current?.exited && this.daemonStart === starting) this.daemonStart = start();
    return current?.exited ? this.daemonStart : current;
  }

  /**
   * Whether the daemon answers `rc/noop` (for the `vaultarr_rclone_daemon_up` metric). Like any
   * call, it starts the daemon when none runs yet or the last one died.
   *
   * @returns false when the daemon is off (`daemon: false`), cannot start or does not answer
   */
  async daemonUp(): Promise<boolean> {
    const daemon = await this.daemon();
    if (!daemon) return false;
    return daemon.call('rc/noop', {}).then(
      () => true,
      () => false,
    );
  }

  /**
   * Sets the daemon's bandwidth limit at once, for the transfers running and those to come (rc
   * `core/bwlimit`; stream-aware throttling). While a limit other than `off` is set this way,
   * read-backs run as their own process, as with a configured `bwLimit`.
   *
   * @param rate - one rate in `--bwlimit` syntax (no timetable), e.g. `2M`; `off` lifts the limit
   * @returns the rate rclone now applies (e.g. `2Mi`), or undefined when no daemon runs
   *   (`daemon: false`, or it cannot start): process copies keep the flags they started with
   * @throws RcloneError when the daemon refuses the rate or does not answer
   */
  async setBwLimit(rate: string): Promise<string | undefined> {
    const daemon = await this.daemon();
    if (!daemon) return undefined;
    this.daemonLimited = rate !== 'off';
    try {
      return (await daemon.call<{ rate: string }>('core/bwlimit', { rate })).rate;
    } catch (err) {
      throw this.daemonError('core/bwlimit', err, daemon);
    }
  }

  /**
   * The daemon's bandwidth limit as rclone reports it (rc `core/bwlimit` without a rate).
   *
   * @returns e.g. `2Mi` or `off`; undefined when no daemon runs
   * @throws RcloneError when the daemon does not answer
   */
  async bwLimit(): Promise<string | undefined> {
    const daemon = await this.daemon();
    if (!daemon) return undefined;
    try {
      return (await daemon.call<{ rate: string }>('core/bwlimit', {})).rate;
    } catch (err) {
      throw this.daemonError('core/bwlimit', err, daemon);
    }
  }

  /** An rclone error from a failed daemon call (`auth`, `not-found` or `other`, as for a process). */
  private daemonError(command: string, err: unknown, daemon: RcloneDaemon): RcloneError {
    if (daemon.exited?.signal)
      return new RcloneError(`rclone ${command} was killed by ${daemon.exited.signal}`, 'other', undefined);
    const message = err instanceof Error ? err.message : String(err);
    const status = err instanceof RcloneDaemonError ? err.status : undefined;
    const kind = rcloneErrorKind(command, message, message, status === 404);
    return new RcloneError(`rclone ${command} failed: ${message}`, kind, undefined);
  }

  /** Stops the daemon, if one runs (it also stops when this process exits). */
  async close(): Promise<void> {
    (await this.daemonStart)?.stop();
    this.daemonStart = undefined;
  }

  private globalFlags(): string[] {
    return this.options.configFile ? ['--config', this.options.configFile] : [];
  }

  /**
   * rclone flags that keep an object a write would replace, for a command whose destination is
   * `destination` (library-relative folder; `''` for the remote's root): it moves to the day's
   * vault trash (`--backup-dir`, which rclone fills with the path below the destination, so the
   * backup dir repeats the destination folder) and gets the `.replaced-<HHMMSS>` suffix. A
   * destination inside the trash keeps the replaced object beside it, renamed with the suffix.
   */
  private trashFlags(destination: string, trash = trashPlacement(this.options.trashFolder)): string[] {
    const suffix = ['--suffix', trash.suffix, '--suffix-keep-extension'];
    if (this.inTrash(destination)) return suffix;
    const folder = destination ? `${trash.folder}/${destination}` : trash.folder;
    return ['--backup-dir', this.remotePath(folder), ...suffix];
  }

  /** The daemon's `_config` for the same, for a call whose `dstFs` is the remote's root. */
  private trashConfig(
    daemon: RcloneDaemon,
    destination: string,
    trash = trashPlacement(this.options.trashFolder),
  ) {
    return {
      ...(this.inTrash(destination) ? {} : { BackupDir: joinRemote(daemon.remote, trash.folder) }),
      Suffix: trash.suffix,
      SuffixKeepExtension: true,
    };
  }

  /** Whether a library-relative path lies in the vault trash. */
  private inTrash(relativePath: string): boolean {
    return (
      relativePath === this.options.trashFolder || relativePath.startsWith(`${this.options.trashFolder}/`)
    );
  }

  private bwLimitFlags(): string[] {
    return this.options.bwLimit ? ['--bwlimit', this.options.bwLimit] : [];
  }

  private async run(args: string[], input?: string, signal?: AbortSignal): Promise<string> {
    // The extra flags go with every call: backend options (`--webdav-user`) are needed for a stat
    // as much as for a copy.
    const result = await execa(this.options.binary, [...this.globalFlags(), ...args, ...this.flags.args], {
      env: this.flags.env,
      input,
      reject: false,
      cancelSignal: signal,
    });
    if (result.isCanceled) throw new RcloneError('rclone was cancelled', 'other', undefined);
    if (result.exitCode !== 0) throw this.toError(args[0]!, result.exitCode, String(result.stderr));
    return String(result.stdout);
  }

  private toError(command: string, exitCode: number | undefined, stderr: string): RcloneError {
    const message = lastError(stderr);
    const kind = rcloneErrorKind(command, stderr, message, exitCode === 3 || exitCode === 4);
    return new RcloneError(`rclone ${command} failed (exit ${exitCode ?? '?'}): ${message}`, kind, exitCode);
  }

  /** The remote spec for a library-relative path. */
  remotePath(relativePath: string): string {
    return joinRemote(this.options.remote, relativePath);
  }

  /**
   * Copies files from a local root to the same relative paths on the remote. Files the remote
   * already holds with the same size and modtime are skipped, so a retry after a crash resumes;
   * an object the copy replaces moves to the vault trash first (see {@link TrashPlacement}), so
   * rclone always looks at the destination before an upload.
   *
   * @param localRoot - absolute directory the paths are relative to
   * @param paths - library-relative paths
   * @param options.force - copy even when size and modtime match (`--ignore-times`), after a failed verify
   * @param options.onProgress - called with bytes done/total about once a second
   * @param options.signal - aborts the copy (kills rclone)
   * @throws RcloneError (`auth` for refused credentials)
   */
  async copy(localRoot: string, paths: string[], options: CopyOptions = {}): Promise<CopyProgress> {
    const daemon = await this.daemon();
    if (daemon) return this.copyWithDaemon(daemon, localRoot, paths, options);
    const args = [
      'copy',
      localRoot,
      this.options.remote,
      '--files-from-raw',
      '-',
      '--no-traverse',
      '--use-json-log',
      '--stats',
      '1s',
      '--stats-log-level',
      'NOTICE',
      '--retries',
      '1',
      ...(options.force ? ['--ignore-times'] : []),
      ...this.trashFlags(''),
      ...this.bwLimitFlags(),
      ...this.flags.args,
    ];
    const child: ResultPromise = execa(this.options.binary, [...this.globalFlags(), ...args], {
      env: this.flags.env,
      input: paths.join('\n') + '\n',
      reject: false,
      cancelSignal: options.signal,
      buffer: { stdout: true, stderr: false },
    });
    let last: CopyProgress = { bytesDone: 0, bytesTotal: 0 };
    const errors: string[] = [];
    let buffered = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as {
            level?: string;
            msg?: string;
            stats?: { bytes?: number; totalBytes?: number };
          };
          if (entry.stats) {
            last = { bytesDone: entry.stats.bytes ?? 0, bytesTotal: entry.stats.totalBytes ?? 0 };
            options.onProgress?.(last);
          } else if (entry.level === 'error' || entry.level === 'critical') {
            errors.push(JSON.stringify(entry));
          }
        } catch {
          if (line.trim()) errors.push(line);
        }
      }
    });
    const result = await child;
    if (result.isCanceled) throw new RcloneError('rclone copy was cancelled', 'other', undefined);
    if (result.signal)
      throw new RcloneError(`rclone copy was killed by ${result.signal}`, 'other', undefined);
    if (result.exitCode !== 0) throw this.toError('copy', result.exitCode, errors.join('\n'));
    return last;
  }

  private async copyWithDaemon(
    daemon: RcloneDaemon,
    localRoot: string,
    paths: string[],
    options: CopyOptions,
  ): Promise<CopyProgress> {
    const group = `vaultarr-${randomBytes(8).toString('hex')}`;
    let bytesTotal = 0;
    for (const p of paths)
      bytesTotal += await statFile(`${localRoot}/${p}`).then(
        (s) => s.size,
        () => 0,
      );
    let last: CopyProgress = { bytesDone: 0, bytesTotal };
    const progress = async () => {
      const stats = await daemon.call<{ bytes?: number }>('core/stats', { group });
      last = { bytesDone: stats.bytes ?? 0, bytesTotal };
      options.onProgress?.(last);
    };
    const trash = trashPlacement(this.options.trashFolder);
    const timer = setInterval(() => void progress().catch(() => undefined), 1000);
    const cancel = () => void daemon.call('job/stopgroup', { group }).catch(() => undefined);
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for (const p of paths) {
        if (options.signal?.aborted) throw new RcloneError('rclone copy was cancelled', 'other', undefined);
        await daemon.call('operations/copyfile', {
          srcFs: localRoot,
          srcRemote: p,
          dstFs: daemon.remote,
          dstRemote: p,
          _group: group,
          _config: {
            // Verification follows the copy (the remote's hash against the one taken while the
            // file was read for the upload): rclone's own check after each upload would read the
            // vault copy's hash a second time (a full read of the file on an SFTP server).
            IgnoreChecksum: true,
            // A forced copy after a failed verification: never skip because size and modtime match.
            ...(options.force ? { IgnoreTimes: true } : {}),
            // An object the copy would replace goes to the vault trash first.
            ...this.trashConfig(daemon, p, trash),
          },
        });
      }
      if (options.signal?.aborted) throw new RcloneError('rclone copy was cancelled', 'other', undefined);
      await progress().catch(() => undefined);
      return last;
    } catch (err) {
      if (err instanceof RcloneError) throw err;
      if (options.signal?.aborted) throw new RcloneError('rclone copy was cancelled', 'other', undefined);
      // A dropped connection usually means the daemon died: let its exit be seen first.
      if (!(err instanceof RcloneDaemonError)) await daemon.waitExit(1000);
      throw this.daemonError('copy', err, daemon);
    } finally {
      clearInterval(timer);
      options.signal?.removeEventListener('abort', cancel);
      void daemon.call('core/stats-delete', { group }).catch(() => undefined);
    }
  }

  /**
   * Stats one object on the remote.
   *
   * @param hashType - rclone hash name to ask for (only if the remote stores it)
   * @returns the object, or `undefined` when it does not exist
   * @throws RcloneError for anything but "not found"
   */
  async stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined> {
    const daemon = await this.daemon();
    if (daemon) {
      type Item = { Size: number; ModTime: string; Hashes?: Record<string, string>; IsDir: boolean };
      let item: Item | null | undefined;
      try {
        ({ item } = await daemon.call<{ item: Item | null }>('operations/stat', {
          fs: daemon.remote,
          remote: relativePath,
          opt: { showHash: Boolean(hashType), hashTypes: hashType ? [hashType] : [], noMimeType: true },
        }));
      } catch (err) {
        const e = this.daemonError('lsjson', err, daemon);
        if (e.kind === 'not-found') return undefined;
        throw e;
      }
      if (!item || item.IsDir) return undefined;
      return { sizeBytes: item.Size, modTime: item.ModTime, hashes: item.Hashes ?? {} };
    }
    const args = [
      'lsjson',
      '--stat',
      ...(hashType ? ['--hash', '--hash-type', hashType] : []),
      this.remotePath(relativePath),
    ];
    let out: string;
    try {
      out = await this.run(args);
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'not-found') return undefined;
      throw err;
    }
    const j = JSON.parse(out) as {
      Size: number;
      ModTime: string;
      Hashes?: Record<string, string>;
      IsDir: boolean;
    };
    if (j.IsDir) return undefined;
    return { sizeBytes: j.Size, modTime: j.ModTime, hashes: j.Hashes ?? {} };
  }

  /**
   * Moves an object within the remote (server-side where the backend can). An object already at
   * `toRelative` is never overwritten: it moves to the vault trash first (see {@link TrashPlacement}).
   *
   * @returns `moved`, or `missing` when the source does not exist (already moved, or never copied)
   * @throws RcloneError for other failures
   */
  async move(fromRelative: string, toRelative: string): Promise<'moved' | 'missing'> {
    if (!(await this.stat(fromRelative))) return 'missing';
    const daemon = await this.daemon();
    if (daemon) {
      try {
        await daemon.call('operations/movefile', {
          srcFs: daemon.remote,
          srcRemote: fromRelative,
          dstFs: daemon.remote,
          dstRemote: toRelative,
          _config: this.trashConfig(daemon, toRelative),
        });
      } catch (err) {
        throw this.daemonError('moveto', err, daemon);
      }
      return 'moved';
    }
    const folder = toRelative.includes('/') ? toRelative.slice(0, toRelative.lastIndexOf('/')) : '';
    await this.run([
      'moveto',
      this.remotePath(fromRelative),
      this.remotePath(toRelative),
      ...this.trashFlags(folder),
    ]);
    return 'moved';
  }

  /**
   * Moves a whole folder within the remote (merging into the target when it exists; a file of the
   * target it would replace moves to the vault trash first).
   *
   * @returns `moved`, or `missing` when the folder does not exist on the remote
   */
  async moveFolder(fromRelative: string, toRelative: string): Promise<'moved' | 'missing'> {
    let out: string;
    try {
      out = await this.run(['lsjson', '--stat', this.remotePath(fromRelative)]);
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'not-found') return 'missing';
      throw err;
    }
    if (!(JSON.parse(out) as { IsDir: boolean }).IsDir) return 'missing';
    await this.run([
      'move',
      this.remotePath(fromRelative),
      this.remotePath(toRelative),
      '--delete-empty-src-dirs',
      ...this.trashFlags(toRelative),
    ]);
    await this.run(['rmdirs', this.remotePath(fromRelative)]).catch(() => undefined);
    return 'moved';
  }

  /** Every file on the remote, recursively, as library-relative paths (`[]` when the remote is empty). */
  async listFiles(): Promise<Array<{ path: string; sizeBytes: number }>> {
    try {
      const out = await this.run(['lsjson', '-R', '--files-only', '--fast-list', this.options.remote]);
      return (JSON.parse(out) as Array<{ Path: string; Size: number }>).map((e) => ({
        path: e.Path,
        sizeBytes: e.Size,
      }));
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'not-found') return [];
      throw err;
    }
  }

  /** Names of the folders directly under a remote folder (`[]` when it does not exist). */
  async listFolders(relativePath: string): Promise<string[]> {
    try {
      const out = await this.run(['lsjson', '--dirs-only', this.remotePath(relativePath)]);
      return (JSON.parse(out) as Array<{ Name: string }>).map((e) => e.Name);
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'not-found') return [];
      throw err;
    }
  }

  /** Deletes a remote folder and everything in it (`rclone purge`). */
  async purge(relativePath: string): Promise<void> {
    await this.run(['purge', this.remotePath(relativePath)]);
  }

  /**
   * sha256 and size of a remote object, computed by reading it back once, streamed (through the
   * daemon's `--rc-serve`, else `rclone cat`). Never throttled by the upload limit: with a
   * `bwLimit` (or one set by {@link setBwLimit}) the read-back runs as its own process, without it.
   *
   * @param options.signal - stops the read
   * @param options.onBytes - called with the bytes read so far
   * @param options.maxBytes - stop reading once more than this many bytes came (a copy larger than
   *   expected): the result then has `sha256` undefined and `sizeBytes` over the limit. Only the
   *   daemon's read stops early; a read through `rclone cat` reads the whole object
   * @returns lowercase hex sha256 and the bytes read
   * @throws RcloneError when the object cannot be read (`not-found` when it is missing)
   */
  async downloadHash(
    relativePath: string,
    options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void; maxBytes?: number } = {},
  ): Promise<{ sha256?: string; sizeBytes: number }> {
    const hash = countingSha256(options.onBytes);
    // The daemon carries the upload limit for every transfer it runs, downloads included.
    const daemon = this.options.bwLimit || this.daemonLimited ? undefined : await this.daemon();
    const body = await daemon?.get(relativePath, options.signal).catch(() => undefined);
    if (body) {
      try {
        for await (const chunk of body) {
          hash.update(chunk);
          if (options.maxBytes !== undefined && hash.bytes > options.maxBytes)
            return { sizeBytes: hash.bytes };
        }
        return { sha256: hash.digest(), sizeBytes: hash.bytes };
      } catch (err) {
        if (options.signal?.aborted)
          throw new RcloneError('rclone read-back was cancelled', 'other', undefined);
        // The daemon's HTTP server cut the stream (seen with WebDAV remotes): read it again as a
        // process, whose error, if the object really cannot be read, is the one to report.
        return this.downloadHashProcess(relativePath, options, (err as Error).message);
      }
    }
    return this.downloadHashProcess(relativePath, options);
  }

  private async downloadHashProcess(
    relativePath: string,
    options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void },
    daemonError?: string,
  ): Promise<{ sha256: string; sizeBytes: number }> {
    const hash = countingSha256(options.onBytes);
    const child = execa(
      this.options.binary,
      [...this.globalFlags(), 'cat', this.remotePath(relativePath), ...this.flags.args],
      {
        env: this.flags.env,
        reject: false,
        cancelSignal: options.signal,
        buffer: { stdout: false, stderr: true },
        encoding: 'buffer',
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => hash.update(chunk));
    const result = await child;
    if (result.isCanceled) throw new RcloneError('rclone cat was cancelled', 'other', undefined);
    if (result.exitCode !== 0) {
      const stderr = Buffer.from(result.stderr as Uint8Array).toString('utf8');
      const error = this.toError('cat', result.exitCode, stderr);
      if (daemonError) error.message += ` (the daemon's read failed too: ${daemonError})`;
      throw error;
    }
    return { sha256: hash.digest(), sizeBytes: hash.bytes };
  }

  /**
   * Hash of a local file computed by rclone, for hash types Node's crypto lacks (quickxor,
   * dropbox, ...).
   *
   * @throws RcloneError when rclone fails or is cancelled
   */
  async localHash(absolutePath: string, hashType: string, signal?: AbortSignal): Promise<string> {
    const out = await this.run(['hashsum', hashType, absolutePath], undefined, signal);
    return out.trim().split(/\s+/)[0] ?? '';
  }

  /** Hashes and modtime precision of the remote (`rclone backend features`), cached per client. */
  features(): Promise<RemoteFeatures> {
    const fromDaemon = async (): Promise<{ Hashes?: string[]; Precision?: number }> => {
      const daemon = await this.daemon();
      if (!daemon) return JSON.parse(await this.run(['backend', 'features', this.options.remote]));
      try {
        return await daemon.call('operations/fsinfo', { fs: daemon.remote });
      } catch (err) {
        throw this.daemonError('backend features', err, daemon);
      }
    };
    this.featuresCache ??= fromDaemon().then((j) => ({
      hashes: j.Hashes ?? [],
      precisionNs: j.Precision ?? MODTIME_UNSUPPORTED_NS,
    }));
    this.featuresCache.catch(() => (this.featuresCache = undefined));
    return this.featuresCache;
  }
}
