/**
 * `planSort`, the sort activity that looks at a release in `Incoming/`: is it complete (every
 * sign of `./completeness.ts`), and where does each of its files go (`./release-planner.ts`,
 * known titles and the *arr's answers).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import { LIBRARY_FOLDERS, type SortPlan } from '../../domain/media.js';
import { listFiles } from '../../lib/files.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { permanentFailure, resolveInRoot } from '../failures.js';
import { activitySignal, reportProgress } from '../progress.js';
import type { SortSettings } from './activities.js';
import { createCompletenessCheck, recheckIntervalMs, type Completeness } from './completeness.js';
import { isCameraName } from './identity.js';
import type { TitleSources } from './known-titles.js';
import { candidateNames, planRelease } from './release-planner.js';

/** Input of `planSort`. */
export interface PlanSortInput {
  /** Release path relative to the local root, under `Incoming/` (with `recheck`, or `Unsorted/`). */
  releasePath: string;
  /**
   * A damaged release looked at again (the item's `retry`): it may sit in `Unsorted/` already, and
   * is damaged again at once, not after `damagedAfterMs`, unless a writer is at work on it.
   */
  recheck?: boolean;
}

/** Output of `planSort`: the plan, plus the workflow ID of each planned media file. */
export interface PlanSortResult {
  plan: SortPlan;
  /** Workflow IDs by library path of each planned video (`mediaItemWorkflowId` of the library path). */
  workflowIds: Record<string, string>;
}
/**
 * Creates `planSort`.
 *
 * @param deps.settings - the local root and the intake rules (see `sortSettings`)
 * @param deps.titles - known titles and the *arr's answers
 */
export function createPlanSort(deps: { settings: SortSettings; titles: TitleSources }) {
  const { localRoot, settleMs, damagedAfterMs, ffprobeBinary } = deps.settings;
  const { titles } = deps;
  const checkRelease = createCompletenessCheck({ settleMs, ffprobeBinary });
  /** Signs this host cannot read, each logged once. */
  const unreadLogged = new Set<string>();

  const resolve = (relativePath: string): string => resolveInRoot(localRoot, relativePath);

  /**
   * Fails unless the verdict is `complete`: `RELEASE_INCOMPLETE` (retried after the delay it
   * names, the reason also in the attempt's heartbeat for `items show`) while it may still
   * complete, `RELEASE_DAMAGED` (not retried) once it has been incomplete with no writer at work
   * for `damagedAfterMs` since its last change and since this activity was first scheduled.
   */
  function requireComplete(input: PlanSortInput, verdict: Completeness): void {
    const ctx = Context.current();
    if (verdict.kind === 'complete') {
      for (const note of verdict.unread.filter((n) => !unreadLogged.has(n))) {
        unreadLogged.add(note);
        ctx.log.warn(`intake on this host: ${note}`);
      }
      return;
    }
    let retryInMs = verdict.kind === 'busy' ? verdict.recheckInMs : recheckIntervalMs(settleMs);
    if (verdict.kind === 'incomplete') {
      const limitMs = input.recheck ? 0 : damagedAfterMs;
      const since = Math.max(verdict.lastChangeMs, input.recheck ? 0 : ctx.info.scheduledTimestampMs);
      const waitedMs = Date.now() - since;
      if (waitedMs >= limitMs) {
        throw permanentFailure(
          FailureType.RELEASE_DAMAGED,
          `release ${input.releasePath} is damaged: ${verdict.reason}`,
          { reason: verdict.reason, waitedMs },
        );
      }
      retryInMs = Math.min(retryInMs, limitMs - waitedMs + 50);
    }
    const waiting =
      verdict.kind === 'busy' ? `still being written: ${verdict.reason}` : `not complete: ${verdict.reason}`;
    reportProgress({ phase: `waiting, ${waiting}` });
    ctx.heartbeat({ phase: `waiting, ${waiting}`, bytesDone: 0, bytesTotal: 0 });
    throw ApplicationFailure.create({
      type: FailureType.RELEASE_INCOMPLETE,
      message: `release ${input.releasePath} is ${waiting}`,
      nextRetryDelay: Math.max(50, Math.round(retryInMs)),
      // Waiting is expected, not an error: logged at debug, not counted as a failure in metrics.
      category: ApplicationFailureCategory.BENIGN,
    });
  }

  /**
   * Lists a release in `Incoming/` and plans where each of its files goes: each video's identity
   * by agreement of two parsers, known titles (library folders, the *arr's lists) and the *arr's
   * parse answers (see `decideIdentity`); a failing *arr is logged and sorting goes on without it.
   * Only a complete release is planned, by every sign of `./completeness.ts`.
   *
   * @returns the {@link SortPlan} and workflow IDs of its media files
   * @throws ApplicationFailure `RELEASE_INCOMPLETE` (retried after its `nextRetryDelay`) while a
   *   file has a partial name, changed within the settle time, is open for writing by any process
   *   (`/proc`, as `fuser`), has preallocated space never written or holes, or a video container
   *   ends early or is empty; `RELEASE_DAMAGED` (not retried, `details[0].reason`) once it stayed
   *   so with no writer at work for `damagedAfterMs`; `SOURCE_MISSING` (not retried) when the
   *   release is gone; `INVALID_INPUT` / `PATH_ESCAPES_ROOT` (not retried) for a path outside
   *   `Incoming/` (or, with `recheck`, `Unsorted/`)
   */
  async function planSort(input: PlanSortInput): Promise<PlanSortResult> {
    const top = input.releasePath.split('/')[0]!;
    const allowed: string[] = input.recheck
      ? [LIBRARY_FOLDERS.incoming, LIBRARY_FOLDERS.unsorted]
      : [LIBRARY_FOLDERS.incoming];
    if (!allowed.includes(top) || input.releasePath === top) {
      throw permanentFailure(
        FailureType.INVALID_INPUT,
        `release path ${input.releasePath} is not under ${allowed.map((f) => `${f}/`).join(' or ')}`,
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
    // Sorts running at once share a walk of /proc under the release's folder (one that starts after each asked).
    requireComplete(
      input,
      await checkRelease({
        abs,
        isFolder,
        mtimeMs: info.mtimeMs,
        files,
        under: resolve(top),
        signal: activitySignal(),
      }),
    );
    const release = { releasePath: input.releasePath, isFolder, files };
    // The *arr is asked only about names that could be media (a camera name never is).
    const names = candidateNames(release).filter((n) => !isCameraName(n));
    const [known, arr] = await Promise.all([titles.knownTitles(), titles.arrAnswers(names)]);
    for (const problem of new Set([...known.problems, ...arr.problems]))
      Context.current().log.warn(`sorting ${input.releasePath} without it: ${problem}`, {
        releasePath: input.releasePath,
      });
    const plan = planRelease({
      ...release,
      context: { knownTitles: known.titles, arrAnswers: arr.answers },
    });
    const workflowIds: Record<string, string> = {};
    if (plan.kind === 'matched') {
      for (const item of plan.items) workflowIds[item.video.to] = mediaItemWorkflowId(item.video.to);
    }
    return { plan, workflowIds };
  }

  return { planSort };
}
