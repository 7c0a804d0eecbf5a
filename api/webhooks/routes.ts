/**
 * `POST|PUT /api/v1/webhooks/{radarr|sonarr|lidarr|readarr}`: *arr Connect > Webhook. Answers at
 * once; the work happens in workflows. See ../shared/contracts/ARR.md.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, type SignalDefinition } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import {
  deletedSignal,
  libraryFileImportedSignal,
  renamedSignal,
  TRASH_VAULT_FILE_WORKFLOW,
  TRASH_VAULT_FOLDER_WORKFLOW,
} from '../../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../../domain/task-queues.js';
import { DEFAULT_DEDUPE_WINDOW_MINUTES } from '../../lib/config.js';
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
  /** Workflow task queue (default `vaultarr`). */
  taskQueue?: string;
  /** The same body delivered again within this many ms is a duplicate (default `webhooks.dedupeWindowMinutes`'s). */
  dedupeWindowMs?: number;
}

type Mapped =
  | {
      kind: 'import';
      libraryPath: string;
      intent: Extract<WebhookIntent, { kind: 'import' }>;
      replaces: string[];
    }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'delete'; libraryPath: string; reason: string; arrPath: string }
  | { kind: 'delete-folder'; folder: string; reason: string; arrPath: string };

/** Top-level folders vaultarr manages itself: never the library an *arr imports into or deletes from. */
const NOT_LIBRARY = new Set(['Incoming', 'Unsorted']);

/**
 * What an intent may touch, checked after mapping: a delete names a file, or a folder at least one
 * level below a library folder (`Movies/<movie>`, `Shows/<series>`), never `Movies/` itself
 * (whatever spelling, `Movies/.` or `Movies/x/..`, normalised to it by the mapping); an import
 * names a regular file that exists in the library (not in `Incoming/` or `Unsorted/`).
 *
 * @returns every problem, as `"<arr path>": message`
 */
