/**
 * Sort activities (host task queue: they touch this host's `.Local`): plan a release, place its
 * files in the library, or park it in `Unsorted/`.
 */
import { Context } from '@temporalio/activity';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import {
  LIBRARY_FOLDERS,
  type VideoIdentity,
  type PlacedFile,
  type PlannedMediaFile,
} from '../../domain/media.js';
import type { Config } from '../../lib/config.js';
import {
  DestinationExistsError,
  exists,
  listFiles,
  moveFileNoClobber,
  moveTreeNoClobber,
  sameContent,
} from '../../lib/files.js';
import type { PathHolder } from '../catalog/activities.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { fileIo } from '../progress.js';
import { readJournal, writeJournal } from './journal.js';
import { createTitleSources, type TitleSources } from './known-titles.js';
import { createPlanSort } from './plan-sort.js';
import {
  isJunkFile,
  planRelease,
  SUBTITLE_EXTENSIONS,
  subtitleSuffix,
  VIDEO_EXTENSIONS,
} from './release-planner.js';

export type { PlanSortInput, PlanSortResult } from './plan-sort.js';

/**
 * The sort activities' settings, from config `library` and `intake`:
 * - `localRoot`: the absolute local root (`.Local`);
 * - `settleMs`: a release counts as complete only once nothing in it changed for this long
 *   (`intake.settleSeconds`), among the other signs of `./completeness.ts`;
 * - `damagedAfterMs`: a release that stays incomplete with no writer at work for this long is
 *   damaged (`intake.damagedAfterMinutes`): `planSort` fails with `RELEASE_DAMAGED`;
 * - `ffprobeBinary`: the `ffprobe` command that checks video containers (`intake.ffprobeBinary`).
 */
export function sortSettings(config: Config) {
  return {
    localRoot: config.library.localRoot,
    settleMs: Math.round(config.intake.settleSeconds * 1000),
    damagedAfterMs: Math.round(config.intake.damagedAfterMinutes * 60_000),
    ffprobeBinary: config.intake.ffprobeBinary,
  };
}

/** What {@link sortSettings} returns. */
export type SortSettings = ReturnType<typeof sortSettings>;

/** Dependencies of the sort activities. */
export interface SortDeps {
  settings: SortSettings;
  /** Known titles and *arr answers (default: the library's own folders only, see `createTitleSources`). */
  titles?: TitleSources;
  /**
   * The catalog's live items, other than the given workflow's, at library paths (default none:
   * only `.Local` is looked at). A target free on this disk may still belong to an item evicted
   * to the vault, or carried by another host: placing a file there would overwrite its vault copy.
   */
  holders?: (libraryPaths: string[], workflowId: string) => Promise<PathHolder[]>;
}

/** Input of `placeRelease`. */
export interface PlaceReleaseInput {
  releasePath: string;
  /** Every file to move (videos and subtitles of all planned items). */
  files: PlacedFile[];
}

/** What the rest of a release folder became once its media files were placed. */
export interface ReleaseLeftover {
  /** The `Unsorted/` entry holding what was left (moved there as it was), library-relative. */
  unsortedPath: string;
  /** Every file left there, relative to that entry. */
  files: string[];
}

