/**
 * How a vault copy is checked against its local file, shared by copy, verification and eviction.
 *
 * Bytes are read as few times as possible: the local file is hashed once (sha256 for the record
 * plus the remote's own hash type, in one pass) while rclone copies it, so the page cache serves
 * both reads; a remote with hashes is compared against its hash; only a remote (or an object)
 * without one is read back, once, streamed.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { stat } from 'node:fs/promises';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import { hashFile } from '../../lib/files.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { fileIo, reportProgress } from '../progress.js';
import type { Rclone } from './rclone/client.js';
import { RcloneError } from './rclone/errors.js';
import type { RemoteFeatures } from './rclone/operations.js';

/** A local file as it was hashed for verification, in the pass made while it was copied. */
export interface LocalFileRecord {
  libraryPath: string;
  sizeBytes: number;
  /** Modification time when hashed, ms since the epoch. */
  mtimeMs: number;
  /** Lowercase hex digests by rclone hash name: always `sha256`, plus the remote's own type. */
  hashes: Record<string, string>;
}

/** Hash types Node's crypto computes (rclone name = Node name). */
const NODE_HASHES = new Set(['sha256', 'sha1', 'md5']);
const HASH_PREFERENCE = [
  'sha256',
  'sha1',
  'md5',
  'quickxor',
  'dropbox',
  'crc32',
  'whirlpool',
  'hidrive',
  'mailru',
];

/** How the vault copy of a file is checked, from the remote's features. */
export type Method =
  { kind: 'hash'; hashType: string } | { kind: 'modtime'; toleranceMs: number } | { kind: 'read-back' };

/**
 * How a new copy is verified: by the remote's hash, else read back. Never by modification time
 * alone (no byte of content compared); `modtime` is only how older versions recorded some copies.
 */
export function methodFor(features: RemoteFeatures): Method {
  const hashType = HASH_PREFERENCE.find((h) => features.hashes.includes(h));
  if (hashType) return { kind: 'hash', hashType };
  return { kind: 'read-back' };
}

/** One vault copy checked against its local record: verified, or why not. */
export type RemoteCheck = { match: true; verification: VaultVerification } | { match: false; reason: string };

/**
 * Creates the checks of vault copies against local files.
 *
 * @param deps - the local root (`.Local`) and the rclone client of the vault remote
 */
