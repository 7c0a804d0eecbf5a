/**
 * A typed client of the rclone binary (the pinned one, see `lib/infra/rclone-binary.ts`) for one
 * vault remote: copies with parsed progress, object stats with hashes, moves that keep what they
 * replace in the vault trash, backend features, cryptchecks of a crypt vault's copies (`crypt.ts`),
 * read-backs. Output is parsed into types here so that activities never read rclone's text.
 *
 * Each operation goes to the long-lived `rclone rcd` of `daemon.ts` (one per client, started on
 * first use); when it is off or cannot start, to an rclone process of `process.ts`, as before.
 * Both implement {@link RcloneOperations}; their failures are classified in `errors.ts`.
 */
import type { Config } from '../../../lib/config.js';
import { isCryptFsString, type CryptCheckOutcome } from './crypt.js';
import { RcloneDaemon } from './daemon.js';
import { rcloneStopped, unlessNotFound } from './errors.js';
import {
  countingSha256,
  type CopyOptions,
  type CopyProgress,
  type RcloneOperations,
  type RemoteFeatures,
  type RemoteObject,
} from './operations.js';
import { RcloneProcess } from './process.js';
import { VaultTrash } from './remote-spec.js';

/**
 * What the rclone client needs of the config, all from `vault` (defaults live in its schema).
 *
 * @returns `binary` (`vault.rcloneBinary`); `remote` (`vault.remote`: `gdrive:Media`,
 *   `:webdav,url='http://…':`, or a local directory); `configFile` (`vault.rcloneConfig`, rclone's
 *   own when unset); `daemon` (`vault.rcloneDaemon`: a long-lived `rclone rcd`, else a process per
 *   call); `bwLimit` (`vault.bwLimit`, `--bwlimit` syntax; copies only, read-backs run without it:
 *   rclone's `UP:DOWN` form limits only at the HTTP transport, so it would not limit a local or
 *   SFTP vault at all); `extraFlags` (`vault.extraFlags`, for every call, the daemon's global
 *   flags; secret ones reach rclone through its environment, never its command line);
 *   `trashFolder` (`vault.trash.folder`: every copy and move that would replace an object moves
 *   the old one there first, with rclone's own `--backup-dir`); `webdavPacerMinSleep`
 *   (`vault.webdavPacerMinSleep`, rclone's `--webdav-pacer-min-sleep`, for every call and the
 *   daemon: a backend flag rclone takes with any remote, so a WebDAV remote under crypt gets it too)
 */
export function rcloneSettings(config: Pick<Config, 'vault'>) {
  const vault = config.vault;
  return {
    binary: vault.rcloneBinary,
    remote: vault.remote,
    configFile: vault.rcloneConfig,
    daemon: vault.rcloneDaemon,
    bwLimit: vault.bwLimit,
    extraFlags: vault.extraFlags,
    trashFolder: vault.trash.folder,
    webdavPacerMinSleep: vault.webdavPacerMinSleep,
  };
}

/** The rclone client's settings (see {@link rcloneSettings}). */
export type RcloneSettings = ReturnType<typeof rcloneSettings>;

/** An rclone client bound to one vault remote. */
export class Rclone {
  private featuresCache?: Promise<RemoteFeatures>;
  private daemonStart?: Promise<RcloneDaemon | undefined>;

  /** A limit other than `off` was set through {@link setBwLimit} (throttling). */
  private daemonLimited = false;

  /** rclone as a process per call: the daemon's stand-in, and what it does not run. */
  private readonly process: RcloneProcess;
  private readonly trash: VaultTrash;

  constructor(readonly settings: RcloneSettings) {
    this.trash = new VaultTrash(settings.trashFolder, settings.remote);
    this.process = new RcloneProcess(settings, this.trash);
  }

  /** The daemon, started on first use and again after it died; undefined when it cannot run. */
  private async daemon(): Promise<RcloneDaemon | undefined> {
    if (!this.settings.daemon) return undefined;
    const p = this.process;
    const start = () =>
      RcloneDaemon.start({
        binary: this.settings.binary,
        remote: this.settings.remote,
        flags: [...p.globalFlags(), ...p.bwLimitFlags(), ...p.flags.args],
        env: p.flags.env,
        trash: this.trash,
      }).catch(() => undefined);
    const starting = (this.daemonStart ??= start());
    const current = await starting;
    if (current?.exited && this.daemonStart === starting) this.daemonStart = start();
    return current?.exited ? this.daemonStart : current;
  }

  /** Where an operation both can run goes: the daemon when it runs, else a process. */
  private async operations(): Promise<RcloneOperations> {
    return (await this.daemon()) ?? this.process;
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
    return (await daemon.run<{ rate: string }>('core/bwlimit', 'core/bwlimit', { rate })).rate;
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
    return (await daemon.run<{ rate: string }>('core/bwlimit', 'core/bwlimit', {})).rate;
  }

  /** Stops the daemon, if one runs (it also stops when this process exits). */
  async close(): Promise<void> {
    (await this.daemonStart)?.stop();
    this.daemonStart = undefined;
  }

  /** The remote spec for a library-relative path. */
  remotePath(relativePath: string): string {
    return this.process.remotePath(relativePath);
  }

  /**
   * Copies files from a local root to the same relative paths on the remote. Files the remote
   * already holds with the same size and modtime are skipped, so a retry after a crash resumes;
   * an object the copy replaces moves to the vault trash first (see `TrashPlacement`), so
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
    return (await this.operations()).copy(localRoot, paths, options);
  }

  /**
   * Stats one object on the remote.
   *
   * @param hashType - rclone hash name to ask for (only if the remote stores it)
   * @returns the object, or `undefined` when it does not exist
   * @throws RcloneError for anything but "not found"
   */
  async stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined> {
    return (await this.operations()).stat(relativePath, hashType);
  }

