/**
 * The webhook outbox's forwarder: starts or signals the workflows of the webhook deliveries the
 * API recorded in `webhook_deliveries` (see `routes.ts`), after their answer was sent.
 *
 * A delivery is forwarded once its turn comes: deliveries that touch the same movie, series,
 * artist or author folder (`Movies/<movie>`) go in the order they arrived, others side by side
 * (up to `maxInFlight`). A delivery that fails (Temporal down or restarting, Postgres busy) is
 * tried again after 1, 2, 4 ... seconds, at most five minutes apart, for as long as it takes, and
 * holds back the later deliveries of its folders meanwhile. Several forwarders (API processes) may
 * share a database: each claims the deliveries it works on for `claimMs`.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, type SignalDefinition } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  deletedSignal,
  libraryFileImportedSignal,
  renamedSignal,
  TRASH_VAULT_FILE_WORKFLOW,
  TRASH_VAULT_FOLDER_WORKFLOW,
} from '../../domain/messages.js';
import type { ItemService } from '../../lib/items/index.js';
import type { Logger } from '../../lib/logger.js';
import type { WebhookIntent } from './apps/common.js';

/** One intent of a delivery with its paths mapped to library paths (and checked). */
export type Mapped =
  | {
      kind: 'import';
      libraryPath: string;
      intent: Extract<WebhookIntent, { kind: 'import' }>;
      replaces: string[];
    }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'delete'; libraryPath: string; reason: string; arrPath: string }
  | { kind: 'delete-folder'; folder: string; reason: string; arrPath: string };

/** What the API records for a delivery (`webhook_deliveries.plan`): everything forwarding needs. */
export interface DeliveryPlan {
  /** `<dedupe key>@<received ms>`: workflows the delivery starts are keyed by it. */
  deliveryId: string;
  /** Host whose disk the *arr writes to (the imported files' host). */
  hostId: string;
  /** Workflow task queue. */
  taskQueue: string;
  intents: Mapped[];
}

/**
 * The folders a delivery touches (`Movies/<movie>`, `Shows/<series>`; a file right under a
 * library folder counts as its own): deliveries sharing one are forwarded in order.
 */
export function deliveryKeys(intents: Mapped[]): string[] {
  const paths = intents.flatMap((m) =>
    m.kind === 'import'
      ? [m.libraryPath, ...m.replaces]
      : m.kind === 'rename'
        ? [m.from, m.to]
        : m.kind === 'delete'
          ? [m.libraryPath]
          : [m.folder],
  );
  return [...new Set(paths.map((p) => p.split('/').slice(0, 2).join('/')))];
}

/** What a forwarder needs. */
export interface ForwarderDeps {
  client: Client;
  pool: pg.Pool;
  items: ItemService;
  /** Where forwarding failures are logged (default nowhere; `last_error` keeps the last one). */
  log?: Logger;
  /** Deliveries forwarded at once, at most (default 32). */
  maxInFlight?: number;
  /** How long a claimed delivery is this forwarder's, in ms (default 60,000). */
  claimMs?: number;
}

/** How long a forwarded delivery waits for others to be recorded with it, in ms. */
const RECORD_BATCH_MS = 10;

/** The longest wait between two tries of one delivery, in seconds. */
const MAX_BACKOFF_SECONDS = 300;

/**
 * Forwards recorded webhook deliveries to Temporal. `kick()` after recording one; `start()` also
 * looks for due deliveries every few seconds (those a crash, a restart or a failure left);
 * `stop()` waits for the deliveries in flight.
 */