export function createVaultChecks(deps: { localRoot: string; rclone: Rclone }) {
  const { localRoot, rclone } = deps;

  const localStat = async (relativePath: string) => {
    try {
      return await stat(resolveInRoot(localRoot, relativePath));
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      throw permanentFailure(FailureType.SOURCE_MISSING, `local file ${relativePath} is missing`);
    }
  };

  /**
   * Hashes local files in one pass each (sha256 plus the remote's hash type where Node has it;
   * rclone computes the exotic ones), reporting `hashing` progress, or giving the bytes hashed of
   * all the files to `onBytes` instead.
   */
  const hashLocal = async (
    libraryPaths: string[],
    method: Method,
    options: { signal?: AbortSignal; onBytes?: (bytesDone: number, bytesTotal: number) => void } = {},
  ): Promise<LocalFileRecord[]> => {
    const stats = await Promise.all(libraryPaths.map(localStat));
    const total = stats.reduce((n, s) => n + s.size, 0);
    const algorithms = ['sha256'];
    if (method.kind === 'hash' && NODE_HASHES.has(method.hashType)) algorithms.push(method.hashType);
    const records: LocalFileRecord[] = [];
    let before = 0;
    for (const [i, libraryPath] of libraryPaths.entries()) {
      const abs = resolveInRoot(localRoot, libraryPath);
      const base = before;
      const hashes = await hashFile(abs, algorithms, {
        signal: options.signal,
        onBytes: (n) =>
          options.onBytes
            ? options.onBytes(base + n, total)
            : reportProgress({ phase: 'hashing', bytesDone: base + n, bytesTotal: total }),
      });
      if (method.kind === 'hash' && !hashes[method.hashType])
        hashes[method.hashType] = await rclone.localHash(abs, method.hashType, options.signal);
      records.push({ libraryPath, sizeBytes: stats[i]!.size, mtimeMs: stats[i]!.mtimeMs, hashes });
      before += stats[i]!.size;
    }
    return records;
  };

  /** The local file is still what was hashed (same size and mtime), else why not. */
  const localChange = async (record: LocalFileRecord): Promise<string | undefined> => {
    const now = await localStat(record.libraryPath);
    if (now.size !== record.sizeBytes || now.mtimeMs !== record.mtimeMs)
      return `${record.libraryPath} changed locally since it was copied (${record.sizeBytes} → ${now.size} B)`;
    return undefined;
  };

  /** What the local record says of a verified copy, whatever the method. */
  const verifiedFields = (record: LocalFileRecord) => ({
    sizeBytes: record.sizeBytes,
    sha256: record.hashes.sha256!,
    mtimeMs: record.mtimeMs,
    verifiedAt: new Date().toISOString(),
  });
  const missing = (p: string): RemoteCheck => ({ match: false, reason: `${p} is missing on the vault` });
  const sizeDiffers = (p: string, vault: string | number, local: number): RemoteCheck => ({
    match: false,
    reason: `${p}: vault size ${vault} B, local ${local} B`,
  });

  /**
   * Compares one vault copy with its local record by `method`, reading the vault copy back only
   * when the remote keeps neither hashes nor modtimes.
   *
   * @returns the verification, or the mismatch's reason
   * @throws RcloneError when the remote cannot be read (retried)
   */
  const checkRemote = async (
    record: LocalFileRecord,
    method: Method,
    expectedRemoteValue?: string,
  ): Promise<RemoteCheck> => {
    const p = record.libraryPath;
    // The vault computes its hash (or looks up a modtime) out of sight: no byte count to show.
    reportProgress({ phase: 'verifying', bytesDone: 0, bytesTotal: 0, file: p });
    if (method.kind === 'read-back') return readBack(record);
    const remote = await rclone.stat(p, method.kind === 'hash' ? method.hashType : undefined);
    if (!remote) return missing(p);
    if (remote.sizeBytes !== record.sizeBytes) return sizeDiffers(p, remote.sizeBytes, record.sizeBytes);
    const base = verifiedFields(record);
    if (method.kind === 'hash') {
      const remoteValue = remote.hashes[method.hashType]?.toLowerCase();
      // An object the remote has no hash for (an S3 multipart upload by a client that stored no
      // MD5: its ETag is not one): never taken as verified, read back instead.
      if (!remoteValue) return readBack(record);
      const want = expectedRemoteValue ?? record.hashes[method.hashType]!.toLowerCase();
      if (remoteValue !== want)
        return {
          match: false,
          reason: `${p}: ${method.hashType} differs (vault ${remoteValue}, expected ${want})`,
        };
      return { match: true, verification: { ...base, method: method.hashType, remoteValue } };
    }
    const remoteMs = Date.parse(remote.modTime);
    const wantMs = expectedRemoteValue ? Date.parse(expectedRemoteValue) : record.mtimeMs;
    if (Math.abs(remoteMs - wantMs) > method.toleranceMs)
      return { match: false, reason: `${p}: vault modtime ${remote.modTime} differs from local` };
    return { match: true, verification: { ...base, method: 'modtime', remoteValue: remote.modTime } };
  };

  /**
   * The remote keeps neither a hash nor modtimes: the copy is read back once, streamed, and its
   * size and sha256 compared. No stat first: on a remote whose backend paces its calls (WebDAV's
   * 10 ms, Google Drive's 100 ms) every call per item counts, and the read tells both.
   */
  const readBack = async (record: LocalFileRecord): Promise<RemoteCheck> => {
    const p = record.libraryPath;
    const io = fileIo('reading-back', record.sizeBytes, p);
    let read;
    try {
      read = await rclone.downloadHash(p, { ...io, maxBytes: record.sizeBytes });
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'not-found') return missing(p);
      throw err;
    }
    if (read.sizeBytes !== record.sizeBytes)
      return sizeDiffers(
        p,
        read.sizeBytes > record.sizeBytes ? `over ${record.sizeBytes}` : read.sizeBytes,
        record.sizeBytes,
      );
    if (!read.sha256 || read.sha256 !== record.hashes.sha256)
      return { match: false, reason: `${p}: sha256 of the vault copy differs (read back)` };
    return {
      match: true,
      verification: {
        ...verifiedFields(record),
        method: 'sha256-download',
        remoteValue: read.sha256,
        bytesDownloaded: record.sizeBytes,
      },
    };
  };

  return { localStat, hashLocal, localChange, checkRemote };
}

/** The checks {@link createVaultChecks} makes. */
export type VaultChecks = ReturnType<typeof createVaultChecks>;