/** Output of `placeRelease` (and, for its placement, of `placeApproved`). */
export interface PlaceReleaseResult {
  placed: PlacedFile[];
  /**
   * Targets that already held a separate, byte-identical file (same size and sha256): the
   * release's copy was removed instead of moved (library-relative target paths).
   */
  identical: string[];
  /** Junk files deleted with the emptied release folder (by the rule of `isJunkFile`), root-relative. */
  removed: string[];
  /** Files left that are not junk (unmatched subtitles, extras, anything unknown): kept in `Unsorted/`. */
  leftover?: ReleaseLeftover;
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

/** True when both paths are the same inode (a hard link made by an interrupted move). */
async function sameInode(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Creates the sort activities.
 *
 * @param deps - the settings (see {@link sortSettings}), title sources and the catalog's path holders
 */
export function createSortActivities(deps: SortDeps) {
  const { localRoot } = deps.settings;
  const titles = deps.titles ?? createTitleSources({ settings: { localRoot, vaultMount: undefined } });
  const { planSort } = createPlanSort({ settings: deps.settings, titles });

  const resolve = (relativePath: string): string => resolveInRoot(localRoot, relativePath);

  /** The workflow ID of the item an activity works for (the key of its journal records). */
  const itemId = (): string => {
    const info = Context.current().info;
    return info.workflowExecution?.workflowId ?? info.activityId;
  };

  /**
   * Moves a file or folder to `Unsorted/<name>` (or `<name> (2)` ... when taken), recording the
   * chosen entry for this item first, so a retry returns this item's entry and never another's.
   */
  async function moveKeyedToUnsorted(from: string, name: string, step: string): Promise<string> {
    const id = itemId();
    const recorded = await readJournal<{ unsortedPath: string }>(localRoot, id, step);
    const recordedThere = recorded ? await exists(resolve(recorded.unsortedPath)) : false;
    if (!(await exists(from))) {
      if (recorded && recordedThere) return recorded.unsortedPath;
      throw permanentFailure(FailureType.SOURCE_MISSING, `${path.relative(localRoot, from)} is gone`);
    }
    const isFolder = (await stat(from)).isDirectory();
    if (recorded && recordedThere && isFolder) {
      // An earlier attempt was moving the folder file by file (across filesystems): finish it.
      for (const file of await listFiles(from))
        await moveFileNoClobber(
          path.join(from, file.path),
          path.join(resolve(recorded.unsortedPath), file.path),
          fileIo('moving', file.sizeBytes, recorded.unsortedPath),
        );
      await rm(from, { recursive: true, force: true });
      return recorded.unsortedPath;
    }
    const ext = isFolder ? '' : path.extname(name);
    const base = name.slice(0, name.length - ext.length);
    for (let n = 1; n < 100; n++) {
      const candidate = `${LIBRARY_FOLDERS.unsorted}/${n === 1 ? name : `${base} (${n})${ext}`}`;
      const to = resolve(candidate);
      if (await exists(to)) continue;
      await writeJournal(localRoot, id, step, { unsortedPath: candidate });
      try {
        await moveTreeNoClobber(from, to, fileIo('moving', 0, candidate));
        return candidate;
      } catch (err) {
        if (err instanceof DestinationExistsError) continue;
        throw err;
      }
    }
    throw permanentFailure(FailureType.DESTINATION_EXISTS, `no free name in Unsorted/ for ${name}`);
  }

  /**
   * Moves every planned file of a release into the library, never overwriting: all targets are
   * checked first, and if any holds a different file nothing moves. A target that already holds a
   * separate, byte-identical file (same size and sha256) keeps it, and the release's copy is
   * removed (reported in `identical` and logged). Then the rest of the release folder: when all of
   * it is junk by the stated rule ({@link isJunkFile}) the folder is removed and every removed file
   * listed (result and log); otherwise nothing is deleted and what is left moves as it is to
   * `Unsorted/<release name>` (an entry already in `Unsorted/` stays where it is). Safe to retry:
   * files already in place count as done, and what an earlier attempt removed or moved is read
   * back from the item's journal.
   *
   * @returns the files placed, identical copies removed, junk removed and the leftover entry
   * @throws ApplicationFailure `DESTINATION_EXISTS` (not retried) with `details[0].conflicts`
   *   listing the targets held by different files, or free on this disk but held by another live
   *   item of the catalog (evicted to the vault, or carried by another host: see
   *   {@link SortDeps.holders}); `SOURCE_MISSING` (not retried) when a source and its target are
   *   both gone
   */
  async function placeRelease(input: PlaceReleaseInput): Promise<PlaceReleaseResult> {
    const ctx = Context.current();
    const step = `place:${input.releasePath}`;
    const journal: Omit<PlaceReleaseResult, 'placed'> = (await readJournal(localRoot, itemId(), step)) ?? {
      identical: [],
      removed: [],
    };
    const conflicts: string[] = [];
    const identical: PlacedFile[] = [];
    const free: string[] = [];
    for (const file of input.files) {
      const from = resolve(file.from);
      const to = resolve(file.to);
      const [haveFrom, haveTo] = await Promise.all([exists(from), exists(to)]);
      if (!haveFrom && !haveTo) throw permanentFailure(FailureType.SOURCE_MISSING, `${file.from} is gone`);
      if (haveFrom && haveTo) {
        if (!(await sameContent(from, to, fileIo('comparing', 0, file.to)))) conflicts.push(file.to);
        else if (!(await sameInode(from, to))) identical.push(file); // not our own half-done move
      } else if (haveFrom) free.push(file.to);
    }
    if (conflicts.length > 0) {
      throw permanentFailure(
        FailureType.DESTINATION_EXISTS,
        `a different file already exists at ${conflicts.join(', ')}`,
        { conflicts },
      );
    }
    const held = deps.holders && free.length > 0 ? await deps.holders(free, itemId()) : [];
    if (held.length > 0) {
      const where = (h: PathHolder) =>
        h.stage === 'evicted' || h.stage === 'evicting'
          ? 'evicted from this disk: the vault holds its only copy'
          : `carried by host ${h.hostId} (${h.stage})`;
      throw permanentFailure(
        FailureType.DESTINATION_EXISTS,
        `${held
          .map((h) => `${h.libraryPath} already belongs to item ${h.workflowId}, ${where(h)}`)
          .join('; ')}; placing this release there would overwrite its vault copy`,
        { conflicts: [...new Set(held.map((h) => h.libraryPath))] },
      );
    }
    if (identical.length > 0) {
      journal.identical = [...new Set([...journal.identical, ...identical.map((f) => f.to)])];
      await writeJournal(localRoot, itemId(), step, journal);
    }
    for (const file of input.files) {
      try {
        await moveFileNoClobber(resolve(file.from), resolve(file.to), fileIo('moving', 0, file.to));
      } catch (err) {
        if (err instanceof DestinationExistsError) {
          throw permanentFailure(FailureType.DESTINATION_EXISTS, err.message, { conflicts: [file.to] });
        }
        throw err;
      }
      if (identical.includes(file)) {
        ctx.log.info(`removed ${file.from}: a byte-identical copy of ${file.to}, already in the library`, {
          from: file.from,
          libraryPath: file.to,
        });
      }
    }
    const release = resolve(input.releasePath);
    const leftoverStep = `leftover:${input.releasePath}`;
    if (!(await exists(release)) && !journal.leftover) {
      // An earlier attempt may have moved the leftover and lost its answer before recording it.
      const moved = await readJournal<{ unsortedPath: string }>(localRoot, itemId(), leftoverStep);
      const entry = moved && resolve(moved.unsortedPath);
      if (entry && (await exists(entry)) && (await stat(entry)).isDirectory()) {
        journal.leftover = {
          unsortedPath: moved.unsortedPath,
          files: (await listFiles(entry)).map((f) => f.path),
        };
      }
    }
    if ((await exists(release)) && (await stat(release)).isDirectory()) {
      const left = (await listFiles(release)).map((f) => f.path);
      if (left.every(isJunkFile)) {
        journal.removed = [...new Set([...journal.removed, ...left.map((f) => `${input.releasePath}/${f}`)])];
        if (left.length > 0) await writeJournal(localRoot, itemId(), step, journal);
        await rm(release, { recursive: true, force: true });
        if (left.length > 0) {
          ctx.log.info(`removed the junk left in ${input.releasePath}: ${left.join(', ')}`, {
            releasePath: input.releasePath,
            removed: journal.removed,
          });
        }
      } else {
        const unsortedPath = input.releasePath.startsWith(`${LIBRARY_FOLDERS.unsorted}/`)
          ? input.releasePath
          : await moveKeyedToUnsorted(release, path.basename(release), leftoverStep);
        journal.leftover = { unsortedPath, files: left };
        await writeJournal(localRoot, itemId(), step, journal);
        ctx.log.info(`kept what ${input.releasePath} held besides its media files in ${unsortedPath}`, {
          releasePath: input.releasePath,
          unsortedPath,
          files: left,
        });
      }
    }
    return { placed: input.files, ...journal };
  }

  /**
   * Places an `Unsorted/` entry as the identity a human approved (the `approveSort` update): its
   * largest video and the subtitles that follow it go to the library path of that identity.
   *
   * @returns the placed media file, and what {@link placeRelease} did with the rest of the entry
   * @throws ApplicationFailure `DESTINATION_EXISTS` (not retried) when a different file or another
   *   live item holds the target (as for {@link placeRelease}); `NO_MEDIA_MATCH` (not retried)
   *   when the entry holds no video; `SOURCE_MISSING`, `INVALID_INPUT` (not retried)
   */
  async function placeApproved(
    input: PlaceApprovedInput,
  ): Promise<{ item: PlannedMediaFile } & Omit<PlaceReleaseResult, 'placed'>> {
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
    const { placed: _placed, ...rest } = await placeRelease({
      releasePath: input.unsortedPath,
      files: [item.video, ...item.subtitles],
    });
    return { item, ...rest };
  }

  /**
   * Moves a release as it is to `Unsorted/<original name>` (or `Unsorted/<name> (2)` ... when that
   * name is taken by something else). The entry chosen is recorded for this item (its workflow ID)
   * before the move, so a retry after a lost completion returns this item's entry, never another
   * item's that happens to carry the same name.
   *
   * @returns the library-relative path of the `Unsorted/` entry
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when the release is gone and this
   *   item moved nothing to `Unsorted/`; `DESTINATION_EXISTS` (not retried) when no free name is left
   */
  async function moveToUnsorted(input: MoveToUnsortedInput): Promise<{ unsortedPath: string }> {
    const from = resolve(input.releasePath);
    const unsortedPath = await moveKeyedToUnsorted(from, path.basename(input.releasePath), 'unsorted');
    return { unsortedPath };
  }

  /**
   * Moves a subtitle kept in `Unsorted/` (a release's leftover) next to a library video, named as
   * the sorter names the subtitles it places (`<video stem>.<lang>[.<flags>].<ext>`, language and
   * flags read from the subtitle's name, e.g. `Subs/2_English.srt` → `.en.srt`), never
   * overwriting; folders it leaves empty inside its `Unsorted/` entry are removed. Safe to retry:
   * a subtitle already moved there (source gone, same target) counts as done.
   *
   * @param input.from - the subtitle, library-relative, under `Unsorted/`
   * @param input.video - the video it is to follow, library-relative (on this disk)
   * @returns the subtitle's library path
   * @throws ApplicationFailure `INVALID_INPUT` (not retried) when `from` is not a subtitle under
   *   `Unsorted/` or `video` is not a video; `SOURCE_MISSING` (not retried) when the subtitle or
   *   the video is not on this disk; `DESTINATION_EXISTS` (not retried) when a different file
   *   holds the target; `PATH_ESCAPES_ROOT` (not retried)
   */
  async function attachSubtitle(input: { from: string; video: string }): Promise<{ to: string }> {
    const ext = path.extname(input.from).slice(1).toLowerCase();
    if (!input.from.startsWith(`${LIBRARY_FOLDERS.unsorted}/`) || !SUBTITLE_EXTENSIONS.has(ext))
      throw permanentFailure(FailureType.INVALID_INPUT, `${input.from} is not a subtitle in Unsorted/`);
    const videoExt = path.extname(input.video);
    if (!VIDEO_EXTENSIONS.has(videoExt.slice(1).toLowerCase()))
      throw permanentFailure(FailureType.INVALID_INPUT, `${input.video} is not a video`);
    const suffix = subtitleSuffix(input.from);
    const to = `${input.video.slice(0, -videoExt.length)}${suffix ? `.${suffix}` : ''}.${ext}`;
    const [from, target] = [resolve(input.from), resolve(to)];
    if (!(await exists(resolve(input.video))))
      throw permanentFailure(FailureType.SOURCE_MISSING, `${input.video} is not on this disk`);
    if (!(await exists(from))) {
      if (await exists(target)) return { to }; // an earlier attempt moved it
      throw permanentFailure(FailureType.SOURCE_MISSING, `${input.from} is gone`);
    }
    try {
      await moveFileNoClobber(from, target, fileIo('moving', 0, to));
    } catch (err) {
      if (!(err instanceof DestinationExistsError)) throw err;
      throw permanentFailure(FailureType.DESTINATION_EXISTS, `a different file already exists at ${to}`, {
        conflicts: [to],
      });
    }
    // Tidy the entry: folders the move emptied go, up to (not including) Unsorted/ itself.
    const unsorted = resolve(LIBRARY_FOLDERS.unsorted);
    for (let dir = path.dirname(from); dir.startsWith(`${unsorted}/`); dir = path.dirname(dir)) {
      if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
      await rmdir(dir).catch(() => undefined);
    }
    return { to };
  }

  return { planSort, placeRelease, placeApproved, moveToUnsorted, attachSubtitle };
}

/** The sort activities' functions, for `proxyActivities<SortActivities>`. */
export type SortActivities = ReturnType<typeof createSortActivities>;
