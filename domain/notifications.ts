/**
 * Notifications (sent through Apprise): the events, and the workflows that send them. Deterministic-safe:
 * imported by workflows, activities and the worker.
 */

/** Events a notification can be sent for (config `notifications.events`). */
export const NOTIFICATION_EVENTS = [
  /** An item parked in `failed-needs-attention` (once per parking; parked again before it moved on: no new message). */
  'needs-attention',
  /** An item waits in `awaiting-approval` (Unsorted/), with the sorter's suggestions when it has any. */
  'awaiting-approval',
  /** A host's worker stopped polling its task queue for `notifications.hostOfflineMinutes`. */
  'host-offline',
  /** Deliveries to a peer have been failing for a day. */
  'peer-unreachable',
  /** Once a day: items vaulted, bytes, evictions, failures, and what waits for a person. */
  'daily-digest',
] as const;

/** One of {@link NOTIFICATION_EVENTS}. */
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Workflow type that sends one notification (its activity retries while Apprise fails). */
export const NOTIFICATION_WORKFLOW = 'notificationWorkflow';
/** Workflow type run by the notification Schedules: host and peer checks, or the daily digest. */
export const NOTIFICATION_CHECKS_WORKFLOW = 'notificationChecksWorkflow';

/** Workflow ID of the notification with this idempotency key. */
export const notificationWorkflowId = (key: string): string => `notification:${key}`;

/** Input of `notificationChecksWorkflow`: `watch` checks hosts and peers, `digest` sends the daily digest. */
export interface NotificationChecksInput {
  kind: 'watch' | 'digest';
}
