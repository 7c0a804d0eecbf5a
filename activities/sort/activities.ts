/**
 * Sort activities (host task queue: they touch this host's `.Local`): plan a release, place its
 * files in the library, or park it in `Unsorted/`.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import {
  LIBRARY_FOLDERS,
  type VideoIdentity,
  type PlacedFile,
  type PlannedMediaFile,
  type SortPlan,
} from '../../domain/media.js';
import {
  DestinationExistsError,
  exists,
  isPartialName,
  listFiles,
  moveFileNoClobber,
  moveTreeNoClobber,
  sameContent,
} from '../../lib/files.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { planRelease } from './release-planner.js';

/** Dependencies of the sort activities. */
export interface SortDeps {
  /** Absolute local root (`.Local`). */
  localRoot: string;
  /** A release counts as complete once no file in it changed for this long, in ms. */
  settleMs: number;
}

/** Input of `planSort`. */
export interface PlanSortInput {
  /** Release path relative to the local root, under `Incoming/`. */
  releasePath: string;
}

/** Output of `planSort`: the plan, plus the workflow ID of each planned media file. */
export interface PlanSortResult {
  plan: SortPlan;
  /** Workflow IDs by library path of each planned video (`media:<sha1 of library path>`). */
  workflowIds: Record<string, string>;
}

/** Input of `placeRelease`. */
export interface PlaceReleaseInput {
  releasePath: string;
  /** Every file to move (videos and subtitles of all planned items). */
  files: PlacedFile[];
}

/** Input of `placeApproved`. */
export interface PlaceApprovedInput {
  /** The item's entry in `Unsorted/` (file or folder), library-relative. */
  unsortedPath: string;
  /** What a human said it is. */
  identity: VideoIdentity;
}

/** Input of `moveToUnsorted`. */
export interface MoveToUnsortedInput {
  releasePath: string;
}

/**
 * Creates the sort activities.
 *
 * @param deps - local root and settle time
 */
