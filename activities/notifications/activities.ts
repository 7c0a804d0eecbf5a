/**
 * Notification activities (shared task queue): the outbox in Postgres (`notifications`, one row
 * per event, keyed by its idempotency key) and sending through a {@link Notifier} (Apprise).
 *
 * An event is sent at most once: its row is inserted once (`ON CONFLICT DO NOTHING`) and stays
 * open while its condition lasts (an item still parked, a host still offline), so the same
 * condition seen again finds the open row and adds nothing. `sendNotification` marks the row sent
 * and never sends a sent row again.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { episodeLabel, identityTitle, type MediaIdentity } from '../../domain/media.js';
import {
  statusQuery,
  type MediaItemStatus,
  type UnsortedVaultCopy,
  type VaultVerification,
} from '../../domain/messages.js';
import {
  NOTIFICATION_WORKFLOW,
  notificationWorkflowId,
  type NotificationChecksInput,
  type NotificationEvent,
} from '../../domain/notifications.js';
import type { Stage } from '../../domain/stages.js';
import { listHosts } from '../../lib/hosts.js';
import type { Config } from '../../lib/config.js';
import type { NotificationMessage, Notifier } from '../../lib/notifications.js';
import { describeUnsortedVault } from '../../lib/items/index.js';
import { redactText } from '../../lib/secrets.js';

/** Apprise type of each event's message. */
const MESSAGE_TYPE: Record<NotificationEvent, NotificationMessage['type']> = {
  'needs-attention': 'failure',
  'awaiting-approval': 'warning',
  'host-offline': 'failure',
  'peer-unreachable': 'warning',
  'daily-digest': 'info',
};

/** Stages an item rests in: reaching one ends its "needs attention" condition. */
const RESTING_STAGES = new Set<Stage>(['resident', 'evicted', 'deleted', 'duplicate', 'skipped']);

/** What the catalog knows of an item when it changes stage (see `RecordStageInput`). */
export interface ItemStageChange {
  workflowId: string;
  hostId: string;
  stage: Stage;
  outcome: string;
  releaseName?: string;
  libraryPath?: string;
  identity?: MediaIdentity;
  reason?: string;
  /** The vault copy's verification, when the change records one. */
  verification?: VaultVerification;
  details?: Record<string, unknown>;
  /** `events.id` of the event recorded for this change: what opened the notification. */
  eventId: string;
}

/** How an item is named in a message: its title (and year), else its path, else its workflow ID. */
function itemLabel(
  c: Pick<ItemStageChange, 'identity' | 'libraryPath' | 'releaseName' | 'workflowId'>,
): string {
  if (c.identity) {
    const year = 'year' in c.identity && c.identity.year ? ` (${c.identity.year})` : '';
    const episode = c.identity.kind === 'episode' ? ` ${episodeLabel(c.identity)}` : '';
    return `${identityTitle(c.identity)}${year}${episode}`;
  }
  return c.releaseName ?? c.libraryPath ?? c.workflowId;
}

/**
 * Within the catalog's transaction for a stage change: closes the item's notifications whose
 * condition ended, and opens one for `failed-needs-attention` (or `damaged`) or `awaiting-approval` unless one is
 * open already. A "needs attention" stays open until the item rests (resident, evicted, deleted,
 * duplicate): parked again for the same stage and reason before that is one message; another
 * stage or reason closes it and opens a new one.
 *
 * @param events - the events configured to be sent
 * @returns the idempotency key of a notification still to send (new, or open and unsent), if any
 * @throws pg errors (the calling activity is retried)
 */
