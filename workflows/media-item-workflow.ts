/**
 * `mediaItemWorkflow`, the legacy item workflow type: it runs the items started before
 * `mediaItemWorkflowV2` (see `media-item-workflow-v2.ts`) and replays their histories, and moves
 * each to the current type when it next continues as new. Change it only with `patched`.
 *
 * One media file's lifecycle. Deterministic code: it wires handlers to its
 * state, waits on `condition`, and calls activities on the right task queue.
 *
 * Stages: sorting → awaiting-approval (Unsorted, or a different file at the target; `approveSort`
 * places it) | copying → verifying → resident ⇄ evicting → evicted; deleted when the file leaves
 * the library. A permanent failure or repeated verification mismatch parks the item in
 * failed-needs-attention until `retry` (run the step again) or `skip` (give up; the workflow ends).
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CatalogActivities, PeerActivities, RemoteActivities } from '../activities/index.js';
import { approvalProblems } from '../domain/approval-check.js';
import type { Approval } from '../domain/approval.js';
import { FailureType } from '../domain/failures.js';
import {
  identityTitle,
  type MediaIdentity,
  type PlacedFile,
  type PlannedMediaFile,
  type VideoIdentity,
} from '../domain/media.js';
import {
  approveSortUpdate,
  cancelSignal,
  deletedSignal,
  evictSignal,
  janitorWorkflowId,
  libraryFileImportedSignal,
  MEDIA_ITEM_WORKFLOW,
  PEER_DELIVERY_WORKFLOW,
  peerDeliveryWorkflowId,
  pinSignal,
  renamedSignal,
  retrySignal,
  skipSignal,
  statusQuery,
  unpinSignal,
  wakeJanitorSignal,
  type LibraryDelete,
  type MediaItemInput,
  type MediaItemStatus,
  type ReplacedFile,
} from '../domain/messages.js';
import {
  HOST_ATTRIBUTE,
  KIND_ATTRIBUTE,
  LIBRARY_PATH_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  TITLE_ATTRIBUTE,
} from '../domain/search-attributes.js';
import type { Stage } from '../domain/stages.js';
import type { PeerEvent } from '../domain/peers.js';
import { hostActivity, ITEM_RETRY } from './activity-options.js';
import { peerNotification } from './media-item/announce.js';
import { failureMessage, failureType } from './media-item/failures.js';
import { followRename } from './media-item/library.js';
import { folderOf, scanTargets, type FolderChange } from './scan-targets.js';

const DEFAULT_SCAN_GIVE_UP_MS = 6 * 3600_000;
const DEFAULT_PEER_DELIVERY = { retryMs: 14 * 24 * 3600_000, maxIntervalMs: 10 * 60_000 };
const DEFAULT_CONTINUE_AS_NEW_EVENTS = 2000;

/** Unwinds the workflow when it ends early (cancel, skip, delete); carries nothing. */
class Ended extends Error {}

/**
 * Carries one media file through its lifecycle. Started by the watcher (an `Incoming/` release),
 * by webhooks (a library file, with signal-with-start) and by a season pack's own workflow, always
 * so that duplicate triggers share one run.
 *
 * @param input - host, origin and policy; see {@link MediaItemInput}
 * @returns the final {@link MediaItemStatus} once the item is cancelled, skipped or deleted (the
 *   workflow stays open while the file lives)
 */
