/**
 * `mediaItemWorkflow`: one media file's lifecycle. Deterministic code: it only wires handlers to
 * its state, waits on `condition`, and calls activities on the right task queue.
 *
 * Stages: sorting → awaiting-approval (Unsorted, or a different file at the target)
 *                 | copying → verifying → resident; failed-needs-attention on a permanent failure
 * or repeated verification mismatch (waits for the `retry` signal, never fails the workflow).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CatalogActivities, SortActivities, VaultActivities } from '../activities/index.js';
import { FailureType } from '../domain/failures.js';
import type { MediaIdentity, PlacedFile } from '../domain/media.js';
import {
  cancelSignal,
  type MediaItemInput,
  type MediaItemStatus,
  retrySignal,
  statusQuery,
} from '../domain/messages.js';
import {
  HOST_ATTRIBUTE,
  KIND_ATTRIBUTE,
  LIBRARY_PATH_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  TITLE_ATTRIBUTE,
} from '../domain/search-attributes.js';
import type { Stage } from '../domain/stages.js';
import { hostTaskQueue } from '../domain/task-queues.js';

const NON_RETRYABLE = [
  FailureType.INVALID_INPUT,
  FailureType.PATH_ESCAPES_ROOT,
  FailureType.SOURCE_MISSING,
  FailureType.DESTINATION_EXISTS,
  FailureType.NO_MEDIA_MATCH,
  FailureType.REMOTE_AUTH_FAILED,
];

/** Thrown inside the workflow to unwind when the `cancel` signal arrives. */
class Cancelled extends Error {}