export async function noteItemStageChange(
  db: pg.PoolClient,
  change: ItemStageChange,
  events: NotificationEvent[],
): Promise<string | undefined> {
  // A damaged release (kept in Unsorted/, never placed) needs a person as a parked item does.
  const parked = change.stage === 'failed-needs-attention' || change.stage === 'damaged';
  const retried = change.outcome === 'retried';
  // A parked item is news until it comes to rest: retried and parked again for the same reason
  // (a recopy that fails verification again) is the same event; another reason is a new one.
  if (RESTING_STAGES.has(change.stage)) {
    await db.query(
      `UPDATE notifications SET resolved_at = now()
       WHERE event = 'needs-attention' AND subject = $1 AND resolved_at IS NULL`,
      [change.workflowId],
    );
  }
  if (
    (change.stage !== 'awaiting-approval' && !parked && !retried) ||
    (change.stage === 'awaiting-approval' && ['placed', 'skipped'].includes(change.outcome))
  ) {
    await db.query(
      `UPDATE notifications SET resolved_at = now()
       WHERE event = 'awaiting-approval' AND subject = $1 AND resolved_at IS NULL`,
      [change.workflowId],
    );
  }
  const label = itemLabel(change);
  const reason = change.reason ? redactText(change.reason) : 'no reason recorded';
  let event: NotificationEvent | undefined;
  let message: Omit<NotificationMessage, 'type'> | undefined;
  let fingerprint: string | undefined;
  if (parked) {
    const failedStage =
      typeof change.details?.failedStage === 'string' ? change.details.failedStage : 'a stage';
    event = 'needs-attention';
    fingerprint = `${failedStage}\n${change.reason ?? ''}`;
    await db.query(
      `UPDATE notifications SET resolved_at = now()
       WHERE event = 'needs-attention' AND subject = $1 AND resolved_at IS NULL
         AND fingerprint IS DISTINCT FROM $2`,
      [change.workflowId, fingerprint],
    );
    message = {
      title: `vaultarr: ${label} needs attention`,
      body: [
        change.stage === 'damaged'
          ? `${label} is damaged, kept in ${change.libraryPath ?? 'Unsorted/'} (never placed or vaulted): ${reason}`
          : `${label} stopped while ${failedStage}: ${reason}`,
        `Item ${change.workflowId} on host ${change.hostId}.`,
        `Fix the cause, then: vaultarr items retry ${change.workflowId} (or skip).`,
      ].join('\n'),
    };
  } else if (change.stage === 'awaiting-approval' && change.outcome === 'needs-approval') {
    event = 'awaiting-approval';
    // Vault first for Unsorted: whether the file is safe in the vault while it waits.
    const copy = change.details?.unsortedVault as UnsortedVaultCopy | undefined;
    const vault = describeUnsortedVault(copy, change.verification);
    message = {
      title: `vaultarr: ${label} awaits approval`,
      body: [
        `${label} waits in ${change.libraryPath ?? 'Unsorted/'}: ${reason}`,
        ...(vault ? [`${vault.charAt(0).toUpperCase()}${vault.slice(1)}.`] : []),
        `Item ${change.workflowId} on host ${change.hostId}.`,
      ].join('\n'),
    };
  }
  if (!event || !message || !events.includes(event)) return undefined;
  const key = `${event}:${change.workflowId}:${change.eventId}`;
  await db.query(
    `INSERT INTO notifications (key, event, subject, title, body, fingerprint) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT DO NOTHING`,
    [key, event, change.workflowId, message.title, message.body, fingerprint ?? null],
  );
  const { rows } = await db.query<{ key: string }>(
    `SELECT key FROM notifications WHERE key = $1 AND sent_at IS NULL AND resolved_at IS NULL`,
    [key],
  );
  return rows[0]?.key;
}

/**
 * Starts the workflow that sends one notification (ID `notification:<key>`); one already started
 * for the key is left alone.
 *
 * @throws Temporal client errors (the calling activity is retried)
 */