  /**
   * Moves an object within the remote (server-side where the backend can). An object already at
   * `toRelative` is never overwritten: it moves to the vault trash first (see `TrashPlacement`).
   *
   * @returns `moved`, or `missing` when the source does not exist (already moved, or never copied)
   * @throws RcloneError for other failures
   */
  async move(fromRelative: string, toRelative: string): Promise<'moved' | 'missing'> {
    if (!(await this.stat(fromRelative))) return 'missing';
    await (await this.operations()).moveFile(fromRelative, toRelative);
    return 'moved';
  }

  /**
   * Moves a whole folder within the remote (merging into the target when it exists; a file of the
   * target it would replace moves to the vault trash first).
   *
   * @returns `moved`, or `missing` when the folder does not exist on the remote
   */
  async moveFolder(fromRelative: string, toRelative: string): Promise<'moved' | 'missing'> {
    const out = await unlessNotFound(
      this.process.run(['lsjson', '--stat', this.remotePath(fromRelative)]),
      undefined,
    );
    if (out === undefined || !(JSON.parse(out) as { IsDir: boolean }).IsDir) return 'missing';
    await this.process.run([
      'move',
      this.remotePath(fromRelative),
      this.remotePath(toRelative),
      '--delete-empty-src-dirs',
      ...this.trash.flags(toRelative),
    ]);
    await this.process.run(['rmdirs', this.remotePath(fromRelative)]).catch(() => undefined);
    return 'moved';
  }

  /** Every file on the remote, recursively, as library-relative paths (`[]` when the remote is empty). */
  async listFiles(): Promise<Array<{ path: string; sizeBytes: number }>> {
    const entries = await this.lsjson<{ Path: string; Size: number }>([
      '-R',
      '--files-only',
      '--fast-list',
      this.settings.remote,
    ]);
    return entries.map((e) => ({ path: e.Path, sizeBytes: e.Size }));
  }

  /** Names of the folders directly under a remote folder (`[]` when it does not exist). */
  async listFolders(relativePath: string): Promise<string[]> {
    const entries = await this.lsjson<{ Name: string }>(['--dirs-only', this.remotePath(relativePath)]);
    return entries.map((e) => e.Name);
  }

  /** `rclone lsjson <args>`, parsed; `[]` when the path does not exist. */
  private async lsjson<T>(args: string[]): Promise<T[]> {
    const out = await unlessNotFound(this.process.run(['lsjson', ...args]), undefined);
    return out === undefined ? [] : (JSON.parse(out) as T[]);
  }

  /** Deletes a remote folder and everything in it (`rclone purge`). */
  async purge(relativePath: string): Promise<void> {
    await this.process.run(['purge', this.remotePath(relativePath)]);
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
    const daemon = this.settings.bwLimit || this.daemonLimited ? undefined : await this.daemon();
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
        if (options.signal?.aborted) throw rcloneStopped('rclone read-back was cancelled');
        // The daemon's HTTP server cut the stream (seen with WebDAV remotes): read it again as a
        // process, whose error, if the object really cannot be read, is the one to report.
        return this.process.catHash(relativePath, options, (err as Error).message);
      }
    }
    return this.process.catHash(relativePath, options);
  }

  /**
   * Hash of a local file computed by rclone, for hash types Node's crypto lacks (quickxor,
   * dropbox, ...).
   *
   * @throws RcloneError when rclone fails or is cancelled
   */
  async localHash(absolutePath: string, hashType: string, signal?: AbortSignal): Promise<string> {
    const out = await this.process.run(['hashsum', hashType, absolutePath], undefined, signal);
    return out.trim().split(/\s+/)[0] ?? '';
  }

  /**
   * The hashes the remote stores (`rclone backend features`) and, for a crypt remote, the hash
   * `rclone cryptcheck` compares on its underlying remote (one `cryptcheck` of no file); cached
   * per client.
   *
   * @throws RcloneError when rclone cannot reach the remote (not cached: the next call asks again)
   */
  features(): Promise<RemoteFeatures> {
    this.featuresCache ??= this.operations()
      .then((operations) => operations.features())
      .then(async (j) => {
        const cryptHash = isCryptFsString(j.String) ? await this.process.cryptHash() : undefined;
        return { hashes: j.Hashes ?? [], ...(cryptHash ? { cryptHash } : {}) };
      });
    this.featuresCache.catch(() => (this.featuresCache = undefined));
    return this.featuresCache;
  }

  /**
   * `rclone cryptcheck` of one local file against its copy on the crypt vault remote, as a
   * process (rc `core/command` would start the same process): the underlying object's hash
   * against the local file encrypted with the object's nonce. Reads the local file once and the
   * copy's {@link CRYPT_HEADER_BYTES}-byte header, nothing else of it.
   *
   * @param localRoot - absolute directory `relativePath` is relative to, locally and on the vault
   * @returns `match` (with the hash compared), `differ`, `missing`, or `unchecked` when the
   *   underlying remote or object has no hash (rclone would call that a match; vaultarr does not)
   * @throws RcloneError (retried) when rclone could not check the file, or was cancelled
   */
  async cryptCheck(
    localRoot: string,
    relativePath: string,
    signal?: AbortSignal,
  ): Promise<CryptCheckOutcome> {
    return this.process.cryptCheck(localRoot, relativePath, signal);
  }
}
