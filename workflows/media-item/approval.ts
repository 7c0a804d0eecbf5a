/**
 * `awaiting-approval`: a release the sort could not place waits in `Unsorted/` for a person's
 * `approveSort` (or `skip`). Vault first for Unsorted: meanwhile its `Unsorted/` entry is copied
 * to the vault and verified, and the person is told whether it is safe there.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  sleep,
} from '@temporalio/workflow';
import { FailureType } from '../../domain/failures.js';
import type { PlannedMediaFile, VideoIdentity } from '../../domain/media.js';
import { failureMessage, failureType } from './failures.js';
import type { MediaItem } from './item.js';
import { enter } from './record.js';

/**
 * Vault first for Unsorted: an item that enters `awaiting-approval` from here on copies its
 * `Unsorted/` entry to the vault at once (histories recorded before take the old path).
 */
const VAULT_UNSORTED_PATCH = 'vault-unsorted-first';
/**
 * How long the awaiting-approval notification waits for the `Unsorted/` copy, so that it can say
 * the file is safe in the vault; past this it goes out saying the copy is still running.
 */
const APPROVAL_NOTICE_WAIT_MS = 10 * 60_000;

/**
 * Waits in `awaiting-approval` until `approveSort` places the item (returns it) or `skip` ends it.
 * Meanwhile the `Unsorted/` entry is copied to the vault and verified (vault first for Unsorted);
 * an approval stops a copy still running, and a verified copy is moved on the vault with the
 * placed files.
 */
export async function awaitApproval(
  item: MediaItem,
  reason: string,
  unsortedPath: string,
): Promise<PlannedMediaFile> {
  const s = item.status;
  s.reason = reason;
  s.libraryPath = unsortedPath;
  const vaultFirst = patched(VAULT_UNSORTED_PATCH);
  if (vaultFirst) {
    // Listed at once; the person is told once the copy can say whether the file is safe.
    await enter(item, 'awaiting-approval', 'vaulting', { unsortedPath });
    startUnsortedCopy(item, unsortedPath);
    void askForApproval(item);
  } else await enter(item, 'awaiting-approval', 'needs-approval');
  for (;;) {
    item.skipRequested = false;
    await item.waitFor(() => item.approval !== undefined || item.skipRequested);
    await stopUnsortedCopy(item);
    if (item.skipRequested && !item.approval) await item.endSkipped('awaiting-approval');
    const identity = item.approval as VideoIdentity;
    let refusal: unknown;
    const placed = await item.attempt('awaiting-approval', async () => {
      try {
        return await item.host('placeApproved')({ unsortedPath, identity });
      } catch (err) {
        // A target held by a different file (or no video to place) answers the caller's update
        // and the item keeps waiting.
        const type = failureType(err);
        if (type !== FailureType.DESTINATION_EXISTS && type !== FailureType.NO_MEDIA_MATCH) throw err;
        refusal = err;
        return undefined;
      }
    });
    if (!placed) {
      item.approvalOutcome = { error: failureMessage(refusal) };
      item.approval = undefined;
      s.reason = failureMessage(refusal);
      await enter(item, 'awaiting-approval', 'approval-failed');
      // Still waiting: an unfinished copy of the entry starts again.
      if (vaultFirst && s.unsortedVault?.state !== 'verified') startUnsortedCopy(item, unsortedPath);
      continue;
    }
    const { item: file } = placed;
    s.leftover = placed.leftover;
    await enter(item, 'awaiting-approval', 'placed', {
      unsortedPath,
      placed: [file.video.to, ...file.subtitles.map((sub) => sub.to)],
      removed: placed.removed ?? [],
      leftover: placed.leftover,
      ...(s.unsortedVault ? { unsortedVault: s.unsortedVault.state } : {}),
    });
    item.approvalOutcome = { libraryPath: file.video.to };
    item.approval = undefined;
    s.reason = undefined;
    s.suggestions = undefined;
    if (s.unsortedVault?.state === 'verified') await moveUnsortedCopy(item, file, placed.removed ?? []);
    s.unsortedVault = undefined;
    return file;
  }
}

/**
 * Starts copying the `Unsorted/` entry to the same path on the vault, verified, in a scope of
 * its own that an approval or a skip cancels ({@link stopUnsortedCopy}); the outcome goes into
 * the status (`unsortedVault`, `verification`) and, once the person was told, the catalog.
 */
