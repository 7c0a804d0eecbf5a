/**
 * The host activities of `mediaItemWorkflowV2`: each does one stage's whole work on this host and
 * records the stage change in the catalog itself, so an item costs one activity per stage in its
 * history (`sortRelease`, `copyAndVerify`) instead of a work activity plus a catalog activity.
 * They are made of the sort and vault activities' own functions, run in one attempt.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { stat, statfs } from 'node:fs/promises';
import type pg from 'pg';
import { FailureType } from '../../domain/failures.js';
import {
  LIBRARY_FOLDERS,
  type MediaIdentity,
  type PlacedFile,
  type SortPlan,
  type SortSuggestion,
} from '../../domain/media.js';
import type { VaultVerification } from '../../domain/messages.js';
import type { Config } from '../../lib/config.js';
import { listFiles } from '../../lib/files.js';
import { recordStageFromActivity } from '../catalog/activities.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { flushProgress, reportProgress } from '../progress.js';
import type { SortActivities } from '../sort/activities.js';
import type { PlaceReleaseResult } from '../sort/activities.js';
import { readJournal, writeJournal } from '../sort/journal.js';
import type { VaultActivities } from '../vault/activities.js';

/**
 * The item activities' settings: this host's local root (`library.localRoot`), and the janitor's
 * low watermark (free share of `.Local`, 0-1) when this host evicts (`eviction.enabled`;
 * `undefined` when it does not, and no copy ever asks the janitor to run).
 */
export function itemActivitySettings(config: Config) {
  return {
    localRoot: config.library.localRoot,
    evictionLowFreeRatio: config.eviction.enabled ? config.eviction.lowFreeRatio : undefined,
  };
}

/** What {@link itemActivitySettings} returns. */
export type ItemActivitySettings = ReturnType<typeof itemActivitySettings>;

/** Dependencies of the item activities. */
export interface ItemActivityDeps {
  pool: pg.Pool;
  /** This host's sort activities (unwrapped: they run inside `sortRelease`'s attempt). */
  sort: SortActivities;
  /** This host's vault activities (unwrapped: they run inside `copyAndVerify`'s attempt). */
  vault: VaultActivities;
  settings: ItemActivitySettings;
}

/**
 * What the catalog row written by an item activity says of the item besides its paths (those
 * come from the activity's own input).
 */
export interface CatalogItem {
  hostId: string;
  releaseName?: string;
  identity?: MediaIdentity;
  pinned?: boolean;
}

/** Input of `sortRelease`. */
export interface SortReleaseInput {
  /** `Incoming/<name>`, relative to the local root. */
  releasePath: string;
  hostId: string;
  /**
   * Also record `copying`/`entered` (round 1) once the item's video is placed and carried by this
   * item (not a byte-identical copy of a library file): the stage the workflow goes to next, in
   * this activity rather than a local activity of its own. Absent in histories from before.
   */
  enterCopying?: boolean;
  /**
   * The item's `retry` of a damaged release: `releasePath` is its `Unsorted/` entry, looked at
   * again at once (see `PlanSortInput.recheck`). Absent otherwise.
   */
  recheck?: boolean;
}

/**
 * Outcome of `sortRelease`: `placed` (every media file of the release moved into the library;
 * the first is this item's, the others' workflow IDs are given) or `unsorted` (moved as it was
 * into `Unsorted/`, waiting for a human).
 */
export type SortReleaseResult =
  | {
      kind: 'placed';
      plan: Extract<SortPlan, { kind: 'matched' }>;
      /** Workflow IDs by library path of each placed video. */
      workflowIds: Record<string, string>;
      placed: Omit<PlaceReleaseResult, 'placed'>;
    }
  | {
      kind: 'unsorted';
      /** Why a human must decide (no agreement, or a different file at the target). */
      reason: string;
      /** The `Unsorted/` entry, library-relative. */
      unsortedPath: string;
      suggestions?: SortSuggestion[];
    }
  | {
      /**
       * Incomplete for `intake.damagedAfterMinutes` with no writer at work (`RELEASE_DAMAGED`):
       * kept as it is in `Unsorted/`, never placed.
       */
      kind: 'damaged';
      /** What is missing, e.g. "X.mkv is not whole: its streams end at 412.0 s of the 5400.0 s its header states". */
      reason: string;
      /** The `Unsorted/` entry, library-relative. */
      unsortedPath: string;
    };

