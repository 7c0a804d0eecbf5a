/**
 * The vault stages: copying (copy, then verify, in one host activity; in the upload window, and
 * waiting out the vault's upload quota) → resident ⇄ evicting → evicted. After a verified copy the
 * media servers and peers are told (`announce.ts`) and the files an upgrade replaced are retired.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  workflowInfo,
} from '@temporalio/workflow';
import type { CopyAndVerifyResult } from '../../activities/item/activities.js';
import { FailureType } from '../../domain/failures.js';
import { deletedSignal, janitorWorkflowId, wakeJanitorSignal } from '../../domain/messages.js';
import { folderOf } from '../scan-targets.js';
import { announce } from './announce.js';
import { failureMessage, failureType } from './failures.js';
import { SETTINGS_MAX_AGE_MS, type MediaItem } from './item.js';
import { enter, show } from './record.js';

/** Waits for the daily upload window, when one is set. */
async function awaitUploadWindow(item: MediaItem): Promise<void> {
  const window = item.settings.policy.uploadWindow;
  if (!window) return;
  const waitMs = await item.host('msUntilUploadWindow')({ window });
  if (waitMs <= 0) return;
  item.status.reason = `waiting for the upload window ${window.start}-${window.end}`;
  await enter(item, 'copying', 'waiting-for-window', { waitMs });
  await item.waitFor(() => false, waitMs);
  item.status.reason = undefined;
}

/**
 * One copy-and-verify round; while the vault's upload quota is exhausted
 * (`REMOTE_QUOTA_EXCEEDED`), waits out this host's pause on a workflow timer, the reason in the
 * status, and copies again.
 */
async function copyRound(item: MediaItem, round: number, force: boolean): Promise<CopyAndVerifyResult> {
  const s = item.status;
  const libraryPaths = [s.libraryPath!, ...s.subtitlePaths];
  // In the catalog before the host works on it (an item waiting for a dead host is listed);
  // the first round's row after a sort is recorded by `sortRelease`.
  if (round === 1 && item.copyingRecorded) show(item, 'copying');
  else await enter(item, 'copying', round === 1 ? 'entered' : 'recopy', { round });
  item.copyingRecorded = false;
  const onVault = item.expectOnVault ? { expectOnVault: true } : {};
  item.expectOnVault = false;
  await item.refreshSettings(SETTINGS_MAX_AGE_MS);
  for (;;) {
    await awaitUploadWindow(item);
    const copy = item.host('copyAndVerify', `copy ${s.libraryPath} to the vault and verify it`);
    const about = {
      hostId: item.hostId,
      releaseName: s.releaseName,
      identity: s.identity,
      pinned: s.pinned,
    };
    const outcome = await item.attempt('copying', async () => {
      try {
        return { done: await copy({ libraryPaths, force, round, item: about, ...onVault }) };
      } catch (err) {
        if (failureType(err) !== FailureType.REMOTE_QUOTA_EXCEEDED) throw err;
        return { quota: err as ActivityFailure };
      }
    });
    if (outcome.done) return outcome.done;
    const pause = (outcome.quota.cause as ApplicationFailure).details?.[0] as
      { pausedUntil?: string; waitMs?: number } | undefined;
    // The activity always says how long; should it not, a minute later the host's pause answers again.
    const waitMs = typeof pause?.waitMs === 'number' && pause.waitMs >= 0 ? pause.waitMs : 60_000;
    s.reason = failureMessage(outcome.quota);
    await enter(item, 'copying', 'quota-paused', { pausedUntil: pause?.pausedUntil, waitMs });
    await item.waitFor(() => false, waitMs);
    s.reason = undefined;
    await enter(item, 'copying', 'quota-resumed');
  }
}

/**
 * Copies and verifies until verified; parks after `verifyAttempts` mismatching rounds.
 *
 * @returns whether the copy left the disk below the janitor's watermark
 */
