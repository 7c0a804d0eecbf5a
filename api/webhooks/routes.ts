/**
 * `POST|PUT /api/v1/webhooks/<app>` (an app of `apps/registry.ts`): *arr Connect > Webhook. Checks the
 * delivery, records it and answers at once; the forwarder starts the workflows, which do the work.
 * Answers: 200 (`Test`, nothing to do, a duplicate), 202 (recorded), 400 (malformed or out of
 * scope: every problem), 409 (would put a file where another item's file lives). See
 * docs/contracts/ARR.md.
 */
import { Router, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { mapArrPath } from '../../lib/path-rewrites.js';
import { workflowIdForPath } from '../../lib/items/index.js';
import { liveItemsAt, type PathHolder } from '../../activities/catalog/activities.js';
import type { ApiSettings } from '../app.js';
import { deliveryKeys, type DeliveryPlan, type Mapped, type WebhookForwarder } from './forwarder.js';
import type { WebhookIntent } from './apps/common.js';
import { ARR_APPS, interpretWebhook, type ArrApp } from './apps/registry.js';

/** What the webhook routes need. */
export interface WebhookDeps {
  pool: pg.Pool;
  /** Forwards recorded deliveries to Temporal (kicked after each). */
  forwarder: Pick<WebhookForwarder, 'kick'>;
  /**
   * The API's settings the routes read (see `apiSettings`): the library, the *arr path rewrites,
   * the host whose disk the *arr writes to (its worker copies imported files), the workflow task
   * queue, and the window within which the same body again is a duplicate.
   */
  settings: Pick<ApiSettings, 'localRoot' | 'pathRewrites' | 'hostId' | 'taskQueue' | 'dedupeWindowMs'>;
}

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

/** How a holder of a library path is described in a refusal. */
function holderText(h: PathHolder): string {
  const where =
    h.stage === 'evicted' || h.stage === 'evicting'
      ? 'evicted from the local disk: the vault holds its only copy'
      : `${h.stage} on host ${h.hostId}`;
  return `${h.libraryPath} belongs to item ${h.workflowId} (${where})`;
}

/**
 * The sorter's rule, for webhooks: one library path is carried by one item. A rename onto a path
 * another live item carries, or an import (Download) at a path a live item carries that the
 * import does not replace (not in its `deletedFiles`) and whose file is not the one the catalog
 * recorded (size and modification time), would replace that item's vault copy.
 *
 * @returns every refusal, as `"<arr path>": message` (the route answers 409)
 * @throws pg errors (500; nothing was recorded)
 */
async function conflictProblems(mapped: Mapped[], deps: WebhookDeps): Promise<string[]> {
  const problems: string[] = [];
  for (const m of mapped) {
    if (m.kind === 'rename') {
      if (m.from === m.to) continue;
      const holders = await liveItemsAt(deps.pool, [m.to], await workflowIdForPath(deps.pool, m.from));
      for (const h of holders)
        problems.push(
          `${JSON.stringify(m.to)}: ${holderText(h)}; renaming ${m.from} onto it would replace that item's vault copy. Rename or delete that file in the *arr first`,
        );
    } else if (m.kind === 'import' && !m.replaces.includes(m.libraryPath)) {
      const holders = (await liveItemsAt(deps.pool, [m.libraryPath], '')).filter(
        (h) => h.stage !== 'duplicate',
      );
      if (holders.length === 0) continue;
      const local = await stat(path.join(deps.settings.localRoot, m.libraryPath));
      const { rows } = await deps.pool.query<{ workflow_id: string }>(
        `SELECT workflow_id FROM media_items
          WHERE workflow_id = ANY($1) AND size_bytes = $2 AND abs(extract(epoch FROM mtime) * 1000 - $3) < 1000`,
        [holders.map((h) => h.workflowId), local.size, local.mtimeMs],
      );
      const sameFile = new Set(rows.map((r) => r.workflow_id));
      for (const h of holders.filter((h) => !sameFile.has(h.workflowId)))
        problems.push(
          `${JSON.stringify(m.intent.arrPath)}: ${holderText(h)}; this import is a different file and not an upgrade of it (not in deletedFiles), so it would replace that item's vault copy. Delete the old file in the *arr first, or import as an upgrade`,
        );
    }
  }
  return problems;
}

/** Maps every intent's paths; collects every problem instead of stopping at the first. */
function mapIntents(intents: WebhookIntent[], deps: WebhookDeps): { mapped: Mapped[]; problems: string[] } {
  const problems: string[] = [];
  const map = (p: string): string => {
    try {
      return mapArrPath(p, deps.settings.pathRewrites, deps.settings.localRoot);
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

/**
 * Creates the webhook router (mount after the token auth). A valid delivery is recorded in the
 * outbox (`webhook_deliveries`) and answered `202`; `forwarder` starts or signals its workflows
 * right after (see `forwarder.ts`).
 */
export function webhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  const { taskQueue, dedupeWindowMs } = deps.settings;

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
    if (!problems.length) problems.push(...(await scopeProblems(mapped, deps.settings.localRoot)));
    if (problems.length) {
      res.status(400).json({ error: 'invalid-webhook', problems });
      return;
    }
    const conflicts = await conflictProblems(mapped, deps);
    if (conflicts.length) {
      res.status(409).json({ error: 'conflict', problems: conflicts });
      return;
    }
    const dedupeKey = createHash('sha256')
      .update(`${app}\n${JSON.stringify(req.body)}`)
      .digest('hex');
    // A body seen within the window is a redelivery; an older row is the previous event with the
    // same body (a movie deleted, re-added and deleted again): this delivery takes its place, and
    // a new place in the order. An event that asks for nothing (Grab, Health) is recorded as done.
    // The delivery ID (`<dedupe key>@<arrival ms>`, the key of the workflows it starts) takes the
    // database's arrival time, so the statement writes it into the plan.
    const nothingToDo = mapped.length === 0;
    const recorded = await deps.pool.query<{ delivery_id: string }>(
      `INSERT INTO webhook_deliveries AS d (dedupe_key, app, event_type, summary, keys, plan, forwarded_at)
       VALUES ($1, $2, $3, $4, $6,
               CASE WHEN NOT $8 THEN jsonb_set($7::jsonb, '{deliveryId}',
                 to_jsonb($1 || '@' || (extract(epoch FROM now()) * 1000)::bigint::text)) END,
               CASE WHEN $8 THEN now() END)
       ON CONFLICT (dedupe_key) DO UPDATE
         SET received_at = now(), event_type = EXCLUDED.event_type, summary = EXCLUDED.summary,
             keys = EXCLUDED.keys, plan = EXCLUDED.plan, seq = nextval('webhook_deliveries_seq'),
             forwarded_at = EXCLUDED.forwarded_at, attempts = 0, next_attempt_at = now(),
             claimed_until = NULL, last_error = NULL
         WHERE d.received_at < now() - make_interval(secs => $5)
       RETURNING $1 || '@' || (extract(epoch FROM d.received_at) * 1000)::bigint::text AS delivery_id`,
      [
        dedupeKey,
        app,
        eventType,
        JSON.stringify({ intents: mapped.map((m) => m.kind) }),
        dedupeWindowMs / 1000,
        deliveryKeys(mapped),
        JSON.stringify({
          deliveryId: '',
          hostId: deps.settings.hostId,
          taskQueue,
          intents: mapped,
        } satisfies DeliveryPlan),
        nothingToDo,
      ],
    );
    const deliveryId = recorded.rows[0]?.delivery_id;
    if (!deliveryId) {
      res.status(200).json({ ok: true, eventType, duplicate: true });
      return;
    }
    if (nothingToDo) {
      res.status(200).json({ ok: true, eventType, workflows: [] });
      return;
    }
    // Recorded: from here on the delivery is not lost, whatever happens to Temporal or this process.
    deps.forwarder.kick();
    res.status(202).json({ ok: true, eventType, delivery: deliveryId });
  };

  const wrapped = (req: Request, res: Response, next: (err?: unknown) => void) => {
    handle(req, res).catch(next);
  };
  router.post('/:app', wrapped);
  router.put('/:app', wrapped);
  return router;
}
