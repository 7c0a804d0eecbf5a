/**
 * Eviction (host task queue): a local copy is deleted only once its vault copy is verified again
 * and, with the union view, once the vault mount shows it.
 */
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import { anchorProblem, refreshVaultMount } from '../../lib/infra/union.js';
import { permanentFailure, resolveInRoot, retryableFailure } from '../failures.js';
import { activitySignal, reportProgress } from '../progress.js';
import type { VaultDeps } from './activities.js';
import { methodFor, recordedMethod, type LocalFileRecord, type Method, type VaultChecks } from './checks.js';

/** Input of `evictLocalCopy`. */
export interface EvictLocalCopyInput {
  /** The video first, then its subtitles. */
  libraryPaths: string[];
  /** What the video's vault copy was verified with at copy time. */
  expected: VaultVerification;
}

/** Outcome of `evictLocalCopy`: an expected branch, so a value. */
export type EvictLocalCopyResult = { evicted: true; freedBytes: number } | { evicted: false; reason: string };

/**
 * Creates `evictLocalCopy`.
 *
 * @param deps - the vault activities' dependencies (rclone, and the local root and union view's
 *   mount of their settings)
 * @param checks - the vault checks the copy and verification use too
 */
export function createEvictLocalCopy(deps: VaultDeps, checks: VaultChecks) {
  const { rclone } = deps;
  const { localRoot, unionVaultMount, unionRcFile } = deps.settings;
  const { localStat, hashLocal, checkRemote } = checks;

  /**
   * Waits until the union view's vault mount shows each file at its path with its size: the
   * mount's directory cache is refreshed through its remote control, then the file is stat'ed
   * through the mount (with a timeout: a dead FUSE mount can hang).
   *
   * @throws ApplicationFailure `VAULT_NOT_VISIBLE` (retried) when the mount is dead or does not
   *   show a file within `unionVisibleWaitMs`
   */
  const awaitVisibleThroughMount = async (files: Array<{ libraryPath: string; sizeBytes: number }>) => {
    const mount = unionVaultMount;
    if (!mount) return;
    reportProgress({ phase: 'waiting-for-vault-mount', bytesDone: 0, bytesTotal: 0 });
    const problem = await anchorProblem(mount);
    if (problem) throw retryableFailure(FailureType.VAULT_NOT_VISIBLE, problem);
    const deadline = Date.now() + (deps.unionVisibleWaitMs ?? 60_000);
    for (let refreshed = false; ;) {
      if (!refreshed && unionRcFile)
        refreshed = await refreshVaultMount(
          unionRcFile,
          files.map((f) => path.posix.dirname(f.libraryPath)),
        );
      const missing: string[] = [];
      for (const f of files) {
        const seen = await stat(path.join(mount, f.libraryPath)).catch(() => undefined);
        if (seen?.size !== f.sizeBytes) missing.push(f.libraryPath);
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw retryableFailure(
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
   * subtitles) is verified on the vault again, by content — the video against what was recorded
   * at copy time (same size and modtime locally; the same hash on the vault, a cryptcheck that
   * matches, or the same sha256 read back; one recorded as verified by modtime alone is checked
   * by content now), each subtitle afresh — and, with the union view, once the vault mount shows
   * them at the same paths, so that reads through `Media/` never miss a file.
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

    // The video: the local file is still the one verified, and so is its vault copy — checked
    // as it was then, or, when it was verified by its modification time alone (older versions),
    // by its content as the remote allows today.
    const recorded = recordedMethod(expected.method);
    const videoMethod: Method = recorded ?? method;
    const now = await localStat(video);
    let videoRecord: LocalFileRecord;
    const haveHash = videoMethod.kind !== 'hash' || videoMethod.hashType === 'sha256';
    if (expected.mtimeMs !== undefined && (recorded || haveHash)) {
      if (now.size !== expected.sizeBytes || now.mtimeMs !== expected.mtimeMs)
        return { evicted: false, reason: `${video} changed locally since it was vaulted` };
      videoRecord = {
        libraryPath: video,
        sizeBytes: now.size,
        mtimeMs: now.mtimeMs,
        hashes: { sha256: expected.sha256 },
      };
    } else {
      // Verified by an older version that did not record the modtime, or whose record holds no
      // hash of the remote's type: hash it again.
      [videoRecord] = (await hashLocal([video], videoMethod, { signal })) as [LocalFileRecord];
      if (videoRecord.hashes.sha256 !== expected.sha256 || videoRecord.sizeBytes !== expected.sizeBytes)
        return { evicted: false, reason: `${video} changed locally since it was vaulted` };
    }
    // A hash recorded at copy time is what the vault's must still be.
    const expectedRemoteValue = recorded?.kind === 'hash' ? expected.remoteValue : undefined;
    if (recorded?.kind === 'hash') videoRecord.hashes[recorded.hashType] = expected.remoteValue;
    const videoCheck = await checkRemote(videoRecord, videoMethod, expectedRemoteValue);
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

  return evictLocalCopy;
}
