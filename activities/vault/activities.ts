/**
 * Vault activities (host task queue: they read this host's local files): copy library files to
 * the vault remote, verify the copy, and evict a local copy whose vault copy is verified.
 *
 * Bytes are read as few times as possible: the local file is hashed once (sha256 for the record
 * plus the remote's own hash type, in one pass) while rclone copies it, so the page cache serves
 * both reads; a remote with hashes is compared against its hash, one with modtimes against its
 * modtime; only a remote with neither is read back, once, streamed. Every function here runs under
 * the heartbeat pump of `activities/progress.ts` and reports its phase and bytes.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import { DEFAULT_COPY_ATTEMPTS, DEFAULT_QUOTA_PAUSE_HOURS } from '../../lib/config.js';
import { hashFile } from '../../lib/files.js';
import { anchorProblem, refreshVaultMount } from '../../lib/infra/union.js';
import { redactText } from '../../lib/secrets.js';
import { msUntilWindow } from '../../lib/upload-window.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { activitySignal, fileIo, reportProgress } from '../progress.js';
import { HostQuotaPause, isQuotaExhausted } from './quota-pause.js';
import type { Rclone } from './rclone/client.js';
import { RcloneError } from './rclone/errors.js';
import { MODTIME_UNSUPPORTED_NS, type RemoteFeatures } from './rclone/operations.js';

/** Dependencies of the vault activities. */
export interface VaultDeps {
  /** Absolute local root (`.Local`). */
  localRoot: string;
  rclone: Rclone;
  /** The union view's vault mount (`<data>/.Vault`), when enabled: evictions wait until it shows the copy. */
  unionVaultMount?: string;
  /** The vault mount's rc file (`<data>/run/union-rc.json`), to refresh its directory cache. */
  unionRcFile?: string;
  /** How long eviction waits for the vault mount to show a copy before the attempt fails (retried), in ms. */
  unionVisibleWaitMs?: number;
  /**
   * This host's quota pause, shared by every copy of this worker (and read by its metrics);
   * default one of `vault.quotaPauseHours`' default length.
   */
  quotaPause?: HostQuotaPause;
  /** Attempts of a copy the vault refuses before it is no longer retried (`vault.copyAttempts`). */
  copyAttempts?: number;
}

/** A local file as it was hashed for verification, in the pass made while it was copied. */
export interface LocalFileRecord {
  libraryPath: string;
  sizeBytes: number;
  /** Modification time when hashed, ms since the epoch. */
  mtimeMs: number;
  /** Lowercase hex digests by rclone hash name: always `sha256`, plus the remote's own type. */
  hashes: Record<string, string>;
}

/** Input of `copyToVault`. */
export interface CopyToVaultInput {
  /** Library-relative paths (the video and its subtitles). */
  libraryPaths: string[];
  /** Copy even when the remote has the same size and modtime (after a failed verification). */
  force?: boolean;
}

/** Result of `copyToVault`. */
export interface CopyToVaultResult {
  /** Bytes rclone transferred (0 when the vault already held every file). */
  bytesDone: number;
  /** Bytes of all the files. */
  bytesTotal: number;
  /** Each file as hashed during the copy, for `verifyVaultCopy`. */
  local: LocalFileRecord[];
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
  /** The files as `copyToVault` hashed them; absent (items copied by older versions), they are hashed here. */
  local?: LocalFileRecord[];
}

/**
 * Outcome of `verifyVaultCopy`: an expected branch, so a value. `changed` says the local file is
 * no longer what was copied (the item goes back to copying).
 */
export type VerifyVaultCopyResult =
  { match: true; verification: VaultVerification } | { match: false; reason: string; changed?: boolean };

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
type Method =
  { kind: 'hash'; hashType: string } | { kind: 'modtime'; toleranceMs: number } | { kind: 'read-back' };

function methodFor(features: RemoteFeatures): Method {
  const hashType = HASH_PREFERENCE.find((h) => features.hashes.includes(h));
  if (hashType) return { kind: 'hash', hashType };
  if (features.precisionNs < MODTIME_UNSUPPORTED_NS)
    return { kind: 'modtime', toleranceMs: Math.max(1000, features.precisionNs / 1e6) };
  return { kind: 'read-back' };
}

