/**
 * Reading items: the catalog's rows joined with their workflows' live state (the `status` query,
 * the progress of a running host activity), and the lookups of an item reference or a library
 * path. The base of {@link ItemService} (`service.ts`), which steers items.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { statusQuery, type MediaItemStatus, type UnsortedVaultCopy } from '../../domain/messages.js';
import { ENDED_STAGES_SQL } from '../../domain/stages.js';
import { readItemProgress, type ItemProgress } from '../item-progress.js';
import { hashOnlyMediaItemWorkflowId, mediaItemWorkflowId } from '../workflow-ids.js';
import {
  ANSWER_WITHIN_MS,
  COLUMNS,
  decodeCursor,
  describeUnsortedVault,
  encodeCursor,
  heartbeatProgressOf,
  ItemError,
  workflowIdForPath,
  type ItemQuery,
  type ItemRow,
} from './rows.js';

/** The catalog joined with live workflow state, for the REST API and the CLI. */
export class ItemReader {
  constructor(protected readonly deps: { client: Client; pool: pg.Pool }) {}

  /**
   * Lists catalog items, newest first.
   *
   * @returns a page of items and the cursor of the next page, if any
   * @throws ItemError 400 for a bad cursor
   */
  async list(query: ItemQuery): Promise<{ items: ItemRow[]; nextCursor?: string }> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (query.stage) add('stage = ?', query.stage);
    if (query.kind) add('kind = ?', query.kind);
    if (query.q) {
      args.push(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const n = args.length;
      where.push(`(title ILIKE $${n} OR library_path ILIKE $${n} OR release_name ILIKE $${n})`);
    }
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor);
      args.push(createdAt, id);
      where.push(`(created_at, workflow_id) < ($${args.length - 1}::timestamptz, $${args.length})`);
    }
    args.push(limit + 1);
    const { rows } = await this.deps.pool.query(
      `SELECT ${COLUMNS} FROM media_items ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, workflow_id DESC LIMIT $${args.length}`,
      args,
    );
    const items = (rows as ItemRow[]).slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : undefined };
  }

  /**
   * Resolves an item reference as `vaultarr items list` prints it and the CLI and REST API accept
   * it: a full workflow ID (`media:<hash> <name>`, or `media:<sha1>` for items started before IDs
   * were readable), the ID without `media:`, or a unique prefix of it (the hash's first digits).
   *
   * @param ref - what the user typed
   * @returns the full workflow ID (a reference the catalog does not know comes back as a full ID,
   *   for Temporal to answer: an item whose catalog row is not written yet still resolves)
   * @throws ItemError 400 for an empty or overlong reference; 409 `ambiguous` when the prefix
   *   matches several items (the message says to give more of it)
   */
  async resolve(ref: string): Promise<string> {
    const trimmed = ref.trim();
    if (!trimmed || trimmed.length > 500)
      throw new ItemError(
        400,
        'invalid-request',
        'an item ID is 1-500 characters (see `vaultarr items list`)',
      );
    const full = /^[\w-]+:/.test(trimmed) ? trimmed : `media:${trimmed}`;
    const { rows } = await this.deps.pool.query(
      `SELECT workflow_id FROM media_items WHERE workflow_id = $1
       UNION ALL (SELECT workflow_id FROM media_items WHERE workflow_id LIKE $2 AND workflow_id <> $1 LIMIT 2)`,
      [full, `${full.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
    );
    const ids = rows.map((r) => r.workflow_id as string);
    if (ids.includes(full) || ids.length === 0) return full;
    if (ids.length > 1)
      throw new ItemError(409, 'ambiguous', `"${ref}" matches several items; give more of the ID`);
    return ids[0]!;
  }

  /**
   * One item: its catalog row and, while its workflow runs, the live `status` query and the
   * `progress` of its running host activity (the worker's live progress in the catalog, at most a
   * few seconds old; else the activity's last heartbeat).
   *
   * @param ref - a full workflow ID or a unique prefix (see {@link ItemService.resolve})
   * @throws ItemError 404 when neither the catalog nor Temporal knows the ID; 409 for an ambiguous prefix
   */
  async get(ref: string): Promise<{
    item: ItemRow | null;
    live: MediaItemStatus | null;
    workflowStatus: string;
    progress?: ItemProgress;
    /**
     * While the item awaits approval: its `Unsorted/` entry's vault copy, whether it is `safe`
     * (copied and verified) and a sentence that `says` so (see {@link describeUnsortedVault}).
     */
    unsortedVault?: UnsortedVaultCopy & { safe: boolean; says: string };
  }> {
    const id = await this.resolve(ref);
    const { rows } = await this.deps.pool.query(`SELECT ${COLUMNS} FROM media_items WHERE workflow_id = $1`, [
      id,
    ]);
    const handle = this.deps.client.workflow.getHandle(id);
    let workflowStatus = 'UNKNOWN';
    let live: MediaItemStatus | null = null;
    let progress = await readItemProgress(this.deps.pool, id);
    try {
      const description = await handle.describe();
      workflowStatus = description.status.name;
      live = await handle.query(statusQuery);
      progress ??= heartbeatProgressOf(description.raw.pendingActivities ?? []);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (!rows[0]) throw new ItemError(404, 'not-found', `no item ${id}`);
    }
    const copy = live?.unsortedVault;
    return {
      item: (rows[0] as ItemRow | undefined) ?? null,
      live,
      workflowStatus,
      progress,
      ...(copy
        ? {
            unsortedVault: {
              ...copy,
              safe: copy.state === 'verified',
              says: describeUnsortedVault(copy, live?.verification)!,
            },
          }
        : {}),
    };
  }

  /**
   * What `vaultarr items watch` shows each second: the item's stage and the live progress of its
   * running host activity, from the catalog alone (cheap to poll: no query reaches the workflow),
   * except while the catalog has no row for the item yet (then its `status` query says the stage).
   *
   * @param id - the item's full workflow ID (see {@link ItemService.resolve})
   * @returns its stage, the stage's reason and its path as the catalog has them, and its progress
   * @throws ItemError 404 when neither the catalog nor Temporal knows the item
   */
  async watchState(
    id: string,
  ): Promise<{ stage: string; reason: string | null; libraryPath: string | null; progress?: ItemProgress }> {
    const { rows } = await this.deps.pool.query(
      `SELECT stage, reason, library_path AS "libraryPath" FROM media_items WHERE workflow_id = $1`,
      [id],
    );
    const progress = await readItemProgress(this.deps.pool, id);
    const row = rows[0] as { stage: string; reason: string | null; libraryPath: string | null } | undefined;
    if (row) return { ...row, progress };
    try {
      const live = await this.deps.client.workflow.getHandle(id).query(statusQuery);
      return {
        stage: live.stage,
        reason: live.reason ?? null,
        libraryPath: live.libraryPath ?? null,
        progress,
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ItemError(404, 'not-found', `no item ${id}`);
      throw err;
    }
  }

  /** The `status` query of the item's running workflow. */
  protected async liveStatus(id: string): Promise<MediaItemStatus> {
    const handle = await this.running(id);
    // A query needs a worker that runs workflows: with none, answer in seconds, not at the RPC's end.
    try {
      return await this.deps.client.connection.withDeadline(Date.now() + ANSWER_WITHIN_MS / 2, () =>
        handle.query(statusQuery),
      );
    } catch (err) {
      if (/deadline|DEADLINE_EXCEEDED/i.test(String((err as Error).message ?? err)))
        throw new ItemError(
          503,
          'unavailable',
          'the item does not answer: is a worker that runs workflows up?',
        );
      throw err;
    }
  }

  /** The handle of the item's running workflow. */
  protected async running(id: string) {
    const handle = this.deps.client.workflow.getHandle(id);
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') {
        throw new ItemError(
          409,
          'not-running',
          `the item's workflow is ${description.status.name.toLowerCase()}`,
        );
      }
      return handle;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ItemError(404, 'not-found', `no item ${id}`);
      throw err;
    }
  }

  /** The workflow ID that carries a library path (see {@link workflowIdForPath}). */
  async workflowIdFor(libraryPath: string): Promise<string> {
    return workflowIdForPath(this.deps.pool, libraryPath);
  }

  /**
   * The workflow that carries a library path, if any: the catalog's live (not `deleted`) item for
   * it, else a running workflow under the ID derived from the path (or the hash-only ID versions
   * before readable IDs derived).
   *
   * @returns its workflow ID, or `undefined` when vaultarr carries no such file
   */
  async carrierOf(libraryPath: string): Promise<string | undefined> {
    const { rows } = await this.deps.pool.query(
      `SELECT workflow_id FROM media_items WHERE library_path = $1 AND stage NOT IN (${ENDED_STAGES_SQL}) ORDER BY updated_at DESC LIMIT 1`,
      [libraryPath],
    );
    if (rows[0]) return rows[0].workflow_id as string;
    for (const derived of [mediaItemWorkflowId(libraryPath), hashOnlyMediaItemWorkflowId(libraryPath)]) {
      try {
        const description = await this.deps.client.workflow.getHandle(derived).describe();
        if (description.status.name === 'RUNNING') return derived;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return undefined;
  }

  /** Workflow IDs of live catalog items under a library folder. */
  async workflowIdsUnder(folder: string): Promise<string[]> {
    const prefix = `${folder.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    const { rows } = await this.deps.pool.query(
      `SELECT workflow_id FROM media_items WHERE library_path LIKE $1 AND stage NOT IN (${ENDED_STAGES_SQL})`,
      [prefix],
    );
    return rows.map((r) => r.workflow_id as string);
  }
}
