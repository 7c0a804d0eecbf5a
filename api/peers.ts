/**
 * `POST /api/v1/peers/notify`: another vaultarr tells us about an item it imported, renamed or
 * deleted in the vault we share. The body is a {@link PeerNotification}; the sender is the name of
 * the token it authenticated with.
 */
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import {
  PEER_IMPORT_WORKFLOW,
  peerImportWorkflowId,
  peerNotificationSignal,
  type PeerImportInput,
  type PeerImportPolicy,
} from '../domain/peer-messages.js';
import type { PeerNotification } from '../domain/peers.js';
import { LIBRARY_PATH_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import type { Config } from '../lib/config.js';

/** A library-relative path: no leading `/`, no `..` or `.` segments, no backslash or NUL. */
const libraryPath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !/[\\\0]/.test(p) &&
      p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'),
    'must be a library-relative path inside the library (no "..", no leading "/")',
  );

const positiveInt = z.number().int().positive();

/** zod schema of {@link PeerNotification}: unknown keys are refused, every problem listed. */
export const PeerNotificationSchema = z
  .strictObject({
    notificationId: z.string().min(1).max(600),
    itemId: z
      .string()
      .regex(/^[\w:.-]{1,500}$/, 'must be the sender item ID (letters, digits, ":", ".", "_", "-")'),
    seq: positiveInt,
    event: z.enum(['imported', 'renamed', 'deleted']),
    libraryPath,
    previousLibraryPath: libraryPath.optional(),
    kind: z.enum(['movie', 'episode', 'music', 'book', 'unknown']),
    title: z.string().min(1).max(500).optional(),
    year: z.number().int().min(1800).max(2200).optional(),
    season: z.number().int().min(0).optional(),
    episodes: z.array(z.number().int().min(0)).max(500).optional(),
    album: z.string().max(500).optional(),
    book: z.string().max(500).optional(),
    ids: z.strictObject({
      tmdbId: positiveInt.optional(),
      imdbId: z
        .string()
        .regex(/^tt\d+$/, 'must look like tt0133093')
        .optional(),
      tvdbId: positiveInt.optional(),
      musicBrainzArtistId: z.string().max(100).optional(),
      musicBrainzAlbumId: z.string().max(100).optional(),
      foreignAuthorId: z.string().max(100).optional(),
      foreignBookId: z.string().max(100).optional(),
    }),
    sizeBytes: z.number().int().min(0).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .optional(),
  })
  .superRefine((n, ctx) => {
    if (n.notificationId !== `${n.itemId}#${n.seq}`)
      ctx.addIssue({ code: 'custom', path: ['notificationId'], message: 'must be "<itemId>#<seq>"' });
    if (n.event === 'renamed' && !n.previousLibraryPath)
      ctx.addIssue({ code: 'custom', path: ['previousLibraryPath'], message: 'is required for a rename' });
  }) satisfies z.ZodType<PeerNotification>;

/** How items announced by peers are applied here (config `peers`, `scan`). */
export function peerImportPolicy(config: Config): PeerImportPolicy {
  return {
    vaultWaitMs: Math.round(config.peers.vaultWaitHours * 3600_000),
    scanGiveUpMs: Math.round(config.scan.giveUpAfterHours * 3600_000),
  };
}

/** What the peer route needs. */
export interface PeerRouteDeps {
  client: Client;
  pool: pg.Pool;
  /** How peers' items are applied (see {@link peerImportPolicy}), and the workflow task queue. */
  settings: { peerImport: PeerImportPolicy; taskQueue: string };
}

/**
 * Creates the peer router (mount at `/api/v1/peers` after the token auth).
 *
 * `POST /notify` with a {@link PeerNotification}:
 * - 202 `{ status: "accepted", workflowId }`: `peerImportWorkflow` will apply it (started, or signalled when it runs);
 * - 200 `{ status: "duplicate" }`: this or a later notification of the item was already applied;
 * - 400 `{ error: "invalid-request", problems: [...] }` listing every problem; nothing started.
 *
 * `GET /ping`: 200 `{ ok: true, peer: <token name> }`, what `vaultarr peer add` checks a token with.
 */
export function peersRouter(deps: PeerRouteDeps): Router {
  const router = Router();
  router.get('/ping', (_req, res) => {
    res.json({ ok: true, peer: String(res.locals.tokenName) });
  });
  router.post('/notify', async (req, res) => {
    const n = PeerNotificationSchema.parse(req.body);
    const sender = String(res.locals.tokenName);
    const { rows } = await deps.pool.query<{ last_seq: number }>(
      `SELECT last_seq FROM peer_receipts WHERE sender = $1 AND item_id = $2`,
      [sender, n.itemId],
    );
    const lastAppliedSeq = rows[0]?.last_seq ?? 0;
    if (n.seq <= lastAppliedSeq) {
      res.status(200).json({ status: 'duplicate' });
      return;
    }
    const workflowId = peerImportWorkflowId(sender, n.itemId);
    const input: PeerImportInput = {
      sender,
      itemId: n.itemId,
      lastAppliedSeq,
      policy: deps.settings.peerImport,
    };
    await deps.client.workflow.signalWithStart(PEER_IMPORT_WORKFLOW, {
      workflowId,
      taskQueue: deps.settings.taskQueue,
      args: [input],
      signal: peerNotificationSignal,
      signalArgs: [n],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `from peer ${sender}: ${n.event} ${n.libraryPath}`,
      typedSearchAttributes: [
        { key: STAGE_ATTRIBUTE, value: 'waiting-for-vault' },
        { key: LIBRARY_PATH_ATTRIBUTE, value: n.libraryPath },
      ],
    });
    res.status(202).json({ status: 'accepted', workflowId });
  });
  return router;
}