async function copyAndVerify(item: MediaItem): Promise<boolean> {
  const s = item.status;
  let lowOnSpace = false;
  for (let verified = false; !verified;) {
    for (let round = 1; round <= item.settings.policy.verifyAttempts && !verified; round++) {
      s.copyRounds++;
      const result = await copyRound(item, round, round > 1 || item.forceNextCopy);
      item.forceNextCopy = false;
      lowOnSpace = result.lowOnSpace;
      if (result.match) {
        s.verification = result.verification;
        verified = true;
      } else if (result.changed) {
        // The local file changed after it was copied (a writer still at work): copy it again.
        round--;
      }
    }
    if (!verified)
      await item.park(
        'verifying',
        `vault copy failed verification ${item.settings.policy.verifyAttempts} times`,
      );
  }
  return lowOnSpace;
}

/** After a verified upgrade: the replaced files' vault copies go to the trash, their workflows end. */
async function retireReplaced(item: MediaItem): Promise<void> {
  if (item.replaces.length === 0) return;
  const done = item.replaces;
  item.replaces = [];
  const libraryPaths = done.map((r) => r.libraryPath).filter((p) => p !== item.status.libraryPath);
  if (libraryPaths.length)
    await item.attempt('resident', () => item.remote().trashVaultCopies({ libraryPaths }));
  for (const r of done) {
    if (r.workflowId === workflowInfo().workflowId) continue;
    await getExternalWorkflowHandle(r.workflowId)
      .signal(deletedSignal, { reason: `replaced by ${item.status.libraryPath}`, vaultCopyTrashed: true })
      .catch(() => undefined); // no workflow for it (vaulted before vaultarr, or already ended)
  }
}

/**
 * Copies a new or changed file, tells media servers and peers, and then the item is resident
 * (the copy activity recorded that in the catalog; telling anyone adds one event); retires what
 * it replaced. Wakes the janitor when the copy left the disk below its watermark.
 */
export async function vault(item: MediaItem): Promise<void> {
  const lowOnSpace = await copyAndVerify(item);
  if (item.contentChanged) {
    item.contentChanged = false;
    // The copy may have run for hours, across a worker restart with a new config: whom to tell is read now.
    await item.refreshSettings(0);
    const folder = folderOf(item.status.libraryPath!);
    const told = await announce(
      item,
      [{ folder, updateType: item.announced ? 'Modified' : 'Created' }],
      'imported',
    );
    item.announced = true;
    if (told) await enter(item, 'resident', 'announced', told);
  }
  show(item, 'resident');
  if (lowOnSpace) {
    await getExternalWorkflowHandle(janitorWorkflowId(item.hostId))
      .signal(wakeJanitorSignal)
      .catch(() => undefined); // no janitor running on this host
  }
  await retireReplaced(item);
}

/**
 * Evicts the local copy once the vault copy re-verifies (refused while pinned); a vault copy that
 * no longer matches is never relied on: the file is copied again, forced.
 */
export async function evict(item: MediaItem): Promise<void> {
  const s = item.status;
  item.evictRequested = false;
  if (s.pinned) {
    await enter(item, s.stage, 'evict-refused-pinned');
    return;
  }
  await enter(item, 'evicting', 'entered');
  const result = await item.attempt('evicting', () =>
    item.host('evictLocalCopy')({
      libraryPaths: [s.libraryPath!, ...s.subtitlePaths],
      expected: s.verification!,
    }),
  );
  if (result.evicted) {
    await enter(item, 'evicted', 'evicted', { freedBytes: result.freedBytes });
  } else {
    // The vault copy no longer matches: never delete, recopy instead — forced, since size and
    // modtime may still match and a plain copy would skip the file.
    s.reason = result.reason;
    await enter(item, 'evicting', 'reverify-failed');
    s.reason = undefined;
    item.importPending = true;
    item.forceNextCopy = true;
  }
}
