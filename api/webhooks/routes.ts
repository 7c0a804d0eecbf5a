/**
 * `POST|PUT /api/v1/webhooks/{radarr|sonarr|lidarr|readarr}`: *arr Connect > Webhook. Answers at
 * once; the work happens in workflows. See ../shared/contracts/ARR.md.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, type SignalDefinition } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  deletedSignal,
  libraryFileImportedSignal,
  renamedSignal,
  TRASH_VAULT_FOLDER_WORKFLOW,
  type MediaItemPolicy,
} from '../../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../../domain/task-queues.js';
import { ItemService } from '../../lib/items.js';
import { mapArrPath, type PathRewrite } from '../../lib/path-rewrites.js';
import { ARR_APPS, interpretWebhook, type ArrApp, type WebhookIntent } from './interpret.js';

/** What the webhook routes need. */
export interface WebhookDeps {
  client: Client;
  pool: pg.Pool;
  items: ItemService;
  localRoot: string;
  pathRewrites: PathRewrite[];
  /** Host whose disk the *arr writes to: imported files are copied by its worker. */
  hostId: string;
  policy: MediaItemPolicy;
  /** Workflow task queue (default `vaultarr`). */
  taskQueue?: string;
}

type Mapped =
  | {
      kind: 'import';
      libraryPath: string;
      intent: Extract<WebhookIntent, { kind: 'import' }>;
      replaces: string[];
    }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'delete'; libraryPath: string; reason: string }
  | { kind: 'delete-folder'; folder: string; reason: string };

/** Maps every intent's paths; collects every problem instead of stopping at the first. */
function mapIntents(intents: WebhookIntent[], deps: WebhookDeps): { mapped: Mapped[]; problems: string[] } {
  const problems: string[] = [];
  const map = (p: string): string => {
    try {
      return mapArrPath(p, deps.pathRewrites, deps.localRoot);
    } catch (err) {
      problems.push(`${JSON.stringify(p)}: ${(err as Error).message}`);
      return '';
    }
  };
  const mapped = intents.map((intent): Mapped => {
    switch (intent.kind) {
      case 'import':
        return {
          kind: 'import',
          libraryPath: map(intent.arrPath),
          intent,
          replaces: intent.replaces.map(map),
        };
      case 'rename':
        return { kind: 'rename', from: map(intent.fromArrPath), to: map(intent.toArrPath) };
      case 'delete':
        return { kind: 'delete', libraryPath: map(intent.arrPath), reason: intent.reason };
      case 'delete-folder':
        return { kind: 'delete-folder', folder: map(intent.arrPath), reason: intent.reason };
    }
  });
  return { mapped, problems };
}

/** Creates the webhook router (mount after the token auth). */
export function webhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  const base = { hostId: deps.hostId, policy: deps.policy };
  const taskQueue = deps.taskQueue ?? SHARED_TASK_QUEUE;

  /** Workflow IDs by library path, looked up once per delivery (and while its dedupe row is written). */
  type IdLookup = (libraryPath: string) => Promise<string>;
  const lookups = (): IdLookup => {
    const memo = new Map<string, Promise<string>>();
    return (libraryPath) => {
      let id = memo.get(libraryPath);
      if (!id) {
        id = deps.items.workflowIdFor(libraryPath);
        id.catch(() => undefined); // awaited (and reported) by whoever uses it
        memo.set(libraryPath, id);
      }
      return id;
    };
  };

  /** Signals the workflow carrying a library path, starting one for it when none runs. */
  const signalItem = async <T>(
    idFor: IdLookup,
    libraryPath: string,
    signal: SignalDefinition<[T]>,
    signalArg: T,
  ): Promise<string> => {
    const workflowId = await idFor(libraryPath);
    await deps.items.signalWithStart({ workflowId, libraryPath, input: base, signal, signalArg, taskQueue });
    return workflowId;
  };

  /** The library paths whose workflow IDs an intent needs. */
  const pathsOf = (m: Mapped): string[] =>
    m.kind === 'import'
      ? [m.libraryPath, ...m.replaces]
      : m.kind === 'delete-folder'
        ? []
        : [m.kind === 'rename' ? m.from : m.libraryPath];

  const execute = async (m: Mapped, dedupeKey: string, idFor: IdLookup): Promise<string[]> => {
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
        return [await signalItem(idFor, m.from, renamedSignal, { libraryPath: m.to })];
      case 'delete':
        return [await signalItem(idFor, m.libraryPath, deletedSignal, { reason: m.reason })];
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
        const trashId = `trash:${createHash('sha1').update(`${dedupeKey}:${m.folder}`).digest('hex')}`;
        await deps.client.workflow.start(TRASH_VAULT_FOLDER_WORKFLOW, {
          workflowId: trashId,
          taskQueue,
          args: [{ folder: m.folder, reason: m.reason }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          staticSummary: `trash ${m.folder}`,
        });
        return [...ids, trashId];
      }
    }
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const app = req.params.app as ArrApp;
    if (!(ARR_APPS as readonly string[]).includes(app)) {
      res.status(404).json({
        error: 'not-found',
        message: `no webhook for "${req.params.app}"; use one of ${ARR_APPS.join(', ')}`,
      });
      return;
    }
    const interpretation = interpretWebhook(app, req.body);
    if (!interpretation.ok) {
      res.status(400).json({ error: 'invalid-webhook', problems: interpretation.problems });
      return;
    }
    const { eventType, intents } = interpretation;
    if (interpretation.test) {
      res.status(200).json({ ok: true, eventType });
      return;
    }
    const { mapped, problems } = mapIntents(intents, deps);
    if (problems.length) {
      res.status(400).json({ error: 'invalid-webhook', problems });
      return;
    }
    const dedupeKey = createHash('sha256')
      .update(`${app}\n${JSON.stringify(req.body)}`)
      .digest('hex');
    // The catalog lookups of the workflow IDs run while the delivery is recorded: one round trip, not two.
    const idFor = lookups();
    for (const m of mapped) for (const p of pathsOf(m)) void idFor(p);
    const inserted = await deps.pool.query(
      `INSERT INTO webhook_deliveries (dedupe_key, app, event_type, summary) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [dedupeKey, app, eventType, JSON.stringify({ intents: mapped.map((m) => m.kind) })],
    );
    if (!inserted.rowCount) {
      res.status(200).json({ ok: true, eventType, duplicate: true });
      return;
    }
    try {
      const workflows = (await Promise.all(mapped.map((m) => execute(m, dedupeKey, idFor)))).flat();
      res.status(200).json({ ok: true, eventType, workflows });
    } catch (err) {
      // Nothing durable happened for this delivery: forget it so that a manual resend works.
      await deps.pool
        .query('DELETE FROM webhook_deliveries WHERE dedupe_key = $1', [dedupeKey])
        .catch(() => undefined);
      throw err;
    }
  };

  const wrapped = (req: Request, res: Response, next: (err?: unknown) => void) => {
    handle(req, res).catch(next);
  };
  router.post('/:app', wrapped);
  router.put('/:app', wrapped);
  return router;
}
