/**
 * Notifications through Apprise (https://github.com/caronc/apprise): any Apprise URL
 * (`discord://`, `tgram://`, `ntfy://`, `pover://`, `json://`, ...) from config
 * `notifications.urls`, sent by running the `apprise` command line.
 */
import { execFile, spawnSync } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import { NOTIFICATION_CHECKS_WORKFLOW, type NotificationChecksInput } from '../domain/notifications.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import type { Config } from './config.js';
import { UserError } from './errors.js';
import { redactText } from './secrets.js';

/**
 * How notifications go out: the config's `notifications` section as parsed (Apprise `urls`, empty
 * for none; the `events` to send; the `appriseBinary`; `hostOfflineMinutes`,
 * `peerUnreachableHours`, and the daily digest's `digestAt`).
 */
export type NotificationSettings = Config['notifications'];

/** One message. */
export interface NotificationMessage {
  title: string;
  body: string;
  /** Apprise's notification type. */
  type: 'info' | 'success' | 'warning' | 'failure';
}

/** Sends a message to every configured target. */
export interface Notifier {
  /**
   * @throws Error when a target did not take it (retried by the calling activity)
   */
  send(message: NotificationMessage): Promise<void>;
}

/** A {@link Notifier} that runs `apprise -t <title> -b <body> -n <type> <url>...`. */
export class AppriseNotifier implements Notifier {
  constructor(
    private readonly urls: string[],
    /** The `apprise` command (`notifications.appriseBinary`). */
    private readonly binary: string,
    private readonly timeoutMs = 60_000,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    const args = ['-t', message.title, '-b', message.body, '-n', message.type, ...this.urls];
    await new Promise<void>((resolve, reject) => {
      execFile(this.binary, args, { timeout: this.timeoutMs }, (err, stdout, stderr) => {
        if (!err) return resolve();
        // Apprise prints the URL it failed on, which may hold a token: the redaction rule hides it.
        const said = `${stderr}${stdout}`.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(redactText(`apprise failed (${err.code ?? err.message}): ${said}`)));
      });
    });
  }
}

/**
 * Checks that the `apprise` command runs, when notifications are configured.
 *
 * @throws UserError naming the missing command and how to install it
 */
export function checkApprise(settings: Pick<NotificationSettings, 'urls' | 'appriseBinary'>): void {
  if (settings.urls.length === 0) return;
  const run = spawnSync(settings.appriseBinary, ['--version'], { stdio: 'ignore', timeout: 30_000 });
  if (run.error || run.status !== 0) {
    throw new UserError(
      `notifications.urls is set but the apprise command (${settings.appriseBinary}) does not run` +
        `${run.error ? `: ${run.error.message}` : ''}. Install it (Debian: apt-get install apprise; ` +
        'elsewhere: pip install apprise), set notifications.appriseBinary, or remove notifications.urls.',
    );
  }
}

/** IDs of the notification Schedules. */
export const NOTIFICATION_SCHEDULE_IDS = {
  watch: 'vaultarr-notifications-watch',
  digest: 'vaultarr-notifications-digest',
} as const;

/**
 * Creates the notification Schedules, or brings existing ones to the current settings: host and
 * peer checks every 5 minutes, and the daily digest at `digestAt` in this process's time zone.
 */
export async function ensureNotificationSchedules(
  client: Client,
  settings: Pick<NotificationSettings, 'digestAt'>,
  taskQueue = SHARED_TASK_QUEUE,
): Promise<void> {
  const [hour, minute] = settings.digestAt.split(':').map(Number) as [number, number];
  const schedules: Array<[string, NotificationChecksInput, ScheduleSpec]> = [
    [NOTIFICATION_SCHEDULE_IDS.watch, { kind: 'watch' }, { intervals: [{ every: '5 minutes' }] }],
    [
      NOTIFICATION_SCHEDULE_IDS.digest,
      { kind: 'digest' },
      { calendars: [{ hour, minute }], timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
    ],
  ];
  for (const [scheduleId, input, spec] of schedules) {
    const action = {
      type: 'startWorkflow' as const,
      workflowType: NOTIFICATION_CHECKS_WORKFLOW,
      taskQueue,
      args: [input],
    };
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        action,
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      // A changed digestAt (or task queue) takes effect at the next start.
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    }
  }
}