export async function mediaItemWorkflow(input: MediaItemInput): Promise<MediaItemStatus> {
  const { hostId, origin, carried } = input;
  // Items of this (legacy) type were all started with their policy in the input.
  const policy = input.policy!;
  const pending = carried?.pending;
  const retry = ITEM_RETRY;
  // Each host activity with its own timeouts (workflows/activity-options.ts).
  const host = {
    planSort: hostActivity('planSort', hostId, policy),
    placeRelease: hostActivity('placeRelease', hostId, policy),
    placeApproved: hostActivity('placeApproved', hostId, policy),
    moveToUnsorted: hostActivity('moveToUnsorted', hostId, policy),
    verifyVaultCopy: hostActivity('verifyVaultCopy', hostId, policy),
    evictLocalCopy: hostActivity('evictLocalCopy', hostId, policy),
    msUntilUploadWindow: hostActivity('msUntilUploadWindow', hostId, policy),
  };
  const copyToVault = (summary: string) => hostActivity('copyToVault', hostId, policy, summary);
  const remote = proxyActivities<RemoteActivities>({
    // Server-side moves are quick; a short timeout bounds the wait when a completion is lost.
    startToCloseTimeout: '10 minutes',
    scheduleToCloseTimeout: policy.hostWaitMs,
    retry,
  });
  // A local activity: one Postgres read, no task-queue round trip for every item.
  const peers = proxyLocalActivities<PeerActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  const catalog = proxyActivities<CatalogActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });

  const status: MediaItemStatus = carried?.status ?? {
    stage: 'sorting',
    hostId,
    kind: 'unknown',
    subtitlePaths: [],
    copyRounds: 0,
    pinned: false,
  };
  let retryRequested = false;
  let skipRequested = false;
  let cancelled = false;
  let evictRequested = pending?.evictRequested ?? false;
  let approval: Approval | undefined;
  let approvalOutcome: { libraryPath: string } | { error: string } | undefined;
  let importPending = pending?.importPending ?? false;
  // The file's content is new to the media servers and peers (first copy, or an *arr re-import).
  let contentChanged = carried ? (pending?.contentChanged ?? false) : true;
  let announced = carried?.announced ?? false;
  // The next copy must not skip files whose size and modtime match (the vault copy failed a re-verification).
  let forceNextCopy = carried?.forceNextCopy ?? false;
  let replaces: ReplacedFile[] =
    pending?.replaces ?? (origin.kind === 'library' ? (origin.replaces ?? []) : []);
  let renameTo: string | undefined = pending?.renameTo;
  let deletion: LibraryDelete | undefined = pending?.deletion;
  let pinChanged = pending?.pinChanged ?? false;
  let ended = false;

  setHandler(statusQuery, () => status);
  setHandler(retrySignal, () => void (retryRequested = true));
  setHandler(skipSignal, () => void (skipRequested = true));
  setHandler(cancelSignal, () => void (cancelled = true));
  setHandler(evictSignal, () => void (evictRequested = true));
  setHandler(pinSignal, () => {
    pinChanged = pinChanged || !status.pinned;
    status.pinned = true;
  });
  setHandler(unpinSignal, () => {
    pinChanged = pinChanged || status.pinned;
    status.pinned = false;
  });
  setHandler(libraryFileImportedSignal, (imported) => {
    importPending = true;
    contentChanged = true;
    if (imported.identity) identify(imported.identity);
    replaces = [...replaces, ...(imported.replaces ?? [])];
  });
  setHandler(renamedSignal, ({ libraryPath }) => void (renameTo = libraryPath));
  setHandler(deletedSignal, (d) => void (deletion = d));
  setHandler(
    approveSortUpdate,
    async (input) => {
      approval = input;
      approvalOutcome = undefined;
      await condition(() => approvalOutcome !== undefined || ended);
      const outcome = approvalOutcome ?? { error: 'the item was cancelled before it could be placed' };
      if ('error' in outcome) {
        throw ApplicationFailure.create({
          type: FailureType.DESTINATION_EXISTS,
          message: outcome.error,
          nonRetryable: true,
        });
      }
      return outcome;
    },
    {
      validator: (input) => {
        if (status.stage !== 'awaiting-approval' || approval) {
          throw new Error(`the item is ${status.stage}, not awaiting approval`);
        }
        const problems = approvalProblems(input);
        if (problems.length) throw new Error(`invalid approval: ${problems.join('; ')}`);
      },
    },
  );

  function identify(identity: MediaIdentity | undefined): void {
    if (!identity) return;
    status.identity = identity;
    status.kind = identity.kind;
    status.title = identityTitle(identity);
  }

  /** The item's search attributes as its status says. */
  const searchAttributes = () => [
    { key: STAGE_ATTRIBUTE, value: status.stage },
    { key: KIND_ATTRIBUTE, value: status.kind },
    { key: HOST_ATTRIBUTE, value: hostId },
    ...(status.title ? [{ key: TITLE_ATTRIBUTE, value: status.title }] : []),
    ...(status.libraryPath ? [{ key: LIBRARY_PATH_ATTRIBUTE, value: status.libraryPath }] : []),
  ];

  /** Records a stage change: status, search attributes, catalog row and event. */
  const enter = async (stage: Stage, outcome: string, details?: Record<string, unknown>): Promise<void> => {
    // The catalog is written first, so whoever sees the new stage in the status query finds it there too.
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
      pinned: status.pinned,
      outcome,
      details,
    });
    status.stage = stage;
    upsertSearchAttributes(searchAttributes());
  };

  /** Waits for `until`, ending the workflow on `cancel`. */
  const waitFor = async (until: () => boolean): Promise<void> => {
    await condition(() => until() || cancelled);
    if (cancelled) throw new Ended();
  };

  /**
   * Parks the item in `failed-needs-attention` until `retry` (resolves `retry`) or `skip` (ends the
   * workflow; with `skipEnds: false` resolves `skip` and the item carries on without the step).
   */
  const park = async (
    failedStage: Stage,
    reason: string,
    { skipEnds = true }: { skipEnds?: boolean } = {},
  ): Promise<'retry' | 'skip'> => {
    status.reason = reason;
    status.failedStage = failedStage;
    retryRequested = false;
    skipRequested = false;
    await enter('failed-needs-attention', 'failed', { failedStage });
    await waitFor(() => retryRequested || skipRequested);
    status.reason = undefined;
    status.failedStage = undefined;
    if (skipRequested) {
      await enter(failedStage, 'skipped');
      if (skipEnds) throw new Ended();
      return 'skip';
    }
    return 'retry';
  };

  /** Asks every media server to scan the changed folders (a server given up on is skipped, not fatal). */
  const scanStage = async (changes: FolderChange[]): Promise<void> => {
    const report = await scanTargets(
      changes,
      policy.scanGiveUpMs ?? DEFAULT_SCAN_GIVE_UP_MS,
      (reason) => park('scanning', reason, { skipEnds: false }),
      (targets) => enter('scanning', 'entered', { folders: changes.map((c) => c.folder), targets }),
    );
    if (report.scanned.length || report.skipped.length) await enter('scanning', 'scanned', { ...report });
  };

  /** Tells every peer about the item; each delivery is its own workflow, which this one does not wait for. */
  const notifyPeers = async (event: PeerEvent, previousLibraryPath?: string): Promise<void> => {
    const names = await peers.listPeerNames();
    if (names.length === 0) return;
    await enter('notifying', 'entered', { peers: names, event });
    status.notificationsSent = (status.notificationsSent ?? 0) + 1;
    const seq = status.notificationsSent;
    const itemId = workflowInfo().workflowId;
    const notification = peerNotification(status, itemId, seq, event, previousLibraryPath);
    for (const peer of names) {
      try {
        await startChild(PEER_DELIVERY_WORKFLOW, {
          workflowId: peerDeliveryWorkflowId(peer, itemId, seq),
          args: [{ peer, notification, retry: policy.peerDelivery ?? DEFAULT_PEER_DELIVERY }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `${event} ${notification.libraryPath} → peer ${peer}`,
          typedSearchAttributes: [
            { key: STAGE_ATTRIBUTE, value: 'notifying' },
            { key: KIND_ATTRIBUTE, value: status.kind },
            { key: LIBRARY_PATH_ATTRIBUTE, value: notification.libraryPath },
            ...(status.title ? [{ key: TITLE_ATTRIBUTE, value: status.title }] : []),
          ],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    await enter('notifying', 'notified', { peers: names, event, seq });
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

  /** Waits in `awaiting-approval` until `approveSort` places the item (returns it) or `skip` ends it. */
  const awaitApproval = async (reason: string, unsortedPath: string): Promise<PlannedMediaFile> => {
    status.reason = reason;
    status.libraryPath = unsortedPath;
    await enter('awaiting-approval', 'needs-approval');
    for (;;) {
      skipRequested = false;
      await waitFor(() => approval !== undefined || skipRequested);
      if (skipRequested && !approval) {
        await enter('awaiting-approval', 'skipped');
        throw new Ended();
      }
      const identity = approval as VideoIdentity;
      let refusal: unknown;
      const placed = await attempt('awaiting-approval', async () => {
        try {
          return await host.placeApproved({ unsortedPath, identity });
        } catch (err) {
          // A target held by a different file (or no video to place) answers the caller's update
          // and the item keeps waiting; histories from before this patch parked the item instead.
          const type = failureType(err);
          const refused = type === FailureType.DESTINATION_EXISTS || type === FailureType.NO_MEDIA_MATCH;
          if (!refused || !patched('approval-refusal-answers-caller')) throw err;
          refusal = err;
          return undefined;
        }
      });
      if (!placed) {
        approvalOutcome = { error: failureMessage(refusal) };
        approval = undefined;
        status.reason = failureMessage(refusal);
        await enter('awaiting-approval', 'approval-failed');
        continue;
      }
      const { item } = placed;
      if ((placed.removed?.length || placed.leftover) && patched('release-placed-event')) {
        status.leftover = placed.leftover;
        await enter('awaiting-approval', 'placed', {
          unsortedPath,
          placed: [item.video.to, ...item.subtitles.map((s) => s.to)],
          removed: placed.removed ?? [],
          leftover: placed.leftover,
        });
      }
      approvalOutcome = { libraryPath: item.video.to };
      approval = undefined;
      status.reason = undefined;
      if (status.suggestions) status.suggestions = undefined;
      return item;
    }
  };

  /** Sorts an `Incoming/` release; returns the media file this workflow carries on with. */
  const sortRelease = async (releasePath: string): Promise<PlannedMediaFile> => {
    status.releaseName = releasePath.split('/').pop();
    await enter('sorting', 'entered', { releasePath });
    const { plan, workflowIds } = await attempt('sorting', () => host.planSort({ releasePath }));
    if (plan.kind === 'unmatched') {
      const { unsortedPath } = await attempt('sorting', () => host.moveToUnsorted({ releasePath }));
      // Candidate identities for the human (`approve --suggestion N`); histories from before this patch had none.
      if (plan.suggestions?.length && patched('sort-suggestions')) status.suggestions = plan.suggestions;
      return awaitApproval(plan.reason, unsortedPath);
    }
    const files: PlacedFile[] = plan.items.flatMap((item) => [item.video, ...item.subtitles]);
    let conflict: string | undefined;
    const placed = await attempt('sorting', async () => {
      try {
        return await host.placeRelease({ releasePath, files });
      } catch (err) {
        if (failureType(err) !== FailureType.DESTINATION_EXISTS) throw err;
        conflict = failureMessage(err);
        return undefined;
      }
    });
    if (conflict) {
      const { unsortedPath } = await attempt('sorting', () => host.moveToUnsorted({ releasePath }));
      return awaitApproval(conflict, unsortedPath);
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
    const accounted = placed && (placed.identical?.length || placed.removed?.length || placed.leftover);
    if (accounted && patched('release-placed-event')) {
      // Every file that left the release other than by a plain move is accounted for: removed as
      // junk or as an identical copy, or kept in Unsorted/ (named in the status).
      status.leftover = placed.leftover;
      await enter('sorting', 'placed', {
        releasePath,
        placed: files.map((f) => f.to),
        identical: placed.identical ?? [],
        removed: placed.removed ?? [],
        leftover: placed.leftover,
      });
      if (placed.identical?.includes(first!.video.to)) {
        const { workflowId: carrier } = await catalog.findLibraryItem({
          libraryPath: first!.video.to,
          exceptWorkflowId: workflowInfo().workflowId,
        });
        if (carrier) {
          identify(first!.identity);
          status.duplicateOf = carrier;
          status.reason = `a byte-identical copy of ${first!.video.to}, which item ${carrier} already carries: removed from Incoming/`;
          await enter('duplicate', 'duplicate', {
            libraryPath: first!.video.to,
            duplicateOf: carrier,
            removedFromIncoming: first!.video.from,
          });
          throw new Ended();
        }
      }
    }
    return first!;
  };

  /** Copies and verifies until verified; parks after `verifyAttempts` mismatching rounds. */
  const copyAndVerify = async (): Promise<void> => {
    const libraryPaths = [status.libraryPath!, ...status.subtitlePaths];
    /** Waits for the daily upload window, when one is set. */
    const awaitUploadWindow = async (): Promise<void> => {
      if (policy.uploadWindow) {
        const window = policy.uploadWindow;
        const waitMs = await host.msUntilUploadWindow({ window });
        if (waitMs > 0) {
          status.reason = `waiting for the upload window ${window.start}-${window.end}`;
          await enter('copying', 'waiting-for-window', { waitMs });
          if (await condition(() => cancelled, waitMs)) throw new Ended();
          status.reason = undefined;
        }
      }
    };
    /**
     * Copies; while the vault's upload quota is exhausted (`REMOTE_QUOTA_EXCEEDED`), waits out
     * this host's pause on a workflow timer, the reason in the status, and copies again.
     */
    const copyPausingOnQuota = async (force: boolean) => {
      const copy = copyToVault(`copy ${status.libraryPath} to the vault`);
      for (;;) {
        const outcome = await attempt('copying', async () => {
          try {
            return { copied: await copy({ libraryPaths, force }) };
          } catch (err) {
            // Histories from before this patch never met this failure (it parked them, as any other).
            if (failureType(err) !== FailureType.REMOTE_QUOTA_EXCEEDED || !patched('quota-pause')) throw err;
            return { quota: err };
          }
        });
        if (outcome.copied) return outcome.copied;
        const failure = (outcome.quota as ActivityFailure).cause as ApplicationFailure;
        const pause = failure.details?.[0] as { pausedUntil?: string; waitMs?: number } | undefined;
        // The activity always says how long; should it not, a minute later the host's pause answers again.
        const waitMs = typeof pause?.waitMs === 'number' && pause.waitMs >= 0 ? pause.waitMs : 60_000;
        status.reason = failureMessage(outcome.quota);
        await enter('copying', 'quota-paused', { pausedUntil: pause?.pausedUntil, waitMs });
        if (await condition(() => cancelled, waitMs)) throw new Ended();
        status.reason = undefined;
        await enter('copying', 'quota-resumed');
        await awaitUploadWindow();
      }
    };
    for (let verified = false; !verified;) {
      for (let round = 1; round <= policy.verifyAttempts && !verified; round++) {
        status.copyRounds++;
        await enter('copying', round === 1 ? 'entered' : 'recopy', { round });
        await awaitUploadWindow();
        const force = round > 1 || forceNextCopy;
        const copied = await copyPausingOnQuota(force);
        forceNextCopy = false;
        await enter('verifying', 'entered', { bytesCopied: copied.bytesDone });
        // `local`: the files as hashed during the copy, so verification reads none of them again.
        const result = await attempt('verifying', () =>
          host.verifyVaultCopy({ libraryPaths, local: copied.local }),
        );
        if (result.match) {
          status.verification = result.verification;
          verified = true;
        } else if (result.changed) {
          // The local file changed after it was copied (a writer still at work): copy it again.
          status.reason = result.reason;
          await enter('copying', 'changed-locally', { round });
          status.reason = undefined;
          round--;
        } else {
          status.reason = result.reason;
          await enter('verifying', 'mismatch', { round });
          status.reason = undefined;
        }
      }
      if (!verified) await park('verifying', `vault copy failed verification ${policy.verifyAttempts} times`);
    }
  };

  /** After a verified upgrade: the replaced files' vault copies go to the trash, their workflows end. */
  const retireReplaced = async (): Promise<void> => {
    if (replaces.length === 0) return;
    const done = replaces;
    replaces = [];
    const libraryPaths = done.map((r) => r.libraryPath).filter((p) => p !== status.libraryPath);
    if (libraryPaths.length) await attempt('resident', () => remote.trashVaultCopies({ libraryPaths }));
    for (const r of done) {
      if (r.workflowId === workflowInfo().workflowId) continue;
      await getExternalWorkflowHandle(r.workflowId)
        .signal(deletedSignal, { reason: `replaced by ${status.libraryPath}`, vaultCopyTrashed: true })
        .catch(() => undefined); // no workflow for it (vaulted before vaultarr, or already ended)
    }
  };

  const handleRename = async (to: string): Promise<void> => {
    const from = status.libraryPath!;
    const back = status.stage;
    const subtitleMoves = status.subtitlePaths.map((s) => ({ from: s, to: followRename(s, from, to) }));
    await attempt(status.stage, () => remote.moveVaultCopy({ moves: [{ from, to }, ...subtitleMoves] }));
    status.libraryPath = to;
    status.subtitlePaths = subtitleMoves.map((m) => m.to);
    if (patched('scan-and-notify')) {
      const moved = folderOf(from) !== folderOf(to);
      await scanStage(
        moved
          ? [
              { folder: folderOf(from), updateType: 'Deleted' },
              { folder: folderOf(to), updateType: 'Created' },
            ]
          : [{ folder: folderOf(to), updateType: 'Modified' }],
      );
      await notifyPeers('renamed', from);
    }
    await enter(back, 'renamed', { from, to });
  };

  const handleDelete = async (d: LibraryDelete): Promise<never> => {
    if (!d.vaultCopyTrashed && status.libraryPath && status.stage !== 'awaiting-approval') {
      const libraryPaths = [status.libraryPath, ...status.subtitlePaths];
      await attempt(status.stage, () => remote.trashVaultCopies({ libraryPaths }));
    }
    if (status.libraryPath && status.stage !== 'awaiting-approval' && patched('scan-and-notify')) {
      await scanStage([{ folder: folderOf(status.libraryPath), updateType: 'Deleted' }]);
      await notifyPeers('deleted');
    }
    status.reason = d.reason;
    await enter('deleted', 'deleted', { vaultCopyTrashed: true });
    throw new Ended();
  };

  const evict = async (): Promise<void> => {
    evictRequested = false;
    if (status.pinned) {
      await enter(status.stage, 'evict-refused-pinned');
      return;
    }
    await enter('evicting', 'entered');
    const result = await attempt('evicting', () =>
      host.evictLocalCopy({
        libraryPaths: [status.libraryPath!, ...status.subtitlePaths],
        expected: status.verification!,
      }),
    );
    if (result.evicted) {
      await enter('evicted', 'evicted', { freedBytes: result.freedBytes });
    } else {
      // The vault copy no longer matches: never delete, recopy instead — forced, since size and
      // modtime may still match and a plain copy would skip the file.
      status.reason = result.reason;
      await enter('evicting', 'reverify-failed');
      status.reason = undefined;
      importPending = true;
      forceNextCopy = true;
    }
  };

  /**
   * Continues as new once the history is long (past `continueAsNewAfterEvents`, or when Temporal
   * suggests it), carrying the item's state and the commands not yet carried out: an item lives
   * as long as its file, and signals may keep arriving.
   */
  const continueIfLong = async (needsCopy: boolean): Promise<void> => {
    const info = workflowInfo();
    const limit = policy.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_EVENTS;
    if (!(info.continueAsNewSuggested || info.historyLength >= limit)) return;
    if (!patched('continue-as-new')) return;
    await condition(allHandlersFinished);
    // The next run is of the current type (`mediaItemWorkflowV2`), which takes this carried state.
    await makeContinueAsNewFunc<typeof mediaItemWorkflow>({
      workflowType: MEDIA_ITEM_WORKFLOW,
      typedSearchAttributes: searchAttributes(),
    })({
      hostId,
      policy,
      origin: { kind: 'library', libraryPath: status.libraryPath!, identity: status.identity },
      carried: {
        status: { ...status },
        announced,
        forceNextCopy,
        pending: {
          needsCopy,
          importPending,
          contentChanged,
          pinChanged,
          evictRequested,
          renameTo,
          deletion,
          replaces,
        },
      },
    });
  };

  try {
    if (carried) {
      // A continued run: the state is carried, nothing to sort or copy.
    } else if (origin.kind === 'incoming') {
      const placed = await sortRelease(origin.releasePath);
      status.libraryPath = placed.video.to;
      status.subtitlePaths = placed.subtitles.map((s) => s.to);
      identify(placed.identity);
    } else {
      status.libraryPath = origin.libraryPath;
      status.subtitlePaths = origin.subtitlePaths ?? [];
      identify(origin.identity);
    }

    let needsCopy = carried ? (pending?.needsCopy ?? false) : true;
    for (;;) {
      await continueIfLong(needsCopy);
      if (deletion) await handleDelete(deletion);
      if (renameTo) {
        const to = renameTo;
        renameTo = undefined;
        await handleRename(to);
      }
      if (importPending) {
        importPending = false;
        needsCopy = true;
      }
      if (needsCopy) {
        needsCopy = false;
        await copyAndVerify();
        if (contentChanged && patched('scan-and-notify')) {
          contentChanged = false;
          const folder = folderOf(status.libraryPath!);
          await scanStage([{ folder, updateType: announced ? 'Modified' : 'Created' }]);
          announced = true;
          await notifyPeers('imported');
        }
        const v = status.verification;
        await enter('resident', 'verified', {
          method: v?.method,
          bytesReadLocally: v?.bytesReadLocally,
          bytesDownloaded: v?.bytesDownloaded,
        });
        await retireReplaced();
        // Only where a janitor runs: a signal to none fails, a red row in every item's history.
        if (patched('wake-janitor-after-verify') && policy.evictionEnabled !== false) {
          // A new local copy may have pushed the disk past the low watermark.
          await getExternalWorkflowHandle(janitorWorkflowId(hostId))
            .signal(wakeJanitorSignal)
            .catch(() => undefined); // no janitor on this host (tests, or not started yet)
        }
      }
      if (pinChanged) {
        pinChanged = false;
        await enter(status.stage, status.pinned ? 'pinned' : 'unpinned');
      }
      if (evictRequested && status.stage === 'resident') await evict();
      evictRequested = evictRequested && status.stage === 'resident';
      if (importPending || deletion || renameTo) continue;
      await waitFor(() =>
        Boolean(
          deletion ||
          renameTo ||
          importPending ||
          pinChanged ||
          (evictRequested && status.stage === 'resident'),
        ),
      );
    }
  } catch (err) {
    if (!(err instanceof Ended)) throw err;
  }
  ended = true;
  await condition(allHandlersFinished);
  return status;
}