async function scopeProblems(mapped: Mapped[], localRoot: string): Promise<string[]> {
  const problems: string[] = [];
  const top = (libraryPath: string) => libraryPath.split('/')[0]!;
  const depth = (libraryPath: string) => libraryPath.split('/').length;
  const kindOf = async (libraryPath: string): Promise<'file' | 'folder' | 'missing' | 'other'> => {
    try {
      // Symlinks are followed: mapping already refused any that leads out of the library.
      const s = await stat(path.join(localRoot, libraryPath));
      return s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
  };
  /** A file delete (MovieFileDelete, an upgrade's deletedFiles): a path that can only be a file. */
  const checkFileDelete = async (arrPath: string, libraryPath: string) => {
    const quoted = JSON.stringify(arrPath);
    if (depth(libraryPath) < 2 || NOT_LIBRARY.has(top(libraryPath)))
      problems.push(
        `${quoted}: names "${libraryPath}", not a file in the library; a file delete must name one file`,
      );
    else if (/(^|\/)\.{0,2}\/*$/.test(arrPath) || (await kindOf(libraryPath)) === 'folder')
      problems.push(`${quoted}: names the folder "${libraryPath}"; a file delete must name one file`);
  };
  for (const m of mapped) {
    switch (m.kind) {
      case 'delete-folder':
        if (depth(m.folder) < 2 || NOT_LIBRARY.has(top(m.folder)))
          problems.push(
            `${JSON.stringify(m.arrPath)}: names "${m.folder}"; a delete may only name a movie, series, artist or author folder below a library folder (e.g. "Movies/<movie>"), or a file`,
          );
        break;
      case 'delete':
        await checkFileDelete(m.arrPath, m.libraryPath);
        break;
      case 'import': {
        const quoted = JSON.stringify(m.intent.arrPath);
        const found =
          depth(m.libraryPath) < 2 || NOT_LIBRARY.has(top(m.libraryPath))
            ? undefined
            : await kindOf(m.libraryPath);
        if (found === undefined)
          problems.push(
            `${quoted}: names "${m.libraryPath}", not a file in the library (an import must name the imported media file)`,
          );
        else if (found === 'folder')
          problems.push(
            `${quoted}: names the folder "${m.libraryPath}"; an import must name the imported media file`,
          );
        else if (found === 'missing')
          problems.push(`${quoted}: no such file in the library (${m.libraryPath})`);
        else if (found === 'other') problems.push(`${quoted}: "${m.libraryPath}" is not a regular file`);
        for (const [i, replaced] of m.replaces.entries())
          await checkFileDelete(m.intent.replaces[i]!, replaced);
        break;
      }
      case 'rename':
        break;
    }
  }
  return problems;
}

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
        return {
          kind: 'delete',
          libraryPath: map(intent.arrPath),
          reason: intent.reason,
          arrPath: intent.arrPath,
        };
      case 'delete-folder':
        return {
          kind: 'delete-folder',
          folder: map(intent.arrPath),
          reason: intent.reason,
          arrPath: intent.arrPath,
        };
    }
  });
  return { mapped, problems };
}

/** Creates the webhook router (mount after the token auth). */
export function webhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  const base = { hostId: deps.hostId };
  const taskQueue = deps.taskQueue ?? SHARED_TASK_QUEUE;
  const dedupeWindowMs = deps.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MINUTES * 60_000;

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

  /** The library paths whose workflow IDs an intent needs (a delete looks up its carrier itself). */
  const pathsOf = (m: Mapped): string[] =>
    m.kind === 'import' ? [m.libraryPath, ...m.replaces] : m.kind === 'rename' ? [m.from] : [];

  /**
   * A delete of a file no item carries: its vault copy (if any) goes to the trash and an event
   * with no item records it; no item workflow is started for it.
   */
  const deleteUnknown = async (m: Extract<Mapped, { kind: 'delete' }>, deliveryId: string) => {
    const trashId = `trash:${createHash('sha1').update(`${deliveryId}:${m.libraryPath}`).digest('hex')}`;
    await deps.client.workflow.start(TRASH_VAULT_FILE_WORKFLOW, {
      workflowId: trashId,
      taskQueue,
      args: [{ libraryPath: m.libraryPath, reason: m.reason }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `trash ${m.libraryPath}`,
    });
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

  const execute = async (m: Mapped, deliveryId: string, idFor: IdLookup): Promise<string[]> => {
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
      case 'delete': {
        const workflowId = await deps.items.carrierOf(m.libraryPath);
        if (!workflowId) return [await deleteUnknown(m, deliveryId)];
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
        const trashId = `trash:${createHash('sha1').update(`${deliveryId}:${m.folder}`).digest('hex')}`;
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
    if (!problems.length) problems.push(...(await scopeProblems(mapped, deps.localRoot)));
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
    // A body seen within the window is a redelivery; an older row is the previous event with the
    // same body (a movie deleted, re-added and deleted again) and this delivery takes its place.
    const recorded = await deps.pool.query<{ received: string }>(
      `INSERT INTO webhook_deliveries AS d (dedupe_key, app, event_type, summary) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO UPDATE
         SET received_at = now(), event_type = EXCLUDED.event_type, summary = EXCLUDED.summary
         WHERE d.received_at < now() - make_interval(secs => $5)
       RETURNING (extract(epoch FROM received_at) * 1000)::bigint::text AS received`,
      [
        dedupeKey,
        app,
        eventType,
        JSON.stringify({ intents: mapped.map((m) => m.kind) }),
        dedupeWindowMs / 1000,
      ],
    );
    const received = recorded.rows[0]?.received;
    if (!received) {
      res.status(200).json({ ok: true, eventType, duplicate: true });
      return;
    }
    // One ID per delivery that is not a duplicate: workflows it starts are keyed by it.
    const deliveryId = `${dedupeKey}@${received}`;
    try {
      const workflows = (await Promise.all(mapped.map((m) => execute(m, deliveryId, idFor)))).flat();
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