/** Input of `copyAndVerify`. */
export interface CopyAndVerifyInput {
  /** The video first, then its subtitles (library-relative). */
  libraryPaths: string[];
  /** Copy even when the vault has the same size and modtime (after a failed verification). */
  force: boolean;
  /** Copy-and-verify round of the item (1 for the first). */
  round: number;
  item: CatalogItem;
  /**
   * The vault may hold these files already (moved there server-side from `Unsorted/` on approval,
   * or a file added to a vaulted item). Informational since every copy looks at the destination
   * first (so that what it would replace goes to the vault trash) and skips what matches in size
   * and modtime; kept because workflows send it.
   */
  expectOnVault?: boolean;
  /**
   * The item awaits approval and `libraryPaths` is its one `Unsorted/` entry (a file, or a folder
   * whose every file is copied, the biggest first): the entry is copied as it is to the same path
   * on the vault and verified, and nothing is written to the catalog (the workflow records the
   * outcome with the `awaiting-approval` stage it stays in).
   */
  unsorted?: boolean;
}

/**
 * Outcome of `copyAndVerify`: verified, or not (`changed`: the local file changed after it was
 * copied, copy again; else the vault copy differs). `lowOnSpace` says the host's `.Local` is below
 * the janitor's low watermark (only where eviction is enabled).
 */
export type CopyAndVerifyResult = {
  bytesCopied: number;
  lowOnSpace: boolean;
  /** How long the copy and the verification took, in seconds (for the metrics). */
  seconds: { copy: number; verify: number };
  /** With `unsorted`: every file of the entry, as copied (library-relative, the biggest first). */
  files?: string[];
} & ({ match: true; verification: VaultVerification } | { match: false; reason: string; changed?: boolean });

/** A release's plan, journalled before anything moves: a retry after the move finds it here. */
interface JournalledPlan {
  plan: SortPlan;
  workflowIds: Record<string, string>;
}

/**
 * Creates the item activities.
 *
 * @param deps - local root, pool, this host's sort and vault activities, eviction watermark
 */
