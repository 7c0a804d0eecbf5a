/**
 * Signals, queries and inputs of the peer workflows (`peerDeliveryWorkflow` sends an item's
 * notification to one peer, `peerImportWorkflow` applies a peer's notifications here): imported by
 * those workflows, the API and the delivery activities, which start them by type name.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PeerDeliveryRetry } from './messages.js';
import type { PeerNotification } from './peers.js';

/** Workflow type that delivers one notification to one peer. */
export const PEER_DELIVERY_WORKFLOW = 'peerDeliveryWorkflow';
/** Workflow type that applies a peer's notifications about one of its items here. */
export const PEER_IMPORT_WORKFLOW = 'peerImportWorkflow';

/** ID of the delivery of an item's `seq`-th notification to a peer. */
export function peerDeliveryWorkflowId(peer: string, itemId: string, seq: number): string {
  return `peer-delivery:${peer}:${itemId}#${seq}`;
}

/** ID of the workflow applying a sender's notifications about one of its items (one per sender and item). */
export function peerImportWorkflowId(sender: string, itemId: string): string {
  return `peer-import:${sender}:${itemId}`;
}

/** Input of `peerDeliveryWorkflow`. */
export interface PeerDeliveryInput {
  /** Peer name, as in `vaultarr peer list` (its URL and token are read from Postgres, never put in history). */
  peer: string;
  notification: PeerNotification;
  retry: PeerDeliveryRetry;
}

/** Answer of a delivery's `status` query. */
export interface PeerDeliveryStatus {
  peer: string;
  notificationId: string;
  libraryPath: string;
  /** `delivering` (retrying while the peer is offline), `delivered`, parked in `failed-needs-attention`, `skipped`, or `peer-removed`. */
  state: 'delivering' | 'delivered' | 'failed-needs-attention' | 'skipped' | 'peer-removed';
  reason?: string;
  /** What the peer answered (`accepted` or `duplicate`). */
  peerAnswer?: string;
}

/** Tunables of `peerImportWorkflow`, from config at start. */
export interface PeerImportPolicy {
  /** How long to wait for the item to show up on our view of the vault, in ms. */
  vaultWaitMs: number;
  /** How long a failing media server is retried before the import parks, in ms. */
  scanGiveUpMs: number;
}

/** Input of `peerImportWorkflow` (signal-with-start with {@link peerNotificationSignal}). */
export interface PeerImportInput {
  /** Name of the token the peer authenticated with. */
  sender: string;
  /** The sender's item ID. */
  itemId: string;
  /** Highest sequence already applied (from `peer_receipts`); lower ones are ignored. */
  lastAppliedSeq: number;
  policy: PeerImportPolicy;
}

/** Answer of a peer import's `status` query. */
export interface PeerImportStatus {
  sender: string;
  itemId: string;
  /** `waiting-for-vault`, `scanning`, `adding-to-arr`, `applied`, `failed-needs-attention`. */
  state: 'waiting-for-vault' | 'scanning' | 'adding-to-arr' | 'applied' | 'failed-needs-attention';
  libraryPath?: string;
  lastAppliedSeq: number;
  reason?: string;
  /** What the *arr did with the last notification (added, present, unmonitored, skipped, absent). */
  arrAction?: string;
}

/** Signal: one notification from a peer for `peerImportWorkflow`. */
export const peerNotificationSignal = defineSignal<[PeerNotification]>('peerNotification');
/** Query: a delivery's {@link PeerDeliveryStatus}. */
export const peerDeliveryStatusQuery = defineQuery<PeerDeliveryStatus>('status');
/** Query: a peer import's {@link PeerImportStatus}. */
export const peerImportStatusQuery = defineQuery<PeerImportStatus>('status');