export async function startNotification(client: Client, key: string, taskQueue: string): Promise<void> {
  try {
    await client.workflow.start(NOTIFICATION_WORKFLOW, {
      workflowId: notificationWorkflowId(key),
      taskQueue,
      args: [{ key }],
      staticSummary: `notification ${key}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * The notification activities' settings: the config's `notifications` (see
 * `NotificationSettings`), and the Temporal `namespace` whose task queues tell hosts offline.
 * Without `urls` no event is wanted: a notification Schedule left from when there were checks
 * nothing.
 */
export function notificationSettings(config: Config) {
  const { notifications } = config;
  return {
    ...notifications,
    events: notifications.urls.length > 0 ? notifications.events : [],
    namespace: config.temporal.namespace,
  };
}

/** What {@link notificationSettings} returns. */
export type NotificationActivitySettings = ReturnType<typeof notificationSettings>;

/** Dependencies of the notification activities. */
export interface NotificationDeps {
  pool: pg.Pool;
  client: Client;
  /** Sends the messages (Apprise with `settings.urls`; tests hand in their own). */
  notifier: Notifier;
  settings: NotificationActivitySettings;
}

/** Result of `sendNotification`. */
export interface SendNotificationResult {
  event?: string;
  /** `sent`; `already-sent`; `resolved` (its condition ended before it could go out); `unknown` key. */
  outcome: 'sent' | 'already-sent' | 'resolved' | 'unknown';
}

/** Creates the notification activities. */
export function createNotificationActivities(deps: NotificationDeps) {
  const { pool, settings } = deps;

  /**
   * The suggestion lines of an item awaiting approval, numbered as `vaultarr items approve
   * --suggestion N` takes them, from its `status` query (none when it has none or does not answer).
   */
  const suggestionLines = async (workflowId: string): Promise<string[]> => {
    const status: MediaItemStatus | undefined = await deps.client.workflow
      .getHandle(workflowId)
      .query(statusQuery)
      .catch(() => undefined);
    const suggestions = status?.suggestions ?? [];
    if (suggestions.length === 0) return [];
    return [
      'Suggestions:',
      ...suggestions.map(
        (s, i) => `  ${i + 1}. ${itemLabel({ identity: s.identity, workflowId })} (from ${s.source})`,
      ),
      `Approve one with: vaultarr items approve ${workflowId} --suggestion <N>`,
    ];
  };

  /**
   * Sends the notification with this key, unless it was sent already or its condition ended
   * first. Idempotent: the row is marked sent after Apprise took it.
   *
   * @throws Error when Apprise fails (retried with backoff by the calling workflow)
   */
  async function sendNotification(input: { key: string }): Promise<SendNotificationResult> {
    const { rows } = await pool.query<{
      event: NotificationEvent;
      subject: string;
      title: string;
      body: string;
      sent_at: Date | null;
      resolved_at: Date | null;
    }>('SELECT event, subject, title, body, sent_at, resolved_at FROM notifications WHERE key = $1', [
      input.key,
    ]);
    const row = rows[0];
    if (!row) return { outcome: 'unknown' };
    if (row.sent_at) return { event: row.event, outcome: 'already-sent' };
    // A digest is closed when written; anything else closed before it went out is no longer news.
    if (row.resolved_at && row.event !== 'daily-digest') return { event: row.event, outcome: 'resolved' };
    const extra = row.event === 'awaiting-approval' ? await suggestionLines(row.subject) : [];
    await deps.notifier.send({
      title: redactText(row.title),
      body: redactText([row.body, ...extra].join('\n')),
      type: MESSAGE_TYPE[row.event],
    });
    await pool.query('UPDATE notifications SET sent_at = now() WHERE key = $1', [input.key]);
    return { event: row.event, outcome: 'sent' };
  }

  /** Opens a notification for a condition unless one is open for it; closes the ones whose condition ended. */
  const track = async (
    event: NotificationEvent,
    present: Map<string, Omit<NotificationMessage, 'type'> & { since: string }>,
  ): Promise<void> => {
    for (const [subject, message] of present) {
      await pool.query(
        `INSERT INTO notifications (key, event, subject, title, body) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
        [`${event}:${subject}:${message.since}`, event, subject, message.title, message.body],
      );
    }
    await pool.query(
      `UPDATE notifications SET resolved_at = now()
       WHERE event = $1 AND resolved_at IS NULL AND NOT (subject = ANY($2::text[]))`,
      [event, [...present.keys()]],
    );
  };

  /** Hosts whose queue nobody polls: open `host-offline` rows (sent once open for `hostOfflineMinutes`). */
  const checkHosts = async (): Promise<void> => {
    const hosts = await listHosts(pool, deps.client, settings.namespace);
    const offline = new Map<string, Omit<NotificationMessage, 'type'> & { since: string }>();
    for (const h of hosts.filter((x) => !x.online)) {
      const since = new Date().toISOString();
      offline.set(h.hostId, {
        since,
        title: `vaultarr: host ${h.hostId} is offline`,
        body: [
          `No worker has polled ${h.hostId}'s task queue for ${settings.hostOfflineMinutes} minutes` +
            `${h.lastPollAt ? ` (last poll ${h.lastPollAt})` : ''}.`,
          `${h.itemsInFlight} item(s) of this host wait for it. Start its worker (vaultarr worker) or check the machine.`,
        ].join('\n'),
      });
    }
    await track('host-offline', offline);
  };

  /** Peers a delivery has been retried to for `peerUnreachableHours`: open `peer-unreachable` rows. */
  const checkPeers = async (taskQueue: string): Promise<void> => {
    const oldest = new Map<string, { startedAt: Date; count: number }>();
    const query = `WorkflowType = 'peerDeliveryWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
    for await (const wf of deps.client.workflow.list({ query })) {
      const peer = /^peer-delivery:([^:]+):/.exec(wf.workflowId)?.[1];
      if (!peer) continue;
      const seen = oldest.get(peer);
      if (!seen || wf.startTime < seen.startedAt)
        oldest.set(peer, { startedAt: wf.startTime, count: (seen?.count ?? 0) + 1 });
      else seen.count += 1;
    }
    const limitMs = settings.peerUnreachableHours * 3600_000;
    const unreachable = new Map<string, Omit<NotificationMessage, 'type'> & { since: string }>();
    for (const [peer, { startedAt, count }] of oldest) {
      if (Date.now() - startedAt.getTime() < limitMs) continue;
      unreachable.set(peer, {
        since: startedAt.toISOString(),
        title: `vaultarr: peer ${peer} unreachable`,
        body: [
          `Deliveries to peer ${peer} have been failing since ${startedAt.toISOString()} (${count} waiting).`,
          `They keep retrying; check the peer (vaultarr peer list, its URL and token).`,
        ].join('\n'),
      });
    }
    await track('peer-unreachable', unreachable);
  };

  /** Writes the daily digest's row for the day the Schedule fired (once per day). */
  const writeDigest = async (dayMs: number): Promise<void> => {
    const day = new Date(dayMs - new Date(dayMs).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
    const { rows } = await pool.query<Record<string, string>>(
      `SELECT
         (SELECT count(DISTINCT workflow_id) FROM events
           WHERE stage = 'resident' AND outcome = 'verified' AND at > now() - interval '1 day') AS vaulted,
         (SELECT COALESCE(sum(m.size_bytes), 0) FROM media_items m WHERE m.workflow_id IN
           (SELECT workflow_id FROM events WHERE stage = 'resident' AND outcome = 'verified'
             AND at > now() - interval '1 day')) AS vaulted_bytes,
         (SELECT count(*) FROM events WHERE outcome = 'evicted' AND at > now() - interval '1 day') AS evictions,
         (SELECT COALESCE(sum((details->>'freedBytes')::bigint), 0) FROM events
           WHERE outcome = 'evicted' AND at > now() - interval '1 day') AS freed_bytes,
         (SELECT count(*) FROM events WHERE outcome = 'failed' AND at > now() - interval '1 day') AS failures,
         (SELECT count(*) FROM media_items WHERE stage IN ('failed-needs-attention', 'damaged')) AS attention,
         (SELECT count(*) FROM media_items WHERE stage = 'awaiting-approval') AS approval`,
    );
    const r = rows[0]!;
    const gib = (bytes: string) => `${(Number(bytes) / 2 ** 30).toFixed(2)} GiB`;
    const body = [
      `Last 24 hours: ${r.vaulted} item(s) vaulted (${gib(r.vaulted_bytes!)}), ${r.evictions} eviction(s) (${gib(r.freed_bytes!)} freed), ${r.failures} failure(s).`,
      `Waiting for a person: ${r.attention} item(s) need attention, ${r.approval} await approval.`,
    ].join('\n');
    await pool.query(
      `INSERT INTO notifications (key, event, subject, title, body, resolved_at)
       VALUES ($1, 'daily-digest', $2, $3, $4, now()) ON CONFLICT DO NOTHING`,
      [`daily-digest:${day}`, day, `vaultarr: daily digest ${day}`, body],
    );
  };

  /**
   * The checks a notification Schedule runs: `watch` looks at hosts and peers, `digest` writes the
   * day's digest. Only configured events are checked.
   *
   * @returns keys of notifications due to be sent (open and unsent; a host offline for
   *   `hostOfflineMinutes`; the day's digest while unsent)
   * @throws pg and Temporal client errors (retried)
   */
  async function collectNotifications(input: NotificationChecksInput): Promise<string[]> {
    const info = Context.current().info;
    const wanted = new Set(settings.events);
    if (input.kind === 'digest') {
      if (!wanted.has('daily-digest')) return [];
      await writeDigest(info.scheduledTimestampMs);
    } else {
      if (wanted.has('host-offline')) await checkHosts();
      if (wanted.has('peer-unreachable')) await checkPeers(info.taskQueue);
    }
    const { rows } = await pool.query<{ key: string }>(
      `SELECT key FROM notifications WHERE sent_at IS NULL AND (
         (event = 'daily-digest' AND $1) OR
         (event = 'peer-unreachable' AND resolved_at IS NULL) OR
         (event = 'host-offline' AND resolved_at IS NULL AND created_at < now() - make_interval(secs => $2)))
       ORDER BY created_at`,
      [input.kind === 'digest', settings.hostOfflineMinutes * 60],
    );
    return rows.map((r) => r.key).filter((k) => wanted.has(k.split(':')[0] as NotificationEvent));
  }

  return { sendNotification, collectNotifications };
}

/** The notification activities' functions, for `proxyActivities<NotificationActivities>`. */
export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
