/**
 * What happens to the file in the library after it is placed: an *arr renames it (its vault copy
 * follows), deletes it (its vault copy goes to the trash and the item ends), or a person attaches
 * a subtitle to it.
 */
import { getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { FailureType } from '../../domain/failures.js';
import { leftoverTakenSignal, type LibraryDelete } from '../../domain/messages.js';
import { catalog } from '../activity-options.js';
import { folderOf } from '../scan-targets.js';
import { announce } from './announce.js';
import { failureMessage, failureType } from './failures.js';
import { Ended, type AttachRequest, type MediaItem } from './item.js';
import { enter } from './record.js';

/** Patch: a rename first asks the catalog whether another item carries the target path. */
const RENAME_REFUSES_CARRIED_PATH = 'rename-refuses-carried-path';

/** `a/b/Old - S01E01.en.srt` renamed with its video `a/b/Old - S01E01.mkv` → `c/New - S01E01.mkv`. */
export function followRename(subtitle: string, oldVideo: string, newVideo: string): string {
  const oldStem = oldVideo.replace(/\.[^./]+$/, '');
  const newStem = newVideo.replace(/\.[^./]+$/, '');
  return subtitle.startsWith(oldStem) ? newStem + subtitle.slice(oldStem.length) : subtitle;
}

/** Moves the vault copy (and the subtitles') after the *arr renamed the file to `to`; tells whom it concerns. */
export async function rename(item: MediaItem, to: string): Promise<void> {
  const s = item.status;
  const from = s.libraryPath!;
  const back = s.stage;
  // One library path, one item: a rename onto a path another item carries (a webhook that raced
  // the API's check, or a signal sent by hand) would replace that item's vault copy. Refused,
  // recorded; the file stays where the catalog says.
  if (to !== from && patched(RENAME_REFUSES_CARRIED_PATH)) {
    const { workflowId: carrier } = await catalog.findLibraryItem({
      libraryPath: to,
      exceptWorkflowId: workflowInfo().workflowId,
    });
    if (carrier) {
      await enter(item, back, 'rename-refused', {
        from,
        to,
        carrier,
        reason: `${to} belongs to item ${carrier}; renaming onto it would replace that item's vault copy`,
      });
      return;
    }
  }
  const subtitleMoves = s.subtitlePaths.map((sub) => ({ from: sub, to: followRename(sub, from, to) }));
  await item.attempt(s.stage, () => item.remote().moveVaultCopy({ moves: [{ from, to }, ...subtitleMoves] }));
  s.libraryPath = to;
  s.subtitlePaths = subtitleMoves.map((m) => m.to);
  const moved = folderOf(from) !== folderOf(to);
  const told = await announce(
    item,
    moved
      ? [
          { folder: folderOf(from), updateType: 'Deleted' },
          { folder: folderOf(to), updateType: 'Created' },
        ]
      : [{ folder: folderOf(to), updateType: 'Modified' }],
    'renamed',
    from,
  );
  await enter(item, back, 'renamed', {
    from,
    to,
    ...told,
  });
}

/** The file left the library: its vault copy goes to the trash, whom it concerns is told, the item ends. */
export async function leaveLibrary(item: MediaItem, d: LibraryDelete): Promise<never> {
  const s = item.status;
  const placed = s.libraryPath && s.stage !== 'awaiting-approval';
  if (placed && !d.vaultCopyTrashed) {
    const libraryPaths = [s.libraryPath!, ...s.subtitlePaths];
    await item.attempt(s.stage, () => item.remote().trashVaultCopies({ libraryPaths }));
  }
  const told = placed
    ? await announce(item, [{ folder: folderOf(s.libraryPath!), updateType: 'Deleted' }], 'deleted')
    : undefined;
  s.reason = d.reason;
  await enter(item, 'deleted', 'deleted', { vaultCopyTrashed: true, ...told });
  throw new Ended();
}

/**
 * Moves a subtitle from `Unsorted/` next to the video (a host activity) and answers its update;
 * the subtitle joins the item's subtitles and the copy that follows vaults it (the video's
 * vault copy matches and is not uploaded again). A refusal (not a subtitle, gone, a different
 * file at the target) answers the update and changes nothing.
 */
export async function attachSubtitle(item: MediaItem, request: AttachRequest): Promise<void> {
  const s = item.status;
  const { from, leftoverOf } = request.input;
  let refusal: unknown;
  const attached = await item.attempt(s.stage, async () => {
    try {
      return await item.host('attachSubtitle')({ from, video: s.libraryPath! });
    } catch (err) {
      const type = failureType(err);
      const refused: Array<string | undefined> = [
        FailureType.DESTINATION_EXISTS,
        FailureType.SOURCE_MISSING,
        FailureType.INVALID_INPUT,
      ];
      if (!refused.includes(type)) throw err;
      refusal = err;
      return undefined;
    }
  });
  if (!attached) {
    request.outcome = { error: failureMessage(refusal) };
    return;
  }
  if (!s.subtitlePaths.includes(attached.to)) s.subtitlePaths = [...s.subtitlePaths, attached.to];
  await enter(item, s.stage, 'subtitle-attached', { from, to: attached.to });
  request.outcome = { subtitlePath: attached.to };
  const taken = { from, to: attached.to };
  if (leftoverOf === workflowInfo().workflowId) item.leftoverTaken(taken);
  else if (leftoverOf)
    await getExternalWorkflowHandle(leftoverOf)
      .signal(leftoverTakenSignal, taken)
      .catch(() => undefined); // the release's item has ended: nothing lists the file any more
  item.needsCopy = true;
  item.contentChanged = true;
  item.expectOnVault = true;
}
