/**
 * A typed wrapper around the rclone binary (Debian's rclone, v1.60 or later): copies with parsed
 * progress, object stats with hashes, backend features. Output is parsed into types here so that
 * activities never read rclone's text.
 */
import { execa, type ResultPromise } from 'execa';

/** How to reach the vault. */
export interface RcloneOptions {
  /** rclone binary (`rclone`). */
  binary: string;
  /** Vault remote spec: `gdrive:Media`, `:webdav,url='http://…':`, or a local directory. */
  remote: string;
  /** rclone config file; rclone's default when unset. */
  configFile?: string;
  /** Extra flags for copies (`--bwlimit`, `--transfers`, ...). */
  extraFlags?: string[];
}

/** Progress of a running copy, from rclone's JSON stats. */
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

/** An rclone command failed. `kind` says how callers should treat it. */
export class RcloneError extends Error {
  constructor(
    message: string,
    /** `auth`: credentials refused (a human must act); `not-found`; `other`: transient or unknown. */
    readonly kind: 'auth' | 'not-found' | 'other',
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

/** An rclone client bound to one vault remote. */
export class Rclone {
  private featuresCache?: Promise<RemoteFeatures>;

  constructor(readonly options: RcloneOptions) {}

  private globalFlags(): string[] {
    return this.options.configFile ? ['--config', this.options.configFile] : [];
  }

  private async run(args: string[], input?: string, signal?: AbortSignal): Promise<string> {
    const result = await execa(this.options.binary, [...this.globalFlags(), ...args], {
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
    const kind = AUTH_PATTERN.test(stderr)
      ? 'auth'
      : exitCode === 3 || exitCode === 4 || /not found/i.test(message)
        ? 'not-found'
        : 'other';
    return new RcloneError(`rclone ${command} failed (exit ${exitCode ?? '?'}): ${message}`, kind, exitCode);
  }

  /** The remote spec for a library-relative path. */
  remotePath(relativePath: string): string {
    return joinRemote(this.options.remote, relativePath);
  }

  /**
   * Copies files from a local root to the same relative paths on the remote. Files the remote
   * already holds with the same size and modtime are skipped, so a retry after a crash resumes.
   *
   * @param localRoot - absolute directory the paths are relative to
   * @param paths - library-relative paths
   * @param options.force - copy even when size and modtime match (`--ignore-times`), after a failed verify
   * @param options.onProgress - called with bytes done/total about once a second
   * @param options.signal - aborts the copy (kills rclone)
   * @throws RcloneError (`auth` for refused credentials)
   */
  async copy(
    localRoot: string,
    paths: string[],
    options: { force?: boolean; onProgress?: (p: CopyProgress) => void; signal?: AbortSignal } = {},
  ): Promise<CopyProgress> {
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
      ...(this.options.extraFlags ?? []),
    ];
    const child: ResultPromise = execa(this.options.binary, [...this.globalFlags(), ...args], {
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

  /**
   * Stats one object on the remote.
   *
   * @param hashType - rclone hash name to ask for (only if the remote stores it)
   * @returns the object, or `undefined` when it does not exist
   * @throws RcloneError for anything but "not found"
   */
  async stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined> {
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
   * Moves an object within the remote (server-side where the backend can).
   *
   * @returns `moved`, or `missing` when the source does not exist (already moved, or never copied)
   * @throws RcloneError for other failures
   */
  async move(fromRelative: string, toRelative: string): Promise<'moved' | 'missing'> {
    if (!(await this.stat(fromRelative))) return 'missing';
    await this.run(['moveto', this.remotePath(fromRelative), this.remotePath(toRelative)]);
    return 'moved';
  }

  /**
   * Moves a whole folder within the remote (merging into the target when it exists).
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

  /** Hash of a remote object computed by reading it back (`rclone hashsum --download`). */
  async downloadHash(relativePath: string, hashType = 'sha256', signal?: AbortSignal): Promise<string> {
    const out = await this.run(
      ['hashsum', hashType, '--download', this.remotePath(relativePath)],
      undefined,
      signal,
    );
    const value = out.trim().split(/\s+/)[0];
    if (!value) throw new RcloneError(`rclone hashsum printed nothing for ${relativePath}`, 'not-found', 0);
    return value;
  }

  /** Hash of a local file computed by rclone, for hash types Node's crypto lacks (quickxor, dropbox, ...). */
  async localHash(absolutePath: string, hashType: string): Promise<string> {
    const out = await this.run(['hashsum', hashType, absolutePath]);
    return out.trim().split(/\s+/)[0] ?? '';
  }

  /** Hashes and modtime precision of the remote (`rclone backend features`), cached per client. */
  features(): Promise<RemoteFeatures> {
    this.featuresCache ??= this.run(['backend', 'features', this.options.remote]).then((out) => {
      const j = JSON.parse(out) as { Hashes?: string[]; Precision?: number };
      return { hashes: j.Hashes ?? [], precisionNs: j.Precision ?? MODTIME_UNSUPPORTED_NS };
    });
    this.featuresCache.catch(() => (this.featuresCache = undefined));
    return this.featuresCache;
  }
}
