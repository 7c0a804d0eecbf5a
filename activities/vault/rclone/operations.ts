/**
 * What the two ways of running rclone share: the operations both implement ({@link RcloneOperations}:
 * `process.ts` runs one rclone process per call, `daemon.ts` asks a long-lived `rclone rcd`), and
 * the shapes they answer in.
 */
import { createHash } from 'node:crypto';

/** Options of `Rclone.copy`. */
export interface CopyOptions {
  /** Copy even when the remote has the same size and modtime (`--ignore-times`). */
  force?: boolean;
  /** Called with bytes done/total about once a second. */
  onProgress?: (p: CopyProgress) => void;
  /** Aborts the copy. */
  signal?: AbortSignal;
}

/** Progress of a running copy, from rclone's JSON stats or the daemon's `core/stats`. */
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
  /**
   * For an rclone crypt remote (which stores no hash of its own): the hash `rclone cryptcheck`
   * compares on its underlying remote (`md5`, `sha1`, ...), or `none` when that keeps none either.
   * Absent for any other remote.
   */
  cryptHash?: string;
}

/** What rclone reports of a remote's backend (`backend features`, rc `operations/fsinfo`), in part. */
export interface BackendFeatures {
  /** rclone hash names the remote stores. */
  Hashes?: string[];
  /** Modification-time precision in ns. */
  Precision?: number;
  /** A description of the remote (`Encrypted drive 'gcrypt:'` for a crypt remote). */
  String?: string;
}

/** An object as rclone lists it (`lsjson --stat`, rc `operations/stat`). */
export interface ListedObject {
  Size: number;
  ModTime: string;
  Hashes?: Record<string, string>;
  IsDir: boolean;
}

/** A listed object as a {@link RemoteObject}; `undefined` for a folder or nothing. */
export function remoteObject(item: ListedObject | null | undefined): RemoteObject | undefined {
  if (!item || item.IsDir) return undefined;
  return { sizeBytes: item.Size, modTime: item.ModTime, hashes: item.Hashes ?? {} };
}

/**
 * The operations rclone runs either way, as a process per call or in the daemon; the client
 * picks the daemon when it runs. Failures are {@link RcloneError}s, classified alike.
 */
export interface RcloneOperations {
  /**
   * Copies files from a local root to the same relative paths on the remote (see `Rclone.copy`).
   *
   * @throws RcloneError (`auth` for refused credentials; `other` when cancelled)
   */
  copy(localRoot: string, paths: string[], options: CopyOptions): Promise<CopyProgress>;
  /**
   * Stats one object, with the hash asked for (only if the remote stores it).
   *
   * @returns `undefined` when there is no object at the path (or a folder)
   * @throws RcloneError for anything but "not found"
   */
  stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined>;
  /**
   * Moves one object within the remote; one already at `toRelative` moves to the vault trash first.
   *
   * @throws RcloneError
   */
  moveFile(fromRelative: string, toRelative: string): Promise<void>;
  /**
   * The remote's backend features as rclone reports them (`backend features`, rc `operations/fsinfo`).
   *
   * @throws RcloneError
   */
  features(): Promise<BackendFeatures>;
}

/** A sha256 that reports the bytes fed to it so far. */
export function countingSha256(onBytes?: (bytesDone: number) => void) {
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