export class WebhookForwarder {
  private readonly maxInFlight: number;
  private readonly claimMs: number;
  private inFlight = new Set<Promise<void>>();
  /** Deliveries in flight here: a claim that ran out while one is still forwarded is not taken twice. */
  private forwarding = new Set<string>();
  /** Deliveries forwarded and waiting to be recorded so (see `recordForwarded`). */
  private forwarded: Array<{ dedupeKey: string; resolve: () => void; reject: (err: Error) => void }> = [];
  private running: Promise<void> | undefined;
  private again = false;
  /** A forward failed since the last success: the next success ends the others' backoff. */
  private failing = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ForwarderDeps) {
    this.maxInFlight = deps.maxInFlight ?? 32;
    this.claimMs = deps.claimMs ?? 60_000;
  }

  /**
   * Looks for deliveries every `pollMs` (the API process; default 2 s), beginning with every
   * pending one at once, whatever its backoff: a process (re)starting is the moment to try.
   */
  start(pollMs = 2000): this {
    this.running = this.deps.pool
      .query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE forwarded_at IS NULL')
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
    this.timer = setInterval(() => this.kick(), pollMs);
    this.timer.unref();
    return this;
  }

  /** Forwards what is due, soon; calls made while a round runs coalesce into one more round. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: Error) => this.deps.log?.warn({ err: err.message }, 'webhook forwarder: claiming failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops looking and waits for the deliveries in flight (their outcome is recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.running;
    await Promise.all(this.inFlight);
  }

  /**
   * Claims the due deliveries whose folders no earlier pending delivery touches, in order of
   * arrival, and forwards each.
   */
  private async round(): Promise<void> {
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    const { rows } = await this.deps.pool.query<{ dedupe_key: string; plan: DeliveryPlan }>(
      `UPDATE webhook_deliveries SET claimed_until = now() + make_interval(secs => $2)
        WHERE dedupe_key IN (
          SELECT d.dedupe_key FROM webhook_deliveries d
           WHERE d.forwarded_at IS NULL AND d.plan IS NOT NULL AND d.next_attempt_at <= now()
             AND (d.claimed_until IS NULL OR d.claimed_until < now())
             AND NOT EXISTS (
               SELECT 1 FROM webhook_deliveries e
                WHERE e.forwarded_at IS NULL AND e.plan IS NOT NULL AND e.seq < d.seq AND e.keys && d.keys)
           ORDER BY d.seq LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING dedupe_key, plan`,
      [room, this.claimMs / 1000],
    );
    for (const row of rows) {
      if (this.forwarding.has(row.dedupe_key)) continue;
      this.forwarding.add(row.dedupe_key);
      const work: Promise<void> = this.forward(row.dedupe_key, row.plan).finally(() => {
        this.forwarding.delete(row.dedupe_key);
        this.inFlight.delete(work);
        this.kick();
      });
      this.inFlight.add(work);
    }
  }

  /**
   * Marks a delivery forwarded, together with the others that finished within
   * {@link RECORD_BATCH_MS}: one statement (and one commit) for a burst instead of one each.
   */
  private recordForwarded(dedupeKey: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.forwarded.push({ dedupeKey, resolve, reject });
      if (this.forwarded.length > 1) return;
      setTimeout(() => {
        const batch = this.forwarded.splice(0);
        this.deps.pool
          .query(
            `UPDATE webhook_deliveries SET forwarded_at = now(), claimed_until = NULL, last_error = NULL
              WHERE dedupe_key = ANY($1)`,
            [batch.map((b) => b.dedupeKey)],
          )
          .then(async () => {
            batch.forEach((b) => b.resolve());
            if (!this.failing) return;
            // Temporal answers again: what waits out a backoff goes now, not minutes later.
            this.failing = false;
            await this.deps.pool.query(
              'UPDATE webhook_deliveries SET next_attempt_at = now() WHERE forwarded_at IS NULL AND next_attempt_at > now()',
            );
            this.kick();
          })
          .catch((err: Error) => batch.forEach((b) => b.reject(err)));
      }, RECORD_BATCH_MS);
    });
  }

  /** Forwards one delivery and records the outcome (forwarded, or the error and the next try). */
  private async forward(dedupeKey: string, plan: DeliveryPlan): Promise<void> {
    try {
      await forwardDelivery(this.deps, plan);
      await this.recordForwarded(dedupeKey);
    } catch (err) {
      this.failing = true;
      const message = (err as Error).message;
      this.deps.log?.warn(
        { err: message, delivery: plan.deliveryId },
        'webhook forwarding failed; will retry',
      );
      const { rows } = await this.deps.pool
        .query<{ wait: number }>(
          `UPDATE webhook_deliveries
              SET attempts = attempts + 1, last_error = $2, claimed_until = NULL,
                  next_attempt_at = now() + make_interval(secs => least($3, power(2, attempts)))
            WHERE dedupe_key = $1
        RETURNING least($3, power(2, attempts - 1))::float8 AS wait`,
          [dedupeKey, message, MAX_BACKOFF_SECONDS],
        )
        .catch(() => ({ rows: [] as { wait: number }[] }));
      // Without a poll (tests), the retry still comes; with one, this only makes it punctual.
      if (!this.stopped && !this.retryTimer) {
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = undefined;
            this.kick();
          },
          (rows[0]?.wait ?? 1) * 1000 + 50,
        );
        this.retryTimer.unref();
      }
    }
  }
}

/**
 * Starts or signals the workflows of one delivery: an import starts the item's workflow (or
 * signals it, `libraryFileImported`), a rename or delete signals the carrier, a delete of a file
 * no item carries or of a folder starts a vault-trash workflow (keyed by the delivery, so a retry
 * starts nothing twice). Safe to repeat: starts use `USE_EXISTING`; a repeated signal is one the
 * item workflow already handled and it changes nothing.
 *
 * @returns the workflow IDs started or signalled
 * @throws Temporal client errors and pg errors (the forwarder tries again)
 */
