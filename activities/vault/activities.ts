/**
 * Vault activities (host task queue: they read this host's local files): copy library files to
 * the vault remote with heartbeated progress, and verify the copy.
 */
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import { sha256File } from '../../lib/files.js';
import { msUntilWindow } from '../../lib/upload-window.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { MODTIME_UNSUPPORTED_NS, Rclone, RcloneError } from './rclone.js';

/** Dependencies of the vault activities. */
export interface VaultDeps {
  /** Absolute local root (`.Local`). */
  localRoot: string;
  rclone: Rclone;
}

/** Input of `copyToVault`. */
export interface CopyToVaultInput {
  /** Library-relative paths (the video and its subtitles). */
  libraryPaths: string[];
  /** Copy even when the remote has the same size and modtime (after a failed verification). */
  force?: boolean;
}

/** Heartbeat details of `copyToVault`, shown in the Web UI's pending activity. */
export interface CopyHeartbeat {
  bytesDone: number;
  bytesTotal: number;
}

/** Input of `evictLocalCopy`. */
export interface EvictLocalCopyInput {
  /** The video first, then its subtitles. */
  libraryPaths: string[];
  /** What the video's vault copy was verified with at copy time. */
  expected: VaultVerification;
}

/** Outcome of `evictLocalCopy`: an expected branch, so a value. */
export type EvictLocalCopyResult = { evicted: true; freedBytes: number } | { evicted: false; reason: string };

/** Input of `verifyVaultCopy`. */
export interface VerifyVaultCopyInput {
  libraryPaths: string[];
}

/** Outcome of `verifyVaultCopy`: an expected branch, so a value. */
export type VerifyVaultCopyResult =
  { match: true; verification: VaultVerification } | { match: false; reason: string };

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