/** One vault copy checked against its local record: verified, or why not. */
type RemoteCheck = { match: true; verification: VaultVerification } | { match: false; reason: string };

/** The attempt number of the running activity (1 outside one). */
function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/**
 * A copy the vault refused, as a sentence: rclone's words (no credentials in them) after what
 * they mean. Retried until `attempt` reaches `copyAttempts`.
 */
function refusedWrites(err: RcloneError, copyAttempts: number): ApplicationFailure {
  const attempt = activityAttempt();
  const said = redactText(err.message.replace(/^rclone \S+ failed(?: \(exit [^)]*\))?: /, '')).slice(0, 300);
  return ApplicationFailure.create({
    type: FailureType.VAULT_REFUSES_WRITES,
    message: `the vault refuses writes: is it read-only or out of space? rclone said: ${said}`,
    nonRetryable: attempt >= copyAttempts,
    details: [{ attempt, copyAttempts }],
  });
}

/** A retried failure (the attempt failed; nothing was deleted). */
function retryable(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false });
}

/**
 * Creates the vault activities.
 *
 * @param deps - local root, the rclone client of the vault remote, and the union view's mount
 */
export function createVaultActivities(deps: VaultDeps) {
  const { localRoot, rclone } = deps;
  const quotaPause = deps.quotaPause ?? new HostQuotaPause(DEFAULT_QUOTA_PAUSE_HOURS * 3600_000);
  const copyAttempts = deps.copyAttempts ?? DEFAULT_COPY_ATTEMPTS;

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
      if (!remoteValue)
        throw new RcloneError(`the vault returned no ${method.hashType} for ${p}`, 'other', undefined);
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

  /**
   * Copies library files to the same library-relative paths on the vault with rclone, and hashes
   * them in the same breath (one read each, sharing the page cache with rclone's). Reports
   * `copying` progress, then `hashing` while the hash outlasts the upload. Safe to retry after a crash at any point: rclone skips files already
   * complete and rewrites partial ones.
   *
   * @returns bytes copied / total, and each file as hashed (for `verifyVaultCopy`)
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when a local file is gone;
   *   `REMOTE_AUTH_FAILED` (not retried) when the remote refuses the credentials;
   *   `PATH_ESCAPES_ROOT` (not retried); `LOCAL_FILE_CHANGED` (retried: the next attempt copies
   *   the new content) when a file changed while it was copied; `REMOTE_QUOTA_EXCEEDED` (not
   *   retried: the workflow waits `details[0].waitMs`, see `quota-pause.ts`) when the remote says
   *   the upload quota is exhausted, and at once, without touching the remote, while this host's
   *   copies are paused for it; `VAULT_REFUSES_WRITES` when the vault refuses the write
   *   (read-only, permission denied, out of space), retried until the attempt reaches
   *   `vault.copyAttempts`, then not (the item parks); any other rclone failure is retried
   */
  async function copyToVault(input: CopyToVaultInput): Promise<CopyToVaultResult> {
    const paused = quotaPause.current();
    if (paused) throw quotaPause.failure(paused);
    const stats = await Promise.all(input.libraryPaths.map(localStat));
    const bytesTotal = stats.reduce((n, s) => n + s.size, 0);
    const file = input.libraryPaths[0];
    reportProgress({ phase: 'copying', bytesDone: 0, bytesTotal, file });
    // The hash runs alongside and is not shown while the upload runs; it shows once it outlasts it.
    let hashed = 0;
    let uploaded = false;
    const showHashing = () => reportProgress({ phase: 'hashing', bytesDone: hashed, bytesTotal, file });
    const method = methodFor(await rclone.features());
    // Either side failing stops the other: no orphaned hashing, no copy left running.
    const stop = new AbortController();
    const outer = activitySignal();
    const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
    const copying = rclone
      .copy(localRoot, input.libraryPaths, {
        force: input.force,
        signal,
        onProgress: (p) => {
          if (!uploaded) reportProgress({ phase: 'copying', bytesDone: p.bytesDone, bytesTotal, file });
        },
      })
      .then((done) => {
        uploaded = true;
        if (hashed < bytesTotal) showHashing();
        return done;
      })
      .catch((err: unknown) => {
        stop.abort();
        // Before the auth check: Google answers an exhausted quota with 403.
        if (err instanceof RcloneError && isQuotaExhausted(err.message))
          // The reason goes into the item's status and history: no credentials of the remote in it.
          throw quotaPause.failure(quotaPause.start(redactText(err.message).slice(0, 300)));
        if (err instanceof RcloneError && err.kind === 'auth')
          throw permanentFailure(FailureType.REMOTE_AUTH_FAILED, err.message);
        if (err instanceof RcloneError && err.kind === 'refused') throw refusedWrites(err, copyAttempts);
        throw err;
      });
    const hashing = hashLocal(input.libraryPaths, method, {
      signal,
      onBytes: (n) => {
        hashed = n;
        if (uploaded) showHashing();
      },
    }).catch((err: unknown) => {
      stop.abort();
      throw err;
    });
    const [done, local] = await Promise.all([copying, hashing]);
    for (const [i, record] of local.entries()) {
      const before = stats[i]!;
      if (
        record.sizeBytes !== before.size ||
        record.mtimeMs !== before.mtimeMs ||
        (await localChange(record))
      )
        throw retryable(
          FailureType.LOCAL_FILE_CHANGED,
          `${record.libraryPath} changed while it was copied; copying it again`,
        );
    }
    return { bytesDone: done.bytesDone, bytesTotal, local };
  }

  /**
   * Verifies the vault copies of library files against the local files as `copyToVault` hashed
   * them: size, then the remote's hash, else its modtime, else a sha256 of the copy read back
   * once. A local file that changed since it was hashed is reported (`changed`), not verified.
   *
   * @returns `{ match: true, verification }` for the first path (the video) when every path
   *   matches, the method and bytes read recorded; else `{ match: false, reason, changed? }`
   *   naming the first mismatch
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried); rclone failures are retried
   */
  async function verifyVaultCopy(input: VerifyVaultCopyInput): Promise<VerifyVaultCopyResult> {
    if (input.libraryPaths.length === 0)
      throw permanentFailure(FailureType.INVALID_INPUT, 'verifyVaultCopy needs at least one path');
    const method = methodFor(await rclone.features());
    const records =
      input.local ?? (await hashLocal(input.libraryPaths, method, { signal: activitySignal() }));
    const bytesReadLocally = records.reduce((n, r) => n + r.sizeBytes, 0);
    let first: VaultVerification | undefined;
    let bytesDownloaded = 0;
    for (const record of records) {
      const changed = await localChange(record);
      if (changed) return { match: false, reason: changed, changed: true };
      const result = await checkRemote(record, method);
      if (!result.match) return result;
      bytesDownloaded += result.verification.bytesDownloaded ?? 0;
      first ??= result.verification;
    }
    return { match: true, verification: { ...first!, bytesReadLocally, bytesDownloaded } };
  }

  /**
   * Waits until the union view's vault mount shows each file at its path with its size: the
   * mount's directory cache is refreshed through its remote control, then the file is stat'ed
   * through the mount (with a timeout: a dead FUSE mount can hang).
   *
   * @throws ApplicationFailure `VAULT_NOT_VISIBLE` (retried) when the mount is dead or does not
   *   show a file within `unionVisibleWaitMs`
   */
  const awaitVisibleThroughMount = async (files: Array<{ libraryPath: string; sizeBytes: number }>) => {
    const mount = deps.unionVaultMount;
    if (!mount) return;
    reportProgress({ phase: 'waiting-for-vault-mount', bytesDone: 0, bytesTotal: 0 });
    const problem = await anchorProblem(mount);
    if (problem) throw retryable(FailureType.VAULT_NOT_VISIBLE, problem);
    const deadline = Date.now() + (deps.unionVisibleWaitMs ?? 60_000);
    for (let refreshed = false; ;) {
      if (!refreshed && deps.unionRcFile)
        refreshed = await refreshVaultMount(
          deps.unionRcFile,
          files.map((f) => path.posix.dirname(f.libraryPath)),
        );
      const missing: string[] = [];
      for (const f of files) {
        const seen = await stat(path.join(mount, f.libraryPath)).catch(() => undefined);
        if (seen?.size !== f.sizeBytes) missing.push(f.libraryPath);
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw retryable(
          FailureType.VAULT_NOT_VISIBLE,
          `the vault mount at ${mount} does not show ${missing.join(', ')} yet; the local copy stays`,
        );
      activitySignal()?.throwIfAborted();
      refreshed = false;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  /**
   * Deletes the local copies of a media file, but only once every one of its files (video and
   * subtitles) is verified on the vault again — the video against what was recorded at copy time
   * (same size and modtime locally, same hash or modtime on the vault, or the same sha256 read
   * back), each subtitle afresh — and, with the union view, once the vault mount shows them at
   * the same paths, so that reads through `Media/` never miss a file.
   *
   * @returns `{ evicted: true, freedBytes }`, or `{ evicted: false, reason }` when a vault copy no
   *   longer matches or a local file changed (nothing is deleted; the caller recopies)
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when a local file is already gone;
   *   `VAULT_NOT_VISIBLE` (retried) while the vault mount does not show the copy; any error
   *   reading the vault is retried — and nothing is deleted in every one of these cases
   */
  async function evictLocalCopy(input: EvictLocalCopyInput): Promise<EvictLocalCopyResult> {
    const [video, ...subtitles] = input.libraryPaths;
    if (!video) throw permanentFailure(FailureType.INVALID_INPUT, 'evictLocalCopy needs at least one path');
    const expected = input.expected;
    const method = methodFor(await rclone.features());
    const signal = activitySignal();

    // The video: the local file is still the one verified, and so is its vault copy.
    const now = await localStat(video);
    let videoRecord: LocalFileRecord;
    if (expected.mtimeMs !== undefined) {
      if (now.size !== expected.sizeBytes || now.mtimeMs !== expected.mtimeMs)
        return { evicted: false, reason: `${video} changed locally since it was vaulted` };
      videoRecord = {
        libraryPath: video,
        sizeBytes: now.size,
        mtimeMs: now.mtimeMs,
        hashes: { sha256: expected.sha256 },
      };
    } else {
      // Verified by an older version that did not record the modtime: hash it again.
      [videoRecord] = (await hashLocal([video], { kind: 'read-back' }, { signal })) as [LocalFileRecord];
      if (videoRecord.hashes.sha256 !== expected.sha256 || videoRecord.sizeBytes !== expected.sizeBytes)
        return { evicted: false, reason: `${video} changed locally since it was vaulted` };
    }
    const videoMethod: Method =
      expected.method === 'modtime' && method.kind === 'modtime'
        ? method
        : expected.method === 'sha256-download'
          ? { kind: 'read-back' }
          : { kind: 'hash', hashType: expected.method };
    if (videoMethod.kind === 'hash') videoRecord.hashes[videoMethod.hashType] = expected.remoteValue;
    const videoCheck = await checkRemote(
      videoRecord,
      videoMethod,
      videoMethod.kind === 'read-back' ? undefined : expected.remoteValue,
    );
    if (!videoCheck.match) return { evicted: false, reason: videoCheck.reason };

    // Each subtitle, afresh (small files): any error aborts the eviction with nothing deleted.
    const subtitleRecords = await hashLocal(subtitles, method, { signal });
    for (const record of subtitleRecords) {
      const check = await checkRemote(record, method);
      if (!check.match) return { evicted: false, reason: check.reason };
    }

    await awaitVisibleThroughMount([videoRecord, ...subtitleRecords]);

    reportProgress({ phase: 'deleting', bytesDone: 0, bytesTotal: 0 });
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