export function createItemActivities(deps: ItemActivityDeps) {
  const { sort, vault, pool } = deps;
  const { localRoot, evictionLowFreeRatio } = deps.settings;
  const workflowId = (): string => Context.current().info.workflowExecution?.workflowId ?? 'unknown';

  /**
   * Moves the release to `Unsorted/` as it is (idempotent: the entry is journalled per item); an
   * entry there already (a damaged release re-checked) stays where it is.
   */
  const keepInUnsorted = async (releasePath: string): Promise<string> =>
    releasePath.startsWith(`${LIBRARY_FOLDERS.unsorted}/`)
      ? releasePath
      : (await sort.moveToUnsorted({ releasePath })).unsortedPath;
  const parkInUnsorted = async (
    releasePath: string,
    reason: string,
    suggestions?: SortSuggestion[],
  ): Promise<SortReleaseResult> => ({
    kind: 'unsorted',
    reason,
    unsortedPath: await keepInUnsorted(releasePath),
    suggestions,
  });

  /**
   * Sorts a release in `Incoming/` in one attempt: plans it (see `planSort`), then places every
   * media file into the library (`placeRelease`) or, when the parsers and known titles do not
   * agree or a different file holds the target, moves it as it is to `Unsorted/`. The plan is
   * journalled before anything moves, so a retry after a crash finishes the same plan. Records
   * `sorting`/`placed` in the catalog, and `copying`/`entered` when `enterCopying` asks for it (the
   * workflow recorded `sorting`/`entered`).
   *
   * A release that stays incomplete (see `planSort`) is moved as it is to `Unsorted/` and
   * returned `damaged`, never planned.
   *
   * @returns `placed` with the plan, `unsorted` with the reason and the entry, or `damaged` with
   *   what is missing and the entry
   * @throws ApplicationFailure `RELEASE_INCOMPLETE` (retried) while the release is still written
   *   or its bytes are not all there yet; `SOURCE_MISSING`, `INVALID_INPUT`, `PATH_ESCAPES_ROOT`
   *   (not retried); pg errors (retried)
   */
  async function sortRelease(input: SortReleaseInput): Promise<SortReleaseResult> {
    const releaseName = input.releasePath.split('/').pop();
    const item = { hostId: input.hostId, releaseName };
    const step = `plan:${input.releasePath}`;
    let journalled = await readJournal<JournalledPlan>(localRoot, workflowId(), step);
    if (!journalled) {
      try {
        journalled = await sort.planSort({ releasePath: input.releasePath, recheck: input.recheck });
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== FailureType.RELEASE_DAMAGED) throw err;
        const { reason } = err.details?.[0] as { reason: string };
        return { kind: 'damaged', reason, unsortedPath: await keepInUnsorted(input.releasePath) };
      }
      await writeJournal(localRoot, workflowId(), step, journalled);
    }
    const { plan, workflowIds } = journalled;
    if (plan.kind === 'unmatched') return parkInUnsorted(input.releasePath, plan.reason, plan.suggestions);
    const files: PlacedFile[] = plan.items.flatMap((i) => [i.video, ...i.subtitles]);
    let placed: PlaceReleaseResult;
    try {
      placed = await sort.placeRelease({ releasePath: input.releasePath, files });
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || err.type !== FailureType.DESTINATION_EXISTS) throw err;
      return parkInUnsorted(input.releasePath, err.message);
    }
    const first = plan.items[0]!;
    const { placed: _files, ...rest } = placed;
    // A byte-identical copy of a library file may be another item's duplicate (the workflow asks
    // the catalog): until it is known to carry the path, the row names none.
    const carries = !rest.identical.includes(first.video.to);
    const paths = { libraryPath: first.video.to, subtitlePaths: first.subtitles.map((s) => s.to) };
    await recordStageFromActivity(
      pool,
      {
        ...item,
        stage: 'sorting',
        outcome: 'placed',
        ...(carries ? paths : {}),
        identity: first.identity,
        details: {
          releasePath: input.releasePath,
          placed: files.map((f) => f.to),
          identical: rest.identical,
          removed: rest.removed,
          leftover: rest.leftover,
        },
      },
      'placed',
    );
    if (carries && input.enterCopying)
      await recordStageFromActivity(
        pool,
        {
          ...item,
          ...paths,
          identity: first.identity,
          stage: 'copying',
          outcome: 'entered',
          details: { round: 1 },
        },
        'copying',
      );
    return { kind: 'placed', plan, workflowIds, placed: rest };
  }

  /**
   * The files of an `Unsorted/` entry, library-relative: the entry itself when it is a file, else
   * every file under it, the biggest first (the one the catalog's verification describes).
   */
  const entryFiles = async (entry: string): Promise<string[]> => {
    if (!entry.startsWith(`${LIBRARY_FOLDERS.unsorted}/`))
      throw permanentFailure(FailureType.INVALID_INPUT, `${entry} is not under Unsorted/`);
    const abs = resolveInRoot(localRoot, entry);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw permanentFailure(FailureType.SOURCE_MISSING, `${entry} is gone`);
    if (!info.isDirectory()) return [entry];
    const files = (await listFiles(abs)).sort((a, b) => b.sizeBytes - a.sizeBytes);
    if (files.length === 0) throw permanentFailure(FailureType.INVALID_INPUT, `${entry} holds no file`);
    return files.map((f) => `${entry}/${f.path}`);
  };

  /** True when this host evicts and its `.Local` has less free space than the low watermark. */
  const lowOnSpace = async (): Promise<boolean> => {
    if (evictionLowFreeRatio === undefined) return false;
    const fs = await statfs(localRoot);
    return fs.bavail / fs.blocks < evictionLowFreeRatio;
  };

  /**
   * Copies an item's files to the vault and verifies the copy, in one attempt: the local files are
   * hashed while they are copied (one read), then the vault copy is checked against those hashes
   * (`copyToVault`, `verifyVaultCopy`), reporting the phases of both as live progress. Records
   * `verifying` (`entered`) and the outcome
   * (`resident`/`verified`, `verifying`/`mismatch`, `copying`/`changed-locally`); the workflow
   * recorded `copying` (`entered` or `recopy`). With `unsorted`, copies an `Unsorted/` entry
   * as it is and records nothing (see {@link CopyAndVerifyInput.unsorted}).
   *
   * @returns the outcome, with bytes copied and whether the janitor should look at the disk
   * @throws the failures of `copyToVault` (among them `REMOTE_QUOTA_EXCEEDED`, not retried: the
   *   workflow waits out the pause) and `verifyVaultCopy`; with `unsorted`, `INVALID_INPUT` (not
   *   retried) for an entry outside `Unsorted/` or with no file, `SOURCE_MISSING` (not retried)
   *   when it is gone; pg errors (retried)
   */
  async function copyAndVerify(input: CopyAndVerifyInput): Promise<CopyAndVerifyResult> {
    const libraryPaths = input.unsorted ? await entryFiles(input.libraryPaths[0]!) : input.libraryPaths;
    // An Unsorted/ entry stays `awaiting-approval`: the workflow records what its copy came to.
    const record: typeof recordStageFromActivity = input.unsorted ? async () => {} : recordStageFromActivity;
    const item = {
      ...input.item,
      libraryPath: libraryPaths[0],
      subtitlePaths: libraryPaths.slice(1),
    };
    const round = { round: input.round };
    const started = performance.now();
    const copied = await vault.copyToVault({ libraryPaths, force: input.force });
    const copiedAt = performance.now();
    // The live progress says `verifying` before the catalog does: never `copying 100 %` beside it.
    reportProgress({ phase: 'verifying', bytesDone: 0, bytesTotal: 0, file: libraryPaths[0] });
    await flushProgress();
    await record(
      pool,
      {
        ...item,
        stage: 'verifying',
        outcome: 'entered',
        details: { ...round, bytesCopied: copied.bytesDone, copySeconds: (copiedAt - started) / 1000 },
      },
      'verifying',
    );
    const result = await vault.verifyVaultCopy({ libraryPaths, local: copied.local });
    const common = {
      bytesCopied: copied.bytesDone,
      lowOnSpace: await lowOnSpace(),
      seconds: { copy: (copiedAt - started) / 1000, verify: (performance.now() - copiedAt) / 1000 },
      ...(input.unsorted ? { files: libraryPaths } : {}),
    };
    if (result.match) {
      const v = result.verification;
      await record(
        pool,
        {
          ...item,
          stage: 'resident',
          outcome: 'verified',
          verification: v,
          details: {
            method: v.method,
            bytesReadLocally: v.bytesReadLocally,
            bytesDownloaded: v.bytesDownloaded,
          },
        },
        'verified',
      );
      return { ...common, ...result };
    }
    await record(
      pool,
      result.changed
        ? { ...item, stage: 'copying', outcome: 'changed-locally', reason: result.reason, details: round }
        : { ...item, stage: 'verifying', outcome: 'mismatch', reason: result.reason, details: round },
      'outcome',
    );
    return { ...common, ...result };
  }

  return { sortRelease, copyAndVerify };
}

/** The item activities' functions, for `proxyActivities<ItemActivities>`. */
export type ItemActivities = ReturnType<typeof createItemActivities>;
