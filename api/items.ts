/**
 * Items REST: `GET /api/v1/items`, `GET /api/v1/items/:id`, `POST /api/v1/items/:id/{approve|attach|retry|skip|pin|unpin|evict|cancel}`
 * (`approve` takes an identity or `{ suggestion: N }`; `attach` a leftover subtitle and the item to attach it to).
 * `:id` is what `vaultarr items list` prints or the CLI accepts: a full workflow ID or a unique
 * prefix of its hash (an ambiguous prefix → 409 `ambiguous`, an unknown one → 404).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseApprovalRequest } from '../domain/approval.js';
import { STAGES } from '../domain/stages.js';
import type { ItemAction, ItemService } from '../lib/items/index.js';

const ListQuerySchema = z.strictObject({
  stage: z.enum(STAGES).optional(),
  kind: z.enum(['movie', 'episode', 'music', 'book', 'unknown']).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(500).optional(),
});
const ACTIONS = ['retry', 'skip', 'pin', 'unpin', 'evict', 'cancel'] as const;
const EmptyBodySchema = z.strictObject({}).optional();
const AttachBodySchema = z.strictObject({
  file: z.string().min(1).max(1000),
  to: z.string().min(1).max(500),
});

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) =>
  void h(req, res).catch(next);

/** Creates the items router (mount after the token auth). */
export function itemsRouter(items: ItemService): Router {
  const router = Router();

  /** `?stage=&kind=&q=&limit=&cursor=` → 200 `{ items, nextCursor? }`. */
  router.get(
    '/',
    wrap(async (req, res) => {
      const query = ListQuerySchema.parse(req.query);
      res.json(await items.list(query));
    }),
  );

  /**
   * → 200 `{ item, live, workflowStatus, progress?, unsortedVault? }`; `progress` is what the item's
   * running host activity does now (`phase`, `bytesDone`, `bytesTotal`, `percent`, `phaseSeconds`,
   * `updatedAt`: written by the worker at least every 2 s, see `lib/item-progress.ts`); 404 when unknown.
   */
  router.get(
    '/:id',
    wrap(async (req, res) => {
      res.json(await items.get(String(req.params.id)));
    }),
  );

  /**
   * Body: an approval (`{kind:"movie",title,year}` or `{kind:"episode",series,season,episodes}`) →
   * 200 `{ libraryPath }`, or 202 `{ id, stillWorking }` when placing takes more than 10 s (the
   * approval stands; `items show` says when it is placed); or `{suggestion: N}` (the Nth of the item's `suggestions`) → 200
   * `{ libraryPath, approved: { identity, source } }`, 409 when the item has no such suggestion.
   */
  router.post(
    '/:id/approve',
    wrap(async (req, res) => {
      const request = parseApprovalRequest(req.body ?? {});
      const id = String(req.params.id);
      const result =
        'suggestion' in request
          ? await items.approveSuggestion(id, request)
          : await items.approve(id, request);
      // Placing takes longer than an answer may (a busy or offline host): 202, still working.
      res.status('stillWorking' in result ? 202 : 200).json(result);
    }),
  );

  /**
   * Body `{ file, to }`: `file` one of the item's `leftover` files (as listed, or its library
   * path), `to` the item (episode or movie) whose video it is to follow → 200
   * `{ id, to, subtitlePath }` once the subtitle is next to that video (its vault copy follows);
   * 409 when the item lists no such file or the target refuses it (not resident, not a subtitle,
   * a different file at the target), 404 for an unknown item.
   */
  router.post(
    '/:id/attach',
    wrap(async (req, res) => {
      const body = AttachBodySchema.parse(req.body ?? {});
      const result = await items.attach(String(req.params.id), body.file, body.to);
      res.status('stillWorking' in result ? 202 : 200).json(result);
    }),
  );

  /** No body → 202 `{ accepted: action, id, stage }` (`id` in full); 409 when the action does not fit the item's stage. */
  router.post(
    '/:id/:action',
    wrap(async (req, res) => {
      const action = z
        .enum(ACTIONS, { error: `action must be one of approve, attach, ${ACTIONS.join(', ')}` })
        .parse(req.params.action);
      EmptyBodySchema.parse(req.body && Object.keys(req.body as object).length ? req.body : undefined);
      const { id, stage, stillWorking } = await items.act(String(req.params.id), action as ItemAction);
      res.status(202).json({ accepted: action, id, stage, ...(stillWorking ? { stillWorking } : {}) });
    }),
  );
  return router;
}
