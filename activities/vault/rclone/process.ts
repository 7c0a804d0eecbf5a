/**
 * rclone run as one process per call (execa): every operation when the daemon is off or cannot
 * start, and the ones the daemon does not run (folder moves, listings, purges, `cat`, `hashsum`).
 * Secret flags reach rclone through its environment, never its command line (`splitRcloneFlags`).
 */
import { execa, type ResultPromise } from 'execa';
import { splitRcloneFlags } from '../../../lib/secrets.js';
import type { RcloneSettings } from './client.js';
import { rcloneFailure, rcloneStopped, unlessNotFound } from './errors.js';
import {
  cryptCheckArgs,
  cryptHashProbeArgs,
  parseCryptCheck,
  parseCryptHashProbe,
  type CryptCheckOutcome,
  type RcloneRun,
} from './crypt.js';
import { countingSha256, remoteObject } from './operations.js';
import type {
  BackendFeatures,
  CopyOptions,
  CopyProgress,
  ListedObject,
  RcloneOperations,
  RemoteObject,
} from './operations.js';
import { joinRemote, type VaultTrash } from './remote-spec.js';

/** rclone as a process per call, bound to one vault remote. */
export class RcloneProcess implements RcloneOperations {
  /**
   * The flags after every call's own (the daemon's global ones too): the WebDAV pacer, then
   * `extraFlags` split into command-line flags and secret ones for the environment.
   */
  readonly flags: ReturnType<typeof splitRcloneFlags>;

  constructor(
    private readonly settings: RcloneSettings,
    private readonly trash: VaultTrash,
  ) {
    const extra = splitRcloneFlags(settings.extraFlags);
    // A backend flag rclone takes with any remote and applies to each WebDAV one, however deep
    // under crypt or an alias; first, so that one among the extra flags wins.
    const pacer = ['--webdav-pacer-min-sleep', settings.webdavPacerMinSleep];
    this.flags = { ...extra, args: [...pacer, ...extra.args] };
  }

  /** `--config <file>` when the settings name an rclone config file. */
  globalFlags(): string[] {
    return this.settings.configFile ? ['--config', this.settings.configFile] : [];
  }

  /** `--bwlimit <limit>` when the settings set an upload limit. */
  bwLimitFlags(): string[] {
    return this.settings.bwLimit ? ['--bwlimit', this.settings.bwLimit] : [];
  }

  /** The remote spec for a library-relative path. */
  remotePath(relativePath: string): string {
    return joinRemote(this.settings.remote, relativePath);
  }

  /**
   * Runs one rclone command to its end.
   *
   * @returns its stdout
   * @throws RcloneError when it fails (see `rcloneFailure`) or is cancelled
   */
  async run(args: string[], input?: string, signal?: AbortSignal): Promise<string> {
    const result = await this.exec(args, input, signal);
    if (result.exitCode !== 0) throw rcloneFailure(args[0]!, result);
    return result.stdout;
  }

  /**
   * Runs one rclone command to its end, whatever its exit code.
   *
   * @returns its exit code and outputs
   * @throws RcloneError when it is cancelled
   */
  async exec(args: string[], input?: string, signal?: AbortSignal): Promise<RcloneRun> {
    // The extra flags go with every call: backend options (`--webdav-user`) are needed for a stat
    // as much as for a copy.
    const result = await execa(this.settings.binary, [...this.globalFlags(), ...args, ...this.flags.args], {
      env: this.flags.env,
      input,
      reject: false,
      cancelSignal: signal,
    });
    if (result.isCanceled) throw rcloneStopped('rclone was cancelled');
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /**
   * `rclone cryptcheck` of one local file against its copy on the (crypt) vault remote.
   *
   * @param localRoot - absolute directory `relativePath` is relative to, locally and on the vault
   * @throws RcloneError when rclone could not check it (see `parseCryptCheck`) or is cancelled
   */
  async cryptCheck(
    localRoot: string,
    relativePath: string,
    signal?: AbortSignal,
  ): Promise<CryptCheckOutcome> {
    const run = await this.exec(cryptCheckArgs(localRoot, this.settings.remote), `${relativePath}\n`, signal);
    return parseCryptCheck(run, relativePath);
  }

  /**
   * The hash `rclone cryptcheck` compares on the vault remote's underlying remote (see
   * `parseCryptHashProbe`): `none` when it keeps none, `undefined` when the vault is no crypt remote.
   *
   * @throws RcloneError when rclone cannot reach the remote
   */
  async cryptHash(): Promise<string | undefined> {
    return parseCryptHashProbe(await this.exec(cryptHashProbeArgs(this.settings.remote)));
  }

  /** `rclone copy --files-from-raw -`, its progress read from the JSON stats on stderr. */
  async copy(localRoot: string, paths: string[], options: CopyOptions): Promise<CopyProgress> {
    const args = [
      'copy',
      localRoot,
      this.settings.remote,
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
      ...this.trash.flags(''),
      ...this.bwLimitFlags(),
      ...this.flags.args,
    ];
    const child: ResultPromise = execa(this.settings.binary, [...this.globalFlags(), ...args], {
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
    if (result.isCanceled) throw rcloneStopped('rclone copy was cancelled');
    if (result.signal) throw rcloneStopped(`rclone copy was killed by ${result.signal}`);
    if (result.exitCode !== 0)
      throw rcloneFailure('copy', { exitCode: result.exitCode, stderr: errors.join('\n') });
    return last;
  }

  /** `rclone lsjson --stat`. */
  async stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined> {
    const args = [
      'lsjson',
      '--stat',
      ...(hashType ? ['--hash', '--hash-type', hashType] : []),
      this.remotePath(relativePath),
    ];
    const out = await unlessNotFound(this.run(args), undefined);
    return out === undefined ? undefined : remoteObject(JSON.parse(out) as ListedObject);
  }

  /** `rclone moveto`, an object it replaces kept in the trash. */
  async moveFile(fromRelative: string, toRelative: string): Promise<void> {
    const folder = toRelative.includes('/') ? toRelative.slice(0, toRelative.lastIndexOf('/')) : '';
    await this.run([
      'moveto',
      this.remotePath(fromRelative),
      this.remotePath(toRelative),
      ...this.trash.flags(folder),
    ]);
  }

  /** `rclone backend features`. */
  async features(): Promise<BackendFeatures> {
    return JSON.parse(await this.run(['backend', 'features', this.settings.remote]));
  }

  /**
   * sha256 and size of a remote object, read back with `rclone cat` (no upload limit on it).
   *
   * @param daemonError - why the daemon's read failed, added to this one's error if it fails too
   * @throws RcloneError when the object cannot be read (`not-found` when it is missing)
   */
  async catHash(
    relativePath: string,
    options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void },
    daemonError?: string,
  ): Promise<{ sha256: string; sizeBytes: number }> {
    const hash = countingSha256(options.onBytes);
    const child = execa(
      this.settings.binary,
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
    if (result.isCanceled) throw rcloneStopped('rclone cat was cancelled');
    if (result.exitCode !== 0) {
      const stderr = Buffer.from(result.stderr as Uint8Array).toString('utf8');
      const error = rcloneFailure('cat', { exitCode: result.exitCode, stderr });
      if (daemonError) error.message += ` (the daemon's read failed too: ${daemonError})`;
      throw error;
    }
    return { sha256: hash.digest(), sizeBytes: hash.bytes };
  }
}
