/**
 * Timeouts of the host activities, chosen per activity in this one place. Every host activity
 * heartbeats every 2 s (every third of its heartbeat timeout when shorter) while it works (see
 * `activities/progress.ts`), so the heartbeat timeout only decides how soon a dead worker's
 * attempt is retried; the start-to-close timeout bounds one attempt on the slowest host we
 * support (a Raspberry Pi with a USB disk, ~30 MB/s, a 60 GiB remux), and
 * `scheduleToCloseTimeout` (`hostWaitMs`) how long the work waits for an offline host.
 */
import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type {
  CatalogActivities,
  ItemActivities,
  PeerDeliveryActivities,
  RemoteActivities,
  SettingsActivities,
  SortActivities,
  VaultActivities,
} from '../activities/index.js';
import { FailureType } from '../domain/failures.js';
import type { MediaItemPolicy } from '../domain/messages.js';
import { hostTaskQueue } from '../domain/task-queues.js';

/** The activities the item workflow runs on its host's task queue. */
export type HostActivities = Pick<
  SortActivities & VaultActivities & ItemActivities,
  | 'sortRelease'
  | 'placeApproved'
  | 'attachSubtitle'
  | 'copyAndVerify'
  | 'evictLocalCopy'
  | 'msUntilUploadWindow'
>;

/** Start-to-close timeout of one attempt of each host activity. */
export const HOST_ACTIVITY_START_TO_CLOSE: Record<keyof HostActivities, string> = {
  // Plan (quick) and place: moves within a filesystem are renames; across filesystems a 60 GiB
  // copy at 30 MB/s is ~35 min.
  sortRelease: '12 hours',
  placeApproved: '12 hours',
  // One subtitle: a rename, or a small copy across filesystems.
  attachSubtitle: '10 minutes',
  // A 60 GiB upload on a slow uplink (10 Mbit/s is ~14 h), then at most a read-back of the same
  // size over the same slow line (a remote without hashes).
  copyAndVerify: '96 hours',
  // A read-back of 60 GiB on a remote without hashes, over the same slow line.
  evictLocalCopy: '48 hours',
  msUntilUploadWindow: '1 minute',
};

/** Failure types the item workflow never retries (they park the item or go back to the caller). */
export const NON_RETRYABLE = [
  FailureType.INVALID_INPUT,
  FailureType.PATH_ESCAPES_ROOT,
  FailureType.SOURCE_MISSING,
  FailureType.DESTINATION_EXISTS,
  FailureType.NO_MEDIA_MATCH,
  FailureType.REMOTE_AUTH_FAILED,
];

/** Retry of the item workflow's activities: 1 s doubling to 5 min, permanent failures excepted. */
export const ITEM_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: NON_RETRYABLE,
};

/**
 * One host activity with its own timeouts, on the item's host task queue.
 *
 * @param name - the activity
 * @param hostId - the host whose disk holds the file
 * @param policy - `hostWaitMs` (schedule-to-close) and `copyHeartbeatTimeoutMs` (heartbeat timeout)
 * @param summary - shown on the activity's row in the Web UI
 * @param cancellationType - how a cancelled call ends (default: at once, without waiting for the host)
 */
export function hostActivity<K extends keyof HostActivities>(
  name: K,
  hostId: string,
  policy: Pick<MediaItemPolicy, 'hostWaitMs' | 'copyHeartbeatTimeoutMs'>,
  summary?: string,
  cancellationType?: ActivityOptions['cancellationType'],
): HostActivities[K] {
  const options: ActivityOptions = {
    taskQueue: hostTaskQueue(hostId),
    scheduleToCloseTimeout: policy.hostWaitMs,
    startToCloseTimeout: HOST_ACTIVITY_START_TO_CLOSE[name],
    heartbeatTimeout: policy.copyHeartbeatTimeoutMs,
    retry: ITEM_RETRY,
    ...(summary ? { summary } : {}),
    ...(cancellationType !== undefined ? { cancellationType } : {}),
  };
  return proxyActivities<HostActivities>(options)[name];
}

// Local activities of the item workflow: run by the worker that runs the workflow task, no
// task-queue round trip.

/** `itemSettings`: the policy, media servers and peers as the worker's config says now. */
export const settingsActivities = proxyLocalActivities<SettingsActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});
/** `startPeerDeliveries`: one delivery workflow per peer (no child workflow events in the item's history). */
export const deliveries = proxyLocalActivities<PeerDeliveryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});
/** The catalog's stage rows and lookups (one Postgres statement each). */
export const catalog = proxyLocalActivities<CatalogActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

/**
 * The vault's server-side activities (moves and trash), on the shared task queue.
 *
 * @param policy - `hostWaitMs` bounds the wait for a worker (schedule-to-close)
 */
export function remoteActivities(policy: Pick<MediaItemPolicy, 'hostWaitMs'>) {
  return proxyActivities<RemoteActivities>({
    // Server-side moves are quick; a short timeout bounds the wait when a completion is lost.
    startToCloseTimeout: '10 minutes',
    scheduleToCloseTimeout: policy.hostWaitMs,
    retry: ITEM_RETRY,
  });
}
