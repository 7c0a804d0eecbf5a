/**
 * Notification workflows: one per message (ID `notification:<key>`, so each event is visible in the
 * Web UI and started at most once), and the checks the notification Schedules run.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/index.js';
import type { NotificationChecksInput } from '../domain/notifications.js';

// Apprise (or the target behind it) may be down for a while: keep trying for a day, then give up.
const notifications = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '15 minutes' },
});

/**
 * Sends one notification from the outbox (see `sendNotification`).
 *
 * @param input.key - the notification's idempotency key
 * @returns `sent`, `already-sent`, `resolved` or `unknown`
 */
export async function notificationWorkflow(input: { key: string }): Promise<string> {
  return (await notifications.sendNotification({ key: input.key })).outcome;
}

/**
 * Run by the notification Schedules: `watch` (hosts offline, peers unreachable) every few
 * minutes, `digest` once a day; sends every notification that is due.
 *
 * @returns the keys it sent or found already sent
 */
export async function notificationChecksWorkflow(input: NotificationChecksInput): Promise<string[]> {
  const keys = await notifications.collectNotifications(input);
  await Promise.all(keys.map((key) => notifications.sendNotification({ key })));
  return keys;
}
