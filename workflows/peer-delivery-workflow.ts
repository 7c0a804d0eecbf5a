/**
 * `peerDeliveryWorkflow`: one notification to one peer, on its own in the Web UI
 * (`peer-delivery:<peer>:<item's workflow ID>#<seq>`). An offline peer is retried with backoff for
 * `retry.retryMs` (days); a peer that refuses it, or is still offline after that, parks the
 * delivery in `failed-needs-attention` until `retry` or `skip`.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { PeerActivities } from '../activities/index.js';
import { FailureType } from '../domain/failures.js';
import {
  peerDeliveryStatusQuery,
  type PeerDeliveryInput,
  type PeerDeliveryStatus,
} from '../domain/peer-messages.js';
import { STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import { attention } from './attention.js';

/**
 * Delivers `input.notification` to `input.peer`.
 *
 * @returns the final {@link PeerDeliveryStatus}: `delivered`, `skipped` or `peer-removed`
 */
export async function peerDeliveryWorkflow(input: PeerDeliveryInput): Promise<PeerDeliveryStatus> {
  const { peer, notification, retry } = input;
  const peers = proxyActivities<PeerActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: retry.retryMs,
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: retry.maxIntervalMs,
      nonRetryableErrorTypes: [FailureType.PEER_REJECTED, FailureType.PEER_UNKNOWN],
    },
  });
  const status: PeerDeliveryStatus = {
    peer,
    notificationId: notification.notificationId,
    libraryPath: notification.libraryPath,
    state: 'delivering',
  };
  setHandler(peerDeliveryStatusQuery, () => status);
  const park = attention();
  const show = (state: PeerDeliveryStatus['state']) => {
    status.state = state;
    upsertSearchAttributes([{ key: STAGE_ATTRIBUTE, value: state === 'delivering' ? 'notifying' : state }]);
  };

  for (;;) {
    try {
      const answer = await peers.notifyPeer({ peer, notification });
      status.peerAnswer = answer.status;
      status.reason = undefined;
      show('delivered');
      return status;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === FailureType.PEER_UNKNOWN) {
        status.reason = cause.message;
        show('peer-removed');
        return status;
      }
      status.reason = cause?.message ?? err.message;
      show('failed-needs-attention');
      if ((await park()) === 'skip') {
        show('skipped');
        return status;
      }
      show('delivering');
    }
  }
}
