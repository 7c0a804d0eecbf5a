/**
 * Intake: an item takes its library path. A release from `Incoming/` is sorted in one host
 * activity (placed, kept in `Unsorted/` for a person — see `approval.ts` — or `damaged` while it
 * stays incomplete); a library file starts where it is. A season pack's other episodes get their
 * own items.
 */
import { ParentClosePolicy, patched, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { SortReleaseResult } from '../../activities/item/activities.js';
import type { PlannedMediaFile } from '../../domain/media.js';
import { MEDIA_ITEM_WORKFLOW } from '../../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import { catalog, settingsActivities } from '../activity-options.js';
import { awaitApproval } from './approval.js';
import { Ended, type MediaItem } from './item.js';
import { enter, show, stageRow } from './record.js';
import type { mediaItemWorkflowV2 } from './workflow.js';

/** Patch of the `damaged` stage (`keepDamaged`): a sort that answers `damaged`. */
const INTAKE_DAMAGED_PATCH = 'intake-damaged';

/**
 * Reads the settings as the run starts. A first run on an `Incoming/` release records
 * `sorting`/`entered` in the same local activity (in the catalog before the host works on it:
 * an item waiting for a dead host is listed).
 */
export async function begin(item: MediaItem): Promise<void> {
  const { origin } = item.input;
  if (item.input.carried || origin.kind !== 'incoming' || !item.stageRowsWithWork()) {
    await item.readSettings();
    return;
  }
  item.status.releaseName = origin.releasePath.split('/').pop();
  const entered = stageRow(item, 'sorting', 'entered', { releasePath: origin.releasePath });
  item.settingsAskedAtMs = Date.now();
  item.settings = await settingsActivities.itemSettings({ enter: entered });
  show(item, 'sorting');
  item.sortingRecorded = true;
}

/** Takes the item to its library path: sorts an `Incoming/` release, or starts from the library file. */
export async function start(item: MediaItem): Promise<void> {
  const { origin, carried } = item.input;
  if (carried) {
    // A continued run: the state is carried. An item moved from the retired type while it awaited
    // approval (`vaultarr items migrate`, see `CarriedItemState.awaitingApproval`) waits again first.
    const waiting = carried.awaitingApproval;
    if (waiting) place(item, await awaitApproval(item, waiting.reason, waiting.unsortedPath));
    return;
  }
  if (origin.kind === 'library') {
    item.status.libraryPath = origin.libraryPath;
    item.status.subtitlePaths = origin.subtitlePaths ?? [];
    item.identify(origin.identity);
    // The copy records its round when it starts (see copyRound).
    return;
  }
  place(item, await sort(item, origin.releasePath));
}

/** The item carries on with this media file (sorted, or placed on approval). */
function place(item: MediaItem, placed: PlannedMediaFile): void {
  item.status.libraryPath = placed.video.to;
  item.status.subtitlePaths = placed.subtitles.map((s) => s.to);
  item.identify(placed.identity);
}

/** Sorts a release in one host activity; returns the media file this item carries on with. */
async function sort(item: MediaItem, releasePath: string): Promise<PlannedMediaFile> {
  const s = item.status;
  s.releaseName = releasePath.split('/').pop();
  // In the catalog before the host works on it: an item waiting for a dead host is listed.
  if (!item.sortingRecorded) await enter(item, 'sorting', 'entered', { releasePath });
  item.sortingRecorded = false;
  const enterCopying = item.stageRowsWithWork();
  let sorted = await item.attempt('sorting', () =>
    item.host('sortRelease')({
      releasePath,
      hostId: item.hostId,
      ...(enterCopying ? { enterCopying } : {}),
    }),
  );
  while (sorted.kind === 'damaged') sorted = await keepDamaged(item, sorted, enterCopying);
  if (sorted.kind === 'unsorted') {
    if (sorted.suggestions?.length) s.suggestions = sorted.suggestions;
    return awaitApproval(item, sorted.reason, sorted.unsortedPath);
  }
  const { plan, workflowIds, placed } = sorted;
  const [first, ...others] = plan.items;
  await Promise.all(
    others.map((other) =>
      startChild<typeof mediaItemWorkflowV2>(MEDIA_ITEM_WORKFLOW, {
        workflowId: workflowIds[other.video.to]!,
        args: [
          {
            hostId: item.hostId,
            origin: {
              kind: 'library',
              libraryPath: other.video.to,
              identity: other.identity,
              subtitlePaths: other.subtitles.map((sub) => sub.to),
            },
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: STAGE_ATTRIBUTE, value: 'copying' },
          { key: HOST_ATTRIBUTE, value: item.hostId },
        ],
      }).catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }),
    ),
  );
  // What left the release other than by a plain move is in the catalog's `placed` event; the
  // files kept in Unsorted/ are named in the status too.
  if (placed.leftover) s.leftover = placed.leftover;
  item.copyingRecorded = enterCopying && !placed.identical.includes(first!.video.to);
  if (placed.identical.includes(first!.video.to)) {
    const { workflowId: carrier } = await catalog.findLibraryItem({
      libraryPath: first!.video.to,
      exceptWorkflowId: workflowInfo().workflowId,
    });
    if (carrier) {
      item.identify(first!.identity);
      s.duplicateOf = carrier;
      s.reason = `a byte-identical copy of ${first!.video.to}, which item ${carrier} already carries: removed from Incoming/`;
      await enter(item, 'duplicate', 'duplicate', {
        libraryPath: first!.video.to,
        duplicateOf: carrier,
        removedFromIncoming: first!.video.from,
      });
      throw new Ended();
    }
  }
  return first!;
}

/**
 * Keeps a release that stayed incomplete (`sortRelease` kept it in `Unsorted/`) in `damaged`,
 * the reason in the status and the catalog, until `retry` looks at it again — returns what that
 * sort found: placed, unsorted, or damaged still — or `skip` ends the workflow. Nothing of it is
 * placed or copied meanwhile.
 */
async function keepDamaged(
  item: MediaItem,
  damaged: { reason: string; unsortedPath: string },
  enterCopying: boolean,
): Promise<SortReleaseResult> {
  // Only runs in histories whose sort answered `damaged`, which no earlier version did.
  patched(INTAKE_DAMAGED_PATCH);
  const s = item.status;
  s.reason = damaged.reason;
  s.libraryPath = damaged.unsortedPath;
  item.retryRequested = false;
  item.skipRequested = false;
  await enter(item, 'damaged', 'damaged', { unsortedPath: damaged.unsortedPath, failedStage: 'sorting' });
  await item.waitFor(() => item.retryRequested || item.skipRequested);
  if (item.skipRequested) await item.endSkipped('damaged');
  item.retryRequested = false;
  s.reason = undefined;
  await enter(item, 'sorting', 'retried', { releasePath: damaged.unsortedPath });
  return item.attempt('sorting', () =>
    item.host('sortRelease')({
      releasePath: damaged.unsortedPath,
      hostId: item.hostId,
      recheck: true,
      ...(enterCopying ? { enterCopying } : {}),
    }),
  );
}
