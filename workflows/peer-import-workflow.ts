/**
 * `peerImportWorkflow`: applies here what a peer tells us about one of its items
 * (`peer-import:<sender>:<itemId>`, signal-with-start from `POST /api/v1/peers/notify`).
 * Notifications are applied in the sender's order, each once: wait until the file shows on our view
 * of the vault, scan our media servers, then add the item to our *arr as unmonitored (or, for a
 * delete, ask the *arr to rescan so it sees the file gone). Failures park in
 * `failed-needs-attention` until `retry` or `skip`.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ArrActivities } from '../activities/arr/activities.js';
import type { PeerActivities } from '../activities/index.js';
import { FailureType } from '../domain/failures.js';
import {
  peerImportStatusQuery,
  peerNotificationSignal,
  type PeerImportInput,
  type PeerImportStatus,
} from '../domain/peer-messages.js';
import type { PeerNotification } from '../domain/peers.js';
import { LIBRARY_PATH_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import { attention } from './attention.js';
import { folderOf, scanTargets, type FolderChange } from './scan-targets.js';

/** Folders a notification changes, for the media servers. */
function changesOf(n: PeerNotification): FolderChange[] {
  const folder = folderOf(n.libraryPath);
  if (n.event === 'deleted') return [{ folder, updateType: 'Deleted' }];
  if (n.event === 'renamed' && n.previousLibraryPath && folderOf(n.previousLibraryPath) !== folder)
    return [
      { folder: folderOf(n.previousLibraryPath), updateType: 'Deleted' },
      { folder, updateType: 'Created' },
    ];
  return [{ folder, updateType: n.event === 'renamed' ? 'Modified' : 'Created' }];
}

function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Applies a peer's notifications about one item, in `seq` order, each once; ends a minute after
 * the last one (a later notification starts it again).
 *
 * @returns the final {@link PeerImportStatus}
 */
export async function peerImportWorkflow(input: PeerImportInput): Promise<PeerImportStatus> {
  const { policy } = input;
  const nonRetryable = [
    FailureType.INVALID_INPUT,
    FailureType.NO_MEDIA_MATCH,
    FailureType.ARR_AUTH_FAILED,
    FailureType.ARR_REJECTED,
  ];
  const vault = proxyActivities<PeerActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: policy.vaultWaitMs,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
  const receipts = proxyActivities<PeerActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  const arr = proxyActivities<ArrActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: policy.scanGiveUpMs,
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: nonRetryable,
    },
  });

  const status: PeerImportStatus = {
    sender: input.sender,
    itemId: input.itemId,
    state: 'applied',
    lastAppliedSeq: input.lastAppliedSeq,
  };
  const queue: PeerNotification[] = [];
  setHandler(peerImportStatusQuery, () => status);
  setHandler(peerNotificationSignal, (n) => {
    if (n.seq > status.lastAppliedSeq && !queue.some((q) => q.seq === n.seq)) queue.push(n);
  });
  const waitForHuman = attention();

  const show = (state: PeerImportStatus['state']) => {
    status.state = state;
    upsertSearchAttributes([
      { key: STAGE_ATTRIBUTE, value: state },
      ...(status.libraryPath ? [{ key: LIBRARY_PATH_ATTRIBUTE, value: status.libraryPath }] : []),
    ]);
  };
  /** Parks with the reason; resolves `retry` or `skip`. */
  const park = async (reason: string): Promise<'retry' | 'skip'> => {
    const back = status.state;
    status.reason = reason;
    show('failed-needs-attention');
    const decision = await waitForHuman();
    status.reason = undefined;
    show(back);
    return decision;
  };
  /** Runs a step until it succeeds (`true`) or a human skips it (`false`). */
  const step = async (run: () => Promise<unknown>): Promise<boolean> => {
    for (;;) {
      try {
        await run();
        return true;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        if ((await park(reasonOf(err))) === 'skip') return false;
      }
    }
  };

  for (;;) {
    if (!(await condition(() => queue.length > 0, '1 minute'))) break;
    queue.sort((a, b) => a.seq - b.seq);
    const n = queue.shift()!;
    if (n.seq <= status.lastAppliedSeq) continue;
    status.libraryPath = n.libraryPath;
    const outcome: Record<string, unknown> = { event: n.event };
    if (n.event !== 'deleted') {
      show('waiting-for-vault');
      outcome.onVault = await step(() =>
        vault.waitForVaultFile({ libraryPath: n.libraryPath, sizeBytes: n.sizeBytes }),
      );
    }
    const scanned = await scanTargets(changesOf(n), policy.scanGiveUpMs, park, async () => show('scanning'));
    outcome.scanned = scanned.scanned;
    show('adding-to-arr');
    await step(async () => {
      const result =
        n.event === 'deleted'
          ? await arr.rescanArrItem({ notification: n })
          : await arr.addToArrUnmonitored({ notification: n });
      status.arrAction = result.action;
      outcome.arr = result;
    });
    await receipts.recordPeerReceipt({
      sender: input.sender,
      itemId: input.itemId,
      seq: n.seq,
      libraryPath: n.libraryPath,
      outcome,
    });
    status.lastAppliedSeq = n.seq;
    show('applied');
  }
  await condition(allHandlersFinished);
  return status;
}