function hashFile(file: string, algorithm: string): Promise<string> {
  if (algorithm === 'sha256') return sha256File(file);
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Creates the vault activities.
 *
 * @param deps - local root and the rclone client of the vault remote
 */
export function createVaultActivities(deps: VaultDeps) {
  const { localRoot, rclone } = deps;

  /**
   * Copies library files to the same library-relative paths on the vault with rclone,
   * heartbeating `{ bytesDone, bytesTotal }` every second. Safe to retry after a crash at any point:
   * rclone skips files already complete and rewrites partial ones.
   *
   * @returns bytes copied / total as rclone last reported them
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when a local file is gone;
   *   `REMOTE_AUTH_FAILED` (not retried) when the remote refuses the credentials;
   *   `PATH_ESCAPES_ROOT` (not retried); any other rclone failure is retried
   */
  async function copyToVault(input: CopyToVaultInput): Promise<CopyHeartbeat> {
    const ctx = Context.current();
    let bytesTotal = 0;
    for (const p of input.libraryPaths) {
      const abs = resolveInRoot(localRoot, p);
      try {
        bytesTotal += (await stat(abs)).size;
      } catch {
        throw permanentFailure(FailureType.SOURCE_MISSING, `local file ${p} is missing`);
      }
    }
    ctx.heartbeat({ bytesDone: 0, bytesTotal } satisfies CopyHeartbeat);
    try {
      const done = await rclone.copy(localRoot, input.libraryPaths, {
        force: input.force,
        signal: ctx.cancellationSignal,
        onProgress: (p) => ctx.heartbeat({ bytesDone: p.bytesDone, bytesTotal } satisfies CopyHeartbeat),
      });
      return { bytesDone: done.bytesDone, bytesTotal };
    } catch (err) {
      if (err instanceof RcloneError && err.kind === 'auth')
        throw permanentFailure(FailureType.REMOTE_AUTH_FAILED, err.message);
      throw err;
    }
  }

  async function verifyOne(relativePath: string): Promise<VerifyVaultCopyResult> {
    const ctx = Context.current();
    const abs = resolveInRoot(localRoot, relativePath);
    let local;
    try {
      local = await stat(abs);
    } catch {
      throw permanentFailure(FailureType.SOURCE_MISSING, `local file ${relativePath} is missing`);
    }
    const features = await rclone.features();
    const hashType = HASH_PREFERENCE.find((h) => features.hashes.includes(h));
    const remote = await rclone.stat(relativePath, hashType);
    if (!remote) return { match: false, reason: `${relativePath} is missing on the vault` };
    if (remote.sizeBytes !== local.size) {
      return {
        match: false,
        reason: `${relativePath}: vault size ${remote.sizeBytes} B, local ${local.size} B`,
      };
    }
    ctx.heartbeat({ verifying: relativePath });
    const byHash = Boolean(hashType && remote.hashes[hashType]);
    const byModtime = !byHash && features.precisionNs < MODTIME_UNSUPPORTED_NS;
    // Without a hash or modtimes the copy is read back; hash both sides at once, not one after the other.
    const [sha256, readBack] = await Promise.all([
      sha256File(abs),
      byHash || byModtime ? undefined : rclone.downloadHash(relativePath, 'sha256', ctx.cancellationSignal),
    ]);
    const base = { sizeBytes: local.size, sha256, verifiedAt: new Date().toISOString() };
    if (byHash && hashType) {
      const localValue =
        hashType === 'sha256'
          ? sha256
          : NODE_HASHES.has(hashType)
            ? await hashFile(abs, hashType)
            : await rclone.localHash(abs, hashType);
      const remoteValue = remote.hashes[hashType]!.toLowerCase();
      if (localValue.toLowerCase() !== remoteValue) {
        return {
          match: false,
          reason: `${relativePath}: ${hashType} differs (vault ${remoteValue}, local ${localValue})`,
        };
      }
      return { match: true, verification: { ...base, method: hashType, remoteValue } };
    }
    if (byModtime) {
      const toleranceMs = Math.max(1000, features.precisionNs / 1e6);
      const remoteMs = Date.parse(remote.modTime);
      if (Math.abs(remoteMs - local.mtimeMs) > toleranceMs) {
        return {
          match: false,
          reason: `${relativePath}: vault modtime ${remote.modTime} differs from local`,
        };
      }
      return { match: true, verification: { ...base, method: 'modtime', remoteValue: remote.modTime } };
    }
    // The remote keeps neither a hash nor modtimes: the copy was read back and hashed above.
    const remoteValue = readBack!;
    if (remoteValue !== sha256) {
      return { match: false, reason: `${relativePath}: sha256 of the vault copy differs (read back)` };
    }
    return { match: true, verification: { ...base, method: 'sha256-download', remoteValue } };
  }

  /**
   * Verifies the vault copies of library files: size, then a hash both sides support, else
   * modification time, else a sha256 of the copy read back. The method used is recorded.
   *
   * @returns `{ match: true, verification }` for the first path (the video) when every path
   *   matches, else `{ match: false, reason }` naming the first mismatch
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried); rclone failures are retried
   */
  async function verifyVaultCopy(input: VerifyVaultCopyInput): Promise<VerifyVaultCopyResult> {
    let first: VerifyVaultCopyResult | undefined;
    for (const p of input.libraryPaths) {
      const result = await verifyOne(p);
      if (!result.match) return result;
      first ??= result;
    }
    if (!first) throw permanentFailure(FailureType.INVALID_INPUT, 'verifyVaultCopy needs at least one path');
    return first;
  }

  /**
   * Deletes the local copies of a media file, but only after re-verifying its vault copy against
   * what was recorded at copy time (same size, same local sha256, same remote hash or modtime).
   *
   * @returns `{ evicted: true, freedBytes }`, or `{ evicted: false, reason }` when the vault copy no
   *   longer matches (nothing is deleted; the caller recopies)
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when the local file is already gone
   */
  async function evictLocalCopy(input: EvictLocalCopyInput): Promise<EvictLocalCopyResult> {
    const [video, ...subtitles] = input.libraryPaths;
    if (!video) throw permanentFailure(FailureType.INVALID_INPUT, 'evictLocalCopy needs at least one path');
    const now = await verifyOne(video);
    if (!now.match) return { evicted: false, reason: now.reason };
    const v = now.verification;
    if (v.sha256 !== input.expected.sha256 || v.sizeBytes !== input.expected.sizeBytes) {
      return { evicted: false, reason: `${video} changed locally since it was vaulted` };
    }
    if (v.method === input.expected.method && v.remoteValue !== input.expected.remoteValue) {
      return {
        evicted: false,
        reason: `${video}: the vault copy's ${v.method} changed since it was verified`,
      };
    }
    for (const sub of subtitles) {
      const r = await verifyOne(sub).catch(() => undefined);
      if (r && !r.match) return { evicted: false, reason: r.reason };
    }
    let freedBytes = 0;
    for (const p of input.libraryPaths) {
      const abs = resolveInRoot(localRoot, p);
      const size = await stat(abs)
        .then((s) => s.size)
        .catch(() => 0);
      await unlink(abs).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      freedBytes += size;
    }
    return { evicted: true, freedBytes };
  }

  /** ms until the host's daily upload window opens (0 inside it); the host's clock and time zone decide. */
  async function msUntilUploadWindow(input: { window: { start: string; end: string } }): Promise<number> {
    return msUntilWindow(input.window, new Date());
  }

  return { copyToVault, verifyVaultCopy, evictLocalCopy, msUntilUploadWindow };
}

/** The vault activities' functions, for `proxyActivities<VaultActivities>`. */
export type VaultActivities = ReturnType<typeof createVaultActivities>;