/** The `ApplicationFailure.type` behind an activity failure, if any. */
function failureType(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
    return err.cause.type ?? undefined;
  return undefined;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

function titleOf(identity: MediaIdentity): string {
  return identity.kind === 'movie' ? identity.title : identity.series;
}

/**
 * Carries one media file through its lifecycle. Started by the watcher (an `Incoming/` release),
 * by webhooks and by a season pack's own workflow (a library file), always with conflict policy
 * USE_EXISTING so duplicate triggers share one run.
 *
 * @param input - host, origin and policy; see {@link MediaItemInput}
 * @returns the final {@link MediaItemStatus} once the item is cancelled (the workflow stays open
 *   while the file lives, for the later stages)
 */
export async function mediaItemWorkflow(input: MediaItemInput): Promise<MediaItemStatus> {
  const { hostId, origin, policy } = input;
  const retry = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  };
  const host = proxyActivities<SortActivities & VaultActivities>({
    taskQueue: hostTaskQueue(hostId),
    scheduleToCloseTimeout: policy.hostWaitMs,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: policy.copyHeartbeatTimeoutMs,
    retry,
  });
  const vaultCopy = (summary: string) =>
    proxyActivities<VaultActivities>({
      taskQueue: hostTaskQueue(hostId),
      scheduleToCloseTimeout: policy.hostWaitMs,
      startToCloseTimeout: '24 hours',
      heartbeatTimeout: policy.copyHeartbeatTimeoutMs,
      retry,
      summary,
    }).copyToVault;
  const catalog = proxyActivities<CatalogActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });

  const status: MediaItemStatus = {
    stage: 'sorting',
    hostId,
    kind: 'unknown',
    subtitlePaths: [],
    copyRounds: 0,
  };
  let retryRequested = false;
  let cancelled = false;
  setHandler(statusQuery, () => status);
  setHandler(retrySignal, () => {
    retryRequested = true;
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
  });

  const identify = (identity: MediaIdentity | undefined): void => {
    if (!identity) return;
    status.identity = identity;
    status.kind = identity.kind;
    status.title = titleOf(identity);
  };

  /** Records a stage change: status, search attributes, catalog row and event. */
  const enter = async (stage: Stage, outcome: string, details?: Record<string, unknown>): Promise<void> => {
    status.stage = stage;
    upsertSearchAttributes([
      { key: STAGE_ATTRIBUTE, value: stage },
      { key: KIND_ATTRIBUTE, value: status.kind },
      { key: HOST_ATTRIBUTE, value: hostId },
      ...(status.title ? [{ key: TITLE_ATTRIBUTE, value: status.title }] : []),
      ...(status.libraryPath ? [{ key: LIBRARY_PATH_ATTRIBUTE, value: status.libraryPath }] : []),
    ]);
    await catalog.recordStage({
      workflowId: workflowInfo().workflowId,
      hostId,
      stage,
      releaseName: status.releaseName,
      libraryPath: status.libraryPath,
      subtitlePaths: status.subtitlePaths,
      identity: status.identity,
      reason: status.reason,
      verification: status.verification,
      outcome,
      details,
    });
  };

  const waitOrCancel = async (until: () => boolean): Promise<void> => {
    await condition(() => until() || cancelled);
    if (cancelled) throw new Cancelled();
  };

  /** Parks the item in `failed-needs-attention` until `retry` arrives. */
  const park = async (failedStage: Stage, reason: string): Promise<void> => {
    status.reason = reason;
    retryRequested = false;
    await enter('failed-needs-attention', 'failed', { failedStage });
    await waitOrCancel(() => retryRequested);
    status.reason = undefined;
  };

  /** Runs a stage's activity; a failure that outlasts its retries parks the item, `retry` runs it again. */
  const attempt = async <T>(stage: Stage, run: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await park(stage, failureMessage(err));
        await enter(stage, 'retried');
      }
    }
  };

  const awaitApproval = async (reason: string, path: string): Promise<void> => {
    status.reason = reason;
    status.libraryPath = path;
    await enter('awaiting-approval', 'needs-approval');
    // The approveSort update arrives with the intervention API; until then the item waits here, visibly.
    await waitOrCancel(() => false);
  };

  try {
    if (origin.kind === 'incoming') {
      status.releaseName = origin.releasePath.split('/').pop();
      await enter('sorting', 'entered', { releasePath: origin.releasePath });
      const { plan, workflowIds } = await attempt('sorting', () =>
        host.planSort({ releasePath: origin.releasePath }),
      );
      if (plan.kind === 'unmatched') {
        const { unsortedPath } = await attempt('sorting', () =>
          host.moveToUnsorted({ releasePath: origin.releasePath }),
        );
        await awaitApproval(plan.reason, unsortedPath);
        return status;
      }
      const files: PlacedFile[] = plan.items.flatMap((item) => [item.video, ...item.subtitles]);
      let conflict: string | undefined;
      await attempt('sorting', async () => {
        try {
          await host.placeRelease({ releasePath: origin.releasePath, files });
        } catch (err) {
          if (failureType(err) !== FailureType.DESTINATION_EXISTS) throw err;
          conflict = failureMessage(err);
        }
      });
      if (conflict) {
        const { unsortedPath } = await attempt('sorting', () =>
          host.moveToUnsorted({ releasePath: origin.releasePath }),
        );
        await awaitApproval(conflict, unsortedPath);
        return status;
      }
      const [first, ...others] = plan.items;
      for (const item of others) {
        try {
          await startChild(mediaItemWorkflow, {
            workflowId: workflowIds[item.video.to]!,
            args: [
              {
                hostId,
                policy,
                origin: {
                  kind: 'library',
                  libraryPath: item.video.to,
                  identity: item.identity,
                  subtitlePaths: item.subtitles.map((s) => s.to),
                },
              },
            ],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            typedSearchAttributes: [
              { key: STAGE_ATTRIBUTE, value: 'copying' },
              { key: HOST_ATTRIBUTE, value: hostId },
            ],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      status.libraryPath = first!.video.to;
      status.subtitlePaths = first!.subtitles.map((s) => s.to);
      identify(first!.identity);
    } else {
      status.libraryPath = origin.libraryPath;
      status.subtitlePaths = origin.subtitlePaths ?? [];
      identify(origin.identity);
    }

    const libraryPaths = [status.libraryPath!, ...status.subtitlePaths];
    for (let verified = false; !verified;) {
      for (let round = 1; round <= policy.verifyAttempts && !verified; round++) {
        status.copyRounds++;
        await enter('copying', round === 1 ? 'entered' : 'recopy', { round });
        const copyToVault = vaultCopy(`copy ${status.libraryPath} to the vault`);
        const copied = await attempt('copying', () => copyToVault({ libraryPaths, force: round > 1 }));
        await enter('verifying', 'entered', { bytesCopied: copied.bytesDone });
        const result = await attempt('verifying', () => host.verifyVaultCopy({ libraryPaths }));
        if (result.match) {
          status.verification = result.verification;
          verified = true;
        } else {
          status.reason = result.reason;
          await enter('verifying', 'mismatch', { round });
          status.reason = undefined;
        }
      }
      if (!verified) await park('verifying', `vault copy failed verification ${policy.verifyAttempts} times`);
    }
    await enter('resident', 'verified', { method: status.verification?.method });
    await waitOrCancel(() => false);
  } catch (err) {
    if (!(err instanceof Cancelled)) throw err;
  }
  return status;
}
