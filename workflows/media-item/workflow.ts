/**
 * `mediaItemWorkflowV2`: one media file's lifecycle, as a small state machine. The item's state
 * and the commands it was given live in one class, {@link MediaItem} (`item.ts`), and the stages
 * in one module per group (`intake.ts`, `approval.ts`, `vault.ts`, `announce.ts`, `library.ts`);
 * the workflow function only wires the handlers and runs the loop (the shape of Temporal's
 * `samples-typescript/message-passing/safe-message-handlers`). Its name is its type on the wire:
 * never rename it (see docs/development.md, "Changing workflow code").
 *
 * Stages: sorting → awaiting-approval (Unsorted, or a different file at the target; `approveSort`
 * places it) | damaged (incomplete for `intake.damagedAfterMinutes`: kept in Unsorted, never
 * placed; `retryItem` looks at it again, `skipItem` ends it) | copying (copy, then verify, in one host activity) → resident ⇄ evicting → evicted;
 * deleted when the file leaves the library. A permanent failure or repeated verification mismatch
 * parks the item in failed-needs-attention until `retryItem` (run the step again) or `skipItem`.
 *
 * What it costs: the stage activities record their own catalog rows (no catalog activity per
 * stage), search attributes are upserted only when they change, the janitor is signalled only
 * when the copy left the disk below its watermark, and the policy is read from the worker that
 * runs it (`itemSettings`, a local activity) when it starts work and again where a stale copy
 * would do harm (before announcing a copied file) — never frozen into the input.
 * A release's first catalog row (`sorting`/`entered`) goes in with that first read, and
 * `copying`/`entered` with the sort's own (from input revision 2, `MediaItemInput.revision`).
 * An item from `Incoming/` reaches `resident` in 22 history events (30 with a media server and a
 * peer): 19 (27) before the settings were read again, which adds that read, the patch's marker and
 * the SDK's `TemporalChangeVersion` upsert.
 */
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  approveSortUpdate,
  attachSubtitleUpdate,
  cancelSignal,
  deletedSignal,
  evictSignal,
  evictUpdate,
  leftoverTakenSignal,
  libraryFileImportedSignal,
  pinSignal,
  pinUpdate,
  renamedSignal,
  retrySignal,
  retryUpdate,
  skipSignal,
  skipUpdate,
  statusQuery,
  unpinSignal,
  unpinUpdate,
  type MediaItemInput,
  type MediaItemStatus,
} from '../../domain/messages.js';
import { begin, start } from './intake.js';
import { Ended, MediaItem } from './item.js';
import { attachSubtitle, leaveLibrary, rename } from './library.js';
import { enter } from './record.js';
import { evict, vault } from './vault.js';

/**
 * Carries one media file through its lifecycle. Started by the watcher (an `Incoming/` release),
 * by webhooks (a library file, with signal-with-start), by a season pack's own workflow, by
 * reconcile and by the migration of a retired item type, always so that duplicate triggers share
 * one run.
 *
 * @param input - host and origin; see {@link MediaItemInput}
 * @returns the final {@link MediaItemStatus} once the item is cancelled, skipped or deleted (the
 *   workflow stays open while the file lives)
 */
export async function mediaItemWorkflowV2(input: MediaItemInput): Promise<MediaItemStatus> {
  const item = new MediaItem(input);
  setHandler(statusQuery, () => item.status);
  for (const [action, signal, update] of [
    ['retry', retrySignal, retryUpdate],
    ['skip', skipSignal, skipUpdate],
    ['pin', pinSignal, pinUpdate],
    ['unpin', unpinSignal, unpinUpdate],
    ['evict', evictSignal, evictUpdate],
  ] as const) {
    setHandler(signal, () => void item.act(action));
    setHandler(update, () => item.act(action), { validator: () => item.validate(action) });
  }
  setHandler(cancelSignal, () => void item.act('cancel'));
  setHandler(libraryFileImportedSignal, (imported) => item.imported(imported));
  setHandler(renamedSignal, ({ libraryPath }) => item.renamed(libraryPath));
  setHandler(deletedSignal, (d) => item.deleted(d));
  setHandler(approveSortUpdate, (approval) => item.approve(approval), {
    validator: (approval) => item.validateApproval(approval),
  });
  setHandler(attachSubtitleUpdate, (input) => item.attach(input), {
    validator: (input) => item.validateAttach(input),
  });
  setHandler(leftoverTakenSignal, (taken) => item.leftoverTaken(taken));

  try {
    item.noteHistory();
    await begin(item);
    await start(item);
    for (;;) {
      await item.continueIfLong();
      if (await work(item)) continue;
      await item.waitFor(() => item.hasWork());
    }
  } catch (err) {
    if (!(err instanceof Ended)) throw err;
  }
  item.ended = true;
  await condition(allHandlersFinished);
  return item.status;
}

/** Carries out the commands received, in order of weight; false when there is nothing left. */
async function work(item: MediaItem): Promise<boolean> {
  if (item.deletion) await leaveLibrary(item, item.deletion);
  if (item.renameTo) {
    const to = item.renameTo;
    item.renameTo = undefined;
    await rename(item, to);
  }
  if (item.importPending) {
    item.importPending = false;
    item.needsCopy = true;
  }
  while (item.attachments.length) await attachSubtitle(item, item.attachments.shift()!);
  if (item.needsCopy) {
    item.needsCopy = false;
    await vault(item);
  }
  if (item.pinChanged) {
    item.pinChanged = false;
    await enter(item, item.status.stage, item.status.pinned ? 'pinned' : 'unpinned');
  }
  if (item.evictRequested && item.status.stage === 'resident') await evict(item);
  item.evictRequested = item.evictRequested && item.status.stage === 'resident';
  return Boolean(item.importPending || item.deletion || item.renameTo);
}