export function createSortActivities(deps: SortDeps) {
  const { localRoot, settleMs } = deps;

  const resolve = (relativePath: string): string => resolveInRoot(localRoot, relativePath);

  /**
   * Lists a release in `Incoming/` and plans where each of its files goes.
   *
   * @returns the {@link SortPlan} and workflow IDs of its media files
   * @throws ApplicationFailure `RELEASE_INCOMPLETE` (retried) while a file has a partial name or
   *   changed within the settle time; `SOURCE_MISSING` (not retried) when the release is gone;
   *   `INVALID_INPUT` / `PATH_ESCAPES_ROOT` (not retried) for a path outside `Incoming/`
   */
  async function planSort(input: PlanSortInput): Promise<PlanSortResult> {
    if (!input.releasePath.startsWith(`${LIBRARY_FOLDERS.incoming}/`)) {
      throw permanentFailure(
        FailureType.INVALID_INPUT,
        `release path ${input.releasePath} is not under Incoming/`,
      );
    }
    const abs = resolve(input.releasePath);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw permanentFailure(FailureType.SOURCE_MISSING, `release ${input.releasePath} is gone`);
    }
    const isFolder = info.isDirectory();
    const files = isFolder
      ? await listFiles(abs)
      : [{ path: path.basename(abs), sizeBytes: info.size, mtimeMs: info.mtimeMs }];
    const now = Date.now();
    const busy = files.filter((f) => isPartialName(path.basename(f.path)) || now - f.mtimeMs < settleMs);
    if (busy.length > 0 || (isFolder && now - info.mtimeMs < settleMs)) {
      throw ApplicationFailure.create({
        type: FailureType.RELEASE_INCOMPLETE,
        message: `release ${input.releasePath} is still being written (${busy.map((f) => f.path).join(', ') || 'folder changed'})`,
      });
    }
    const plan = planRelease({ releasePath: input.releasePath, isFolder, files });
    const workflowIds: Record<string, string> = {};
    if (plan.kind === 'matched') {
      for (const item of plan.items) workflowIds[item.video.to] = mediaItemWorkflowId(item.video.to);
    }
    return { plan, workflowIds };
  }

  /**
   * Moves every planned file of a release into the library, never overwriting: all targets are
   * checked first, and if any holds a different file nothing moves. Then the rest of the release
   * folder (samples, `.nfo`, junk) is removed. Safe to retry: files already in place count as done.
   *
   * @returns the files placed
   * @throws ApplicationFailure `DESTINATION_EXISTS` (not retried) with `details[0].conflicts`
   *   listing the targets held by different files; `SOURCE_MISSING` (not retried) when a source
   *   and its target are both gone
   */
  async function placeRelease(input: PlaceReleaseInput): Promise<{ placed: PlacedFile[] }> {
    const ctx = Context.current();
    const conflicts: string[] = [];
    for (const file of input.files) {
      const from = resolve(file.from);
      const to = resolve(file.to);
      const [haveFrom, haveTo] = await Promise.all([exists(from), exists(to)]);
      if (!haveFrom && !haveTo) throw permanentFailure(FailureType.SOURCE_MISSING, `${file.from} is gone`);
      if (haveFrom && haveTo && !(await sameContent(from, to))) conflicts.push(file.to);
      ctx.heartbeat({ checked: file.to });
    }
    if (conflicts.length > 0) {
      throw permanentFailure(
        FailureType.DESTINATION_EXISTS,
        `a different file already exists at ${conflicts.join(', ')}`,
        { conflicts },
      );
    }
    for (const file of input.files) {
      try {
        await moveFileNoClobber(resolve(file.from), resolve(file.to));
      } catch (err) {
        if (err instanceof DestinationExistsError) {
          throw permanentFailure(FailureType.DESTINATION_EXISTS, err.message, { conflicts: [file.to] });
        }
        throw err;
      }
      ctx.heartbeat({ placed: file.to });
    }
    const release = resolve(input.releasePath);
    if (await exists(release)) {
      if ((await stat(release)).isDirectory()) await rm(release, { recursive: true, force: true });
    }
    return { placed: input.files };
  }

  /**
   * Places an `Unsorted/` entry as the identity a human approved (the `approveSort` update): its
   * largest video and the subtitles that follow it go to the library path of that identity.
   *
   * @returns the placed media file
   * @throws ApplicationFailure `DESTINATION_EXISTS` (not retried) when a different file holds the
   *   target; `NO_MEDIA_MATCH` (not retried) when the entry holds no video; `SOURCE_MISSING`,
   *   `INVALID_INPUT` (not retried)
   */
  async function placeApproved(input: PlaceApprovedInput): Promise<{ item: PlannedMediaFile }> {
    if (!input.unsortedPath.startsWith(`${LIBRARY_FOLDERS.unsorted}/`)) {
      throw permanentFailure(FailureType.INVALID_INPUT, `${input.unsortedPath} is not under Unsorted/`);
    }
    const abs = resolve(input.unsortedPath);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw permanentFailure(FailureType.SOURCE_MISSING, `${input.unsortedPath} is gone`);
    }
    const isFolder = info.isDirectory();
    const files = isFolder
      ? await listFiles(abs)
      : [{ path: path.basename(abs), sizeBytes: info.size, mtimeMs: info.mtimeMs }];
    const plan = planRelease({ releasePath: input.unsortedPath, isFolder, files }, input.identity);
    if (plan.kind !== 'matched')
      throw permanentFailure(FailureType.NO_MEDIA_MATCH, `${input.unsortedPath}: ${plan.reason}`);
    const item = plan.items[0]!;
    await placeRelease({ releasePath: input.unsortedPath, files: [item.video, ...item.subtitles] });
    return { item };
  }

  /**
   * Moves a release as it is to `Unsorted/<original name>` (or `Unsorted/<name> (2)` ... when that
   * name is taken by something else). Safe to retry: a release already moved is found there.
   *
   * @returns the library-relative path of the `Unsorted/` entry
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when the release is gone
   */
  async function moveToUnsorted(input: MoveToUnsortedInput): Promise<{ unsortedPath: string }> {
    const name = path.basename(input.releasePath);
    const from = resolve(input.releasePath);
    const isFolder = (await exists(from)) && (await stat(from)).isDirectory();
    const ext = isFolder ? '' : path.extname(name);
    const base = name.slice(0, name.length - ext.length);
    for (let n = 1; n < 100; n++) {
      const candidate = `${LIBRARY_FOLDERS.unsorted}/${n === 1 ? name : `${base} (${n})${ext}`}`;
      const to = resolve(candidate);
      if (!(await exists(from))) {
        if (await exists(to)) return { unsortedPath: candidate };
        throw permanentFailure(FailureType.SOURCE_MISSING, `release ${input.releasePath} is gone`);
      }
      if (await exists(to)) continue;
      try {
        await moveTreeNoClobber(from, to);
        return { unsortedPath: candidate };
      } catch (err) {
        if (err instanceof DestinationExistsError) continue;
        throw err;
      }
    }
    throw permanentFailure(FailureType.DESTINATION_EXISTS, `no free name in Unsorted/ for ${name}`);
  }

  return { planSort, placeRelease, placeApproved, moveToUnsorted };
}

/** The sort activities' functions, for `proxyActivities<SortActivities>`. */
export type SortActivities = ReturnType<typeof createSortActivities>;
