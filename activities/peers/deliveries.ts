/**
 * `startPeerDeliveries`, a local activity of the item workflow: one `peerDeliveryWorkflow` per
 * peer, started through the client rather than as child workflows, so the item's history holds one
 * marker instead of each child's start and completion.
 */
import { Context } from '@temporalio/activity';
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import type { PeerDeliveryRetry } from '../../domain/messages.js';
import { PEER_DELIVERY_WORKFLOW, peerDeliveryWorkflowId } from '../../domain/peer-messages.js';
import type { PeerNotification } from '../../domain/peers.js';
import {
  KIND_ATTRIBUTE,
  LIBRARY_PATH_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  TITLE_ATTRIBUTE,
} from '../../domain/search-attributes.js';

/** Input of `startPeerDeliveries`. */
export interface StartPeerDeliveriesInput {
  /** Peer names (`vaultarr peer list`). */
  peers: string[];
  notification: PeerNotification;
  retry: PeerDeliveryRetry;
}

/**
 * Creates the activity.
 *
 * @param deps - the client that starts the delivery workflows
 */
export function createPeerDeliveryActivities(deps: { client: Client }) {
  return {
    /**
     * Starts the delivery workflow of `notification` to every peer, on the calling workflow's task
     * queue; one already started for that peer and notification (a retried attempt) is kept.
     *
     * @returns the delivery workflows' IDs
     * @throws Temporal client errors (retried)
     */
    async startPeerDeliveries(input: StartPeerDeliveriesInput): Promise<string[]> {
      const { notification: n } = input;
      const { taskQueue, workflowExecution } = Context.current().info;
      // Named after the item's workflow ID (readable in the Web UI's list), not the ID peers are told.
      const itemWorkflowId = workflowExecution?.workflowId ?? n.itemId;
      return Promise.all(
        input.peers.map(async (peer) => {
          const workflowId = peerDeliveryWorkflowId(peer, itemWorkflowId, n.seq);
          await deps.client.workflow.start(PEER_DELIVERY_WORKFLOW, {
            workflowId,
            taskQueue,
            args: [{ peer, notification: n, retry: input.retry }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            staticSummary: `${n.event} ${n.libraryPath} → peer ${peer}`,
            typedSearchAttributes: [
              { key: STAGE_ATTRIBUTE, value: 'notifying' },
              { key: KIND_ATTRIBUTE, value: n.kind },
              { key: LIBRARY_PATH_ATTRIBUTE, value: n.libraryPath },
              ...(n.title ? [{ key: TITLE_ATTRIBUTE, value: n.title }] : []),
            ],
          });
          return workflowId;
        }),
      );
    },
  };
}

/** The activity, for `proxyLocalActivities<PeerDeliveryActivities>`. */
export type PeerDeliveryActivities = ReturnType<typeof createPeerDeliveryActivities>;