export async function forwardDelivery(
  deps: Pick<ForwarderDeps, 'client' | 'pool' | 'items'>,
  plan: DeliveryPlan,
): Promise<string[]> {
  const { deliveryId, taskQueue } = plan;
  const base = { hostId: plan.hostId };
  const idFor = lookups(deps.items);

  const signalItem = async <T>(
    libraryPath: string,
    signal: SignalDefinition<[T]>,
    signalArg: T,
  ): Promise<string> => {
    const workflowId = await idFor(libraryPath);
    await deps.items.signalWithStart({ workflowId, libraryPath, input: base, signal, signalArg, taskQueue });
    return workflowId;
  };

  /** Starts the vault-trash workflow of a file or folder, keyed by the delivery and the path. */
  const startTrash = async (
    workflowType: typeof TRASH_VAULT_FILE_WORKFLOW | typeof TRASH_VAULT_FOLDER_WORKFLOW,
    libraryPath: string,
    args: [{ libraryPath: string; reason: string }] | [{ folder: string; reason: string }],
  ): Promise<string> => {
    const workflowId = `trash:${createHash('sha1').update(`${deliveryId}:${libraryPath}`).digest('hex')}`;
    await deps.client.workflow.start(workflowType, {
      workflowId,
      taskQueue,
      args,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `trash ${libraryPath}`,
    });
    return workflowId;
  };

  /**
   * A delete of a file no item carries: its vault copy (if any) goes to the trash and an event
   * with no item records it; no item workflow is started for it.
   */
  const deleteUnknown = async (m: Extract<Mapped, { kind: 'delete' }>) => {
    const trashId = await startTrash(TRASH_VAULT_FILE_WORKFLOW, m.libraryPath, [
      { libraryPath: m.libraryPath, reason: m.reason },
    ]);
    await deps.pool.query(
      `INSERT INTO events (workflow_id, library_path, dedupe_key, stage, outcome, details)
       VALUES (NULL, $1, $2, 'deleted', 'deleted-unknown-file', $3) ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        m.libraryPath,
        `webhook-delete:${deliveryId}:${m.libraryPath}`,
        JSON.stringify({
          reason: m.reason,
          message: 'no item carries this file; its vault copy (if any) goes to the vault trash',
          trashWorkflowId: trashId,
        }),
      ],
    );
    return trashId;
  };

  const execute = async (m: Mapped): Promise<string[]> => {
    switch (m.kind) {
      case 'import': {
        const [workflowId, replaces] = await Promise.all([
          idFor(m.libraryPath),
          Promise.all(
            m.replaces.map(async (libraryPath) => ({ libraryPath, workflowId: await idFor(libraryPath) })),
          ),
        ]);
        await deps.items.signalWithStart({
          workflowId,
          libraryPath: m.libraryPath,
          input: {
            ...base,
            origin: { kind: 'library', libraryPath: m.libraryPath, identity: m.intent.identity },
          },
          signal: libraryFileImportedSignal,
          signalArg: { identity: m.intent.identity, replaces },
          taskQueue,
        });
        return [workflowId];
      }
      case 'rename':
        return [await signalItem(m.from, renamedSignal, { libraryPath: m.to })];
      case 'delete': {
        const workflowId = await deps.items.carrierOf(m.libraryPath);
        if (!workflowId) return [await deleteUnknown(m)];
        await deps.items.signalWithStart({
          workflowId,
          libraryPath: m.libraryPath,
          input: base,
          signal: deletedSignal,
          signalArg: { reason: m.reason },
          taskQueue,
        });
        return [workflowId];
      }
      case 'delete-folder': {
        const ids = await deps.items.workflowIdsUnder(m.folder);
        await Promise.all(
          ids.map((id) =>
            deps.client.workflow
              .getHandle(id)
              .signal(deletedSignal, { reason: m.reason })
              .catch(() => undefined),
          ),
        );
        return [
          ...ids,
          await startTrash(TRASH_VAULT_FOLDER_WORKFLOW, m.folder, [{ folder: m.folder, reason: m.reason }]),
        ];
      }
    }
  };

  return (await Promise.all(plan.intents.map(execute))).flat();
}

/** Workflow IDs by library path, looked up once per delivery. */
function lookups(items: ItemService): (libraryPath: string) => Promise<string> {
  const memo = new Map<string, Promise<string>>();
  return (libraryPath) => {
    let id = memo.get(libraryPath);
    if (!id) {
      id = items.workflowIdFor(libraryPath);
      id.catch(() => undefined); // awaited (and reported) by whoever uses it
      memo.set(libraryPath, id);
    }
    return id;
  };
}
