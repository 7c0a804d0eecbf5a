/**
 * How a vault copy is checked against its local file, shared by copy, verification and eviction.
 * A copy is called verified only once its content was compared — a hash, or the bytes — never on
 * its size and modification time alone.
 *
 * Bytes are read as few times as possible: the local file is hashed once (sha256 for the record
 * plus the remote's own hash type, in one pass) while rclone copies it, so the page cache serves
 * both reads; a remote with hashes is compared against its hash; an rclone crypt remote whose
 * underlying remote has one is checked as `rclone cryptcheck` does (by rclone: the local file is
 * read once more and encrypted with the copy's nonce, nothing of the copy but its 32-byte header
 * is downloaded); only a remote without any hash is read back, once, streamed.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { stat } from 'node:fs/promises';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import { hashFile } from '../../lib/files.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { activitySignal, fileIo, reportProgress } from '../progress.js';
import type { Rclone } from './rclone/client.js';
import { CRYPT_HEADER_BYTES } from './rclone/crypt.js';
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

/**
 * How the vault copy of a file is checked: against the remote's `hash`; as `rclone cryptcheck`
 * does on a `crypt` remote, with the underlying remote's `hashType`; or by reading it back.
 */
export type Method =
  { kind: 'hash'; hashType: string } | { kind: 'crypt'; hashType: string } | { kind: 'read-back' };

/** The recorded name of a crypt check with `hashType` (`md5-crypt`). */
const CRYPT_SUFFIX = '-crypt';
/** The recorded name of a read-back. */
const READ_BACK = 'sha256-download';

/**
 * How a remote's copies are checked, from its features: its own hash; for a crypt remote, the
 * hash of its underlying remote through `cryptcheck`; else a read-back. Size and modification
 * time alone never verify a copy.
 */
export function methodFor(features: RemoteFeatures): Method {
  const hashType = HASH_PREFERENCE.find((h) => features.hashes.includes(h));
  if (hashType) return { kind: 'hash', hashType };
  if (features.cryptHash && features.cryptHash !== 'none')
    return { kind: 'crypt', hashType: features.cryptHash };
  return { kind: 'read-back' };
}

/**
 * The method a recorded verification names (`VaultVerification.method`: `md5`, `md5-crypt`,
 * `sha256-download`).
 *
 * @returns undefined for `modtime` (verifications recorded before content was always compared):
 *   such a copy is checked again by the remote's method of today
 */
export function recordedMethod(name: string): Method | undefined {
  if (name === 'modtime') return undefined;
  if (name === READ_BACK) return { kind: 'read-back' };
  if (name.endsWith(CRYPT_SUFFIX)) return { kind: 'crypt', hashType: name.slice(0, -CRYPT_SUFFIX.length) };
  return { kind: 'hash', hashType: name };
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
   * Compares one vault copy with its local record by `method`: the remote's hash (against the
   * local one, or `expectedRemoteValue` recorded earlier), a cryptcheck, or a read-back. A crypt
   * copy rclone cannot hash (its underlying object has no hash) is read back instead.
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
    // The vault computes its hash out of sight: no byte count to show.
    reportProgress({ phase: 'verifying', bytesDone: 0, bytesTotal: 0, file: p });
    if (method.kind === 'read-back') return readBack(record);
    if (method.kind === 'crypt') return cryptCheck(record);
    const remote = await rclone.stat(p, method.hashType);
    if (!remote) return missing(p);
    if (remote.sizeBytes !== record.sizeBytes) return sizeDiffers(p, remote.sizeBytes, record.sizeBytes);
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
    return {
      match: true,
      verification: { ...verifiedFields(record), method: method.hashType, remoteValue },
    };
  };

  /**
   * A crypt vault's copy checked by `rclone cryptcheck`: the underlying object's hash against the
   * local file encrypted with the copy's nonce. The local file is read once more (by rclone) and
   * the copy's header downloaded; where rclone has no hash to compare, the copy is read back.
   */
  const cryptCheck = async (record: LocalFileRecord): Promise<RemoteCheck> => {
    const p = record.libraryPath;
    const outcome = await rclone.cryptCheck(localRoot, p, activitySignal());
    if (outcome.kind === 'missing') {
      // cryptcheck looks the object up without listing (`--no-traverse`) and takes a refused
      // look-up for a missing object: a stat tells which, and fails as a refused read fails.
      if (!(await rclone.stat(p))) return missing(p);
      throw new RcloneError(
        `rclone cryptcheck could not read ${p}, which the vault lists`,
        'other',
        undefined,
      );
    }
    if (outcome.kind === 'differ')
      return { match: false, reason: `${p}: ${outcome.detail} (rclone cryptcheck)` };
    if (outcome.kind === 'unchecked') return readBack(record);
    return {
      match: true,
      verification: {
        ...verifiedFields(record),
        method: `${outcome.hashType}${CRYPT_SUFFIX}`,
        remoteValue: `rclone cryptcheck: ${outcome.hashType} matches`,
        // rclone's own read of the local file, besides the pass that hashed it.
        bytesReadLocally: record.sizeBytes,
        bytesDownloaded: CRYPT_HEADER_BYTES,
      },
    };
  };

  /**
   * Nothing on the vault has a hash to compare: the copy is read back once, streamed, and its
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
        method: READ_BACK,
        remoteValue: read.sha256,
        bytesDownloaded: record.sizeBytes,
      },
    };
  };

  return { localStat, hashLocal, localChange, checkRemote };
}

/** The checks {@link createVaultChecks} makes. */
export type VaultChecks = ReturnType<typeof createVaultChecks>;