function startUnsortedCopy(item: MediaItem, entry: string): void {
  const s = item.status;
  s.unsortedVault = { state: 'copying', entry };
  const scope = new CancellationScope();
  const recordOutcome = async () => {
    const copy = s.unsortedVault!;
    if (!item.approvalAsked) return; // `needs-approval` carries it
    const outcome = copy.state === 'verified' ? 'vault-verified' : 'vault-failed';
    await enter(item, 'awaiting-approval', outcome, { unsortedVault: copy });
  };
  const settled = scope
    .run(() => copyUnsorted(item, entry))
    .then(recordOutcome, (err: unknown) => {
      if (!isCancellation(err) && !scope.consideredCancelled) throw err;
      s.unsortedVault = undefined; // stopped for an approval or a skip
    });
  item.unsortedCopy = { scope, settled };
}

/** Copies and verifies the `Unsorted/` entry (in the daily upload window, when one is set). */
async function copyUnsorted(item: MediaItem, entry: string): Promise<void> {
  const s = item.status;
  try {
    const window = item.settings.policy.uploadWindow;
    const waitMs = window ? await item.host('msUntilUploadWindow')({ window }) : 0;
    if (window && waitMs > 0) {
      s.unsortedVault = {
        state: 'copying',
        entry,
        reason: `waiting for the upload window ${window.start}-${window.end}`,
      };
      await sleep(waitMs);
      s.unsortedVault = { state: 'copying', entry };
    }
    const copy = item.host(
      'copyAndVerify',
      `copy ${entry} to the vault and verify it`,
      // An approval waits for the host to stop the copy: no upload runs on behind the item's back.
      ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    );
    const about = { hostId: item.hostId, releaseName: s.releaseName, pinned: s.pinned };
    const result = await copy({ libraryPaths: [entry], force: false, round: 1, item: about, unsorted: true });
    if (result.match) {
      s.verification = result.verification;
      s.unsortedVault = { state: 'verified', entry, files: result.files };
    } else s.unsortedVault = { state: 'failed', entry, reason: result.reason };
  } catch (err) {
    // A copy stopped for an approval may end as a failure (rclone killed), not as cancelled.
    const stopped = isCancellation(err) || CancellationScope.current().consideredCancelled;
    if (stopped || !(err instanceof ActivityFailure)) throw err;
    s.unsortedVault = { state: 'failed', entry, reason: failureMessage(err) };
  }
}

/** Stops a copy of the `Unsorted/` entry still running, and waits until it has settled. */
async function stopUnsortedCopy(item: MediaItem): Promise<void> {
  const copy = item.unsortedCopy;
  if (!copy) return;
  item.unsortedCopy = undefined;
  copy.scope.cancel();
  await copy.settled;
}

/**
 * Records `needs-approval` (it opens the awaiting-approval notification) once the `Unsorted/`
 * copy has settled, so the message says whether the file is safe, or after
 * {@link APPROVAL_NOTICE_WAIT_MS} saying it is still being copied; not when the person already
 * answered.
 */
async function askForApproval(item: MediaItem): Promise<void> {
  const s = item.status;
  await condition(
    () =>
      s.unsortedVault?.state !== 'copying' || item.approval !== undefined || item.skipRequested || item.ended,
    APPROVAL_NOTICE_WAIT_MS,
  );
  if (item.approval !== undefined || item.skipRequested || item.ended || s.stage !== 'awaiting-approval')
    return;
  item.approvalAsked = true;
  await enter(
    item,
    'awaiting-approval',
    'needs-approval',
    s.unsortedVault ? { unsortedVault: s.unsortedVault } : {},
  );
}

/**
 * After an approval: the verified vault copy of the placed files moves server-side from
 * `Unsorted/` to their library paths (the copy that follows finds them there and uploads
 * nothing), and that of the junk removed with the entry goes to the vault trash.
 */
async function moveUnsortedCopy(item: MediaItem, file: PlannedMediaFile, removed: string[]): Promise<void> {
  const moves = [file.video, ...file.subtitles].map(({ from, to }) => ({ from, to }));
  await item.attempt('copying', () => item.remote().moveVaultCopy({ moves }));
  if (removed.length)
    await item.attempt('copying', () => item.remote().trashVaultCopies({ libraryPaths: removed }));
  item.expectOnVault = true;
}
