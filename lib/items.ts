/**
 * Items: the catalog joined with live workflow state, and the interventions on an item's workflow.
 * One service for the REST API and the CLI.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
  type SignalDefinition,
  type UpdateDefinition,
  type Workflow,
  type WorkflowHandle,
} from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type pg from 'pg';
import type { Approval, SuggestionChoice } from '../domain/approval.js';
import { refusalOf, type ItemAction } from '../domain/interventions.js';
import type { SortSuggestion } from '../domain/media.js';
import {
  approveSortUpdate,
  attachSubtitleUpdate,
  cancelSignal,
  evictSignal,
  evictUpdate,
  MEDIA_ITEM_WORKFLOW,
  pinSignal,
  pinUpdate,
  retrySignal,
  retryUpdate,
  skipSignal,
  skipUpdate,
  statusQuery,
  unpinSignal,
  unpinUpdate,
  type ApproveSortResult,
  type AttachSubtitleResult,
  type MediaItemInput,
  type MediaItemStatus,
  type UnsortedVaultCopy,
  type VaultVerification,
} from '../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import { readItemProgress, type ItemProgress } from './item-progress.js';
import { redactText } from './secrets.js';
import { hashOnlyMediaItemWorkflowId, mediaItemWorkflowId } from './workflow-ids.js';
import { ENDED_STAGES_SQL } from '../domain/stages.js';

/** How long an action waits for its item's answer before it says it is still working, in ms. */
export const ANSWER_WITHIN_MS = 10_000;

/** A catalog row as the API and CLI show it. */
export interface ItemRow {
  id: string;
  hostId: string;
  stage: string;
  kind: string;
  title: string | null;
  year: number | null;
  season: number | null;
  episodes: number[] | null;
  releaseName: string | null;
  libraryPath: string | null;
  subtitlePaths: string[];
  reason: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  verifiedBy: string | null;
  vaultedAt: string | null;
  pinned: boolean;
  evictedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type { ItemProgress };

/** A protobuf timestamp as ISO 8601, if set. */
function isoOf(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!t?.seconds) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * The progress of the first pending activity that heartbeats it: what Temporal holds (and the Web
 * UI shows), for items whose worker writes no live progress to the catalog.
 */
function heartbeatProgressOf(
  pending: Array<{
    activityType?: { name?: string | null } | null;
    attempt?: number | null;
    heartbeatDetails?: { payloads?: unknown[] | null } | null;
    lastHeartbeatTime?: { seconds?: unknown; nanos?: number | null } | null;
  }>,
): ItemProgress | undefined {
  for (const a of pending) {
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const details = defaultPayloadConverter.fromPayload(payload as Payload) as
      Partial<ItemProgress> | undefined;
    if (!details || typeof details.phase !== 'string') continue;
    return {
      activity: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 1,
      phase: details.phase,
      bytesDone: details.bytesDone ?? 0,
      bytesTotal: details.bytesTotal ?? 0,
      percent: details.percent,
      file: details.file,
      updatedAt: isoOf(a.lastHeartbeatTime),
      source: 'heartbeat',
    };
  }
  return undefined;
}

/**
 * One sentence on the vault copy of an item's `Unsorted/` entry, for `items show`, the REST item
 * and the awaiting-approval notification: safe (copied and verified), still being copied, or not
 * safe and why.
 *
 * @param copy - the status's `unsortedVault`
 * @param verification - the status's (or catalog's) verification of that copy
 * @returns the sentence, or undefined for an item without an `Unsorted/` vault copy
 */
export function describeUnsortedVault(
  copy: UnsortedVaultCopy | undefined,
  verification?: VaultVerification,
): string | undefined {
  if (!copy) return undefined;
  switch (copy.state) {
    case 'verified': {
      const how = verification ? ` (${verification.method}, ${verification.verifiedAt})` : '';
      return `safe in the vault: ${copy.entry} was copied to the vault and verified${how}; approving moves that copy with it`;
    }
    case 'copying':
      return `not yet safe: its copy to the vault (${copy.entry}) is still running${copy.reason ? ` (${copy.reason})` : ''}`;
    case 'failed':
      return `NOT safe: its copy to the vault failed: ${redactText(copy.reason ?? 'no reason recorded')}; approving it copies it from its library place as usual`;
  }
}

/** Filters of {@link ItemService.list}. */
export interface ItemQuery {
  stage?: string;
  kind?: string;
  /** Matches title, library path or release name (case-insensitive substring). */
  q?: string;
  /** 1-500, default 50. */
  limit?: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

/** An intervention on an item (see `domain/interventions.ts` for when each is allowed). */
export type { ItemAction };

const SIGNALS = {
  retry: retrySignal,
  skip: skipSignal,
  pin: pinSignal,
  unpin: unpinSignal,
  evict: evictSignal,
  cancel: cancelSignal,
} as const;

/** The interventions the current item type takes as updates (its validator answers a refusal). */
const UPDATES = {
  retry: retryUpdate,
  skip: skipUpdate,
  pin: pinUpdate,
  unpin: unpinUpdate,
  evict: evictUpdate,
} as const;

/**
 * The workflow ID that carries a library path: the catalog's live (not ended) item for it, else
 * the ID derived from the path (`mediaItemWorkflowId`), which a new item would get.
 *
 * @param libraryPath - library-relative path (`Movies/<Title> (<Year>)/…`)
 * @throws pg errors
 */
export async function workflowIdForPath(pool: pg.Pool, libraryPath: string): Promise<string> {
  const { rows } = await pool.query<{ workflow_id: string }>(
    `SELECT workflow_id FROM media_items WHERE library_path = $1 AND stage NOT IN (${ENDED_STAGES_SQL}) ORDER BY updated_at DESC LIMIT 1`,
    [libraryPath],
  );
  return rows[0]?.workflow_id ?? mediaItemWorkflowId(libraryPath);
}

/** A refused item request: the HTTP status the API answers with, a short code and a sentence. */
export class ItemError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ItemError';
  }
}

const COLUMNS = `workflow_id AS id, host_id AS "hostId", stage, kind, title, year, season, episodes,
  release_name AS "releaseName", library_path AS "libraryPath", subtitle_paths AS "subtitlePaths", reason,
  size_bytes::float8 AS "sizeBytes", sha256, verified_by AS "verifiedBy", vaulted_at AS "vaultedAt", pinned,
  evicted_at AS "evictedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

function encodeCursor(row: ItemRow): string {
  return Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      const [createdAt, id] = value as [string, string];
      if (!Number.isNaN(Date.parse(createdAt))) return [createdAt, id];
    }
  } catch {
    // fall through
  }
  throw new ItemError(400, 'invalid-request', 'cursor: not a cursor from a previous page');
}

/** The item service. */
export class ItemService {
  constructor(private readonly deps: { client: Client; pool: pg.Pool }) {}

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
  private async liveStatus(id: string): Promise<MediaItemStatus> {
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

  /** The handle of the item's running workflow, and its type. */
  private async running(id: string) {
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
      return Object.assign(handle, { workflowType: description.type });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ItemError(404, 'not-found', `no item ${id}`);
      throw err;
    }
  }

  /**
   * Sends an update and waits for its answer at most {@link ANSWER_WITHIN_MS}: a person is never
   * left waiting on an item whose host is busy or offline, or on a workflow no worker runs now.
   * The update stays sent either way; the item carries it out when it can.
   *
   * @returns `{ done }` with the update's result, or `{ stillWorking }` with what it waits for
   * @throws WorkflowUpdateFailedError when the item refused it (its validator) or it failed in time
   */
  private async updateWithin<Ret, Args extends unknown[]>(
    handle: WorkflowHandle,
    def: UpdateDefinition<Ret, Args>,
    args: Args,
  ): Promise<{ done: Ret } | { stillWorking: string }> {
    let accepted = false;
    const work = (async () => {
      // The SDK types `startUpdate` per arity; one call serves updates with and without arguments.
      const start = handle.startUpdate.bind(handle) as unknown as (
        d: UpdateDefinition<Ret, Args>,
        o: { args: Args; waitForStage: typeof WorkflowUpdateStage.ACCEPTED },
      ) => Promise<{ result(): Promise<Ret> }>;
      const update = await start(def, { args, waitForStage: WorkflowUpdateStage.ACCEPTED });
      accepted = true;
      return update.result();
    })();
    work.catch(() => undefined); // answered below, or no one waits any more
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS)),
    );
    try {
      const first = await Promise.race([work.then((done) => ({ done })), late]);
      if (first !== 'late') return first;
    } finally {
      clearTimeout(timer);
    }
    return {
      stillWorking: accepted
        ? 'the item took it and is still working on it (its host may be busy or offline)'
        : 'no worker has taken it yet: is a worker running? It is carried out once one is',
    };
  }

  /**
   * Carries out an intervention. Items of the current type take it as an update, whose validator
   * refuses what the item cannot do now; legacy items are checked with the status query and
   * signalled. `cancel` is always a signal.
   *
   * @returns the item's ID and its stage when the intervention was accepted
   * @throws ItemError 404 (no such item), 409 (not running, or refused: the reason says why)
   */
  async act(ref: string, action: ItemAction): Promise<{ id: string; stage: string; stillWorking?: string }> {
    const id = await this.resolve(ref);
    const handle = await this.running(id);
    if (action !== 'cancel' && handle.workflowType === MEDIA_ITEM_WORKFLOW) {
      try {
        const answer = await this.updateWithin(handle, UPDATES[action], []);
        if ('stillWorking' in answer) {
          // The catalog, not a query: a query would wait for the same worker.
          const { rows } = await this.deps.pool.query<{ stage: string }>(
            'SELECT stage FROM media_items WHERE workflow_id = $1',
            [id],
          );
          return { id, stage: rows[0]?.stage ?? 'unknown', stillWorking: answer.stillWorking };
        }
        return { id, stage: answer.done.stage };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw new ItemError(409, 'conflict', err.cause?.message ?? err.message);
        throw err;
      }
    }
    const status = await handle.query(statusQuery);
    const refusal = refusalOf(action, status);
    if (refusal) throw new ItemError(409, 'conflict', refusal);
    await handle.signal(SIGNALS[action]);
    return { id, stage: status.stage };
  }

  /**
   * Places an item awaiting approval as the given movie or episode (the `approveSort` update).
   *
   * @returns where it went; or, when placing takes longer than {@link ANSWER_WITHIN_MS} (a busy or
   *   offline host), `stillWorking` with what it waits for — the approval stands
   * @throws ItemError 404 (unknown), 409 (not awaiting approval, a different file at the target),
   *   400 (the identity is refused: it cannot be a library folder name, ...)
   */
  async approve(
    ref: string,
    approval: Approval,
  ): Promise<ApproveSortResult | { id: string; stillWorking: string }> {
    const id = await this.resolve(ref);
    const status = await this.liveStatus(id);
    if (status.stage !== 'awaiting-approval') {
      throw new ItemError(409, 'conflict', `the item is ${status.stage}, not awaiting approval`);
    }
    try {
      const answer = await this.updateWithin(this.deps.client.workflow.getHandle(id), approveSortUpdate, [
        approval,
      ]);
      return 'done' in answer ? answer.done : { id, stillWorking: answer.stillWorking };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const message = err.cause?.message ?? err.message;
        throw new ItemError(message.startsWith('invalid approval') ? 400 : 409, 'rejected', message);
      }
      throw err;
    }
  }

  /**
   * Approves an item as one of its suggestions: the Nth (1-based) of its status's `suggestions`,
   * sent as the `approveSort` update exactly as if its identity had been typed.
   *
   * @param ref - a full workflow ID or a unique prefix (see {@link ItemService.resolve})
   * @param choice - `{ suggestion: N }`
   * @returns where the item went, and the suggestion it was approved as
   * @throws ItemError 404 (unknown), 409 (not awaiting approval, no such suggestion, a different
   *   file at the target), 400 (the workflow's validator refused the identity)
   */
  async approveSuggestion(
    ref: string,
    choice: SuggestionChoice,
  ): Promise<ApproveSortResult & { approved: SortSuggestion }> {
    const id = await this.resolve(ref);
    const status = await this.liveStatus(id);
    if (status.stage !== 'awaiting-approval') {
      throw new ItemError(409, 'conflict', `the item is ${status.stage}, not awaiting approval`);
    }
    const suggestions = status.suggestions ?? [];
    const approved = suggestions[choice.suggestion - 1];
    if (!approved) {
      throw new ItemError(
        409,
        'conflict',
        suggestions.length === 0
          ? 'the item has no suggestions: approve it with a full identity'
          : `the item has ${suggestions.length} suggestion(s), not ${choice.suggestion}`,
      );
    }
    const identity = approved.identity;
    const approval: Approval =
      identity.kind === 'movie'
        ? { kind: 'movie', title: identity.title, year: identity.year }
        : {
            kind: 'episode',
            series: identity.series,
            season: identity.season,
            episodes: identity.episodes,
            ...(identity.airDate ? { airDate: identity.airDate } : {}),
          };
    const result = await this.approve(id, approval);
    return { ...result, approved } as ApproveSortResult & { approved: SortSuggestion };
  }

  /**
   * Attaches a leftover subtitle of one item's release (listed in its `leftover`) to another item
   * (an episode or a movie): the `attachSubtitle` update of that item, which moves the file next
   * to its video with the players' name and vaults it as one of its subtitles.
   *
   * @param ref - the item listing the leftover (see {@link ItemService.resolve})
   * @param file - the file as listed (relative to the leftover's entry) or its full library path
   * @param toRef - the item to attach it to
   * @returns both item IDs (in full) and the subtitle's library path
   * @throws ItemError 404 (an unknown item), 409 (no such leftover file, an item not running or of
   *   the legacy type, or refused by the item: not resident, not a subtitle, a different file at
   *   the target — the message says why), 400 for an empty file name
   */
  async attach(
    ref: string,
    file: string,
    toRef: string,
  ): Promise<AttachSubtitleResult & { id: string; to: string }> {
    if (!file.trim() || file.length > 1000)
      throw new ItemError(400, 'invalid-request', 'file: 1-1000 characters, as `items show` lists it');
    const id = await this.resolve(ref);
    const leftover = (await this.liveStatus(id)).leftover;
    const relative =
      leftover && file.startsWith(`${leftover.unsortedPath}/`)
        ? file.slice(leftover.unsortedPath.length + 1)
        : file;
    if (!leftover?.files.includes(relative)) {
      throw new ItemError(
        409,
        'conflict',
        leftover?.files.length
          ? `${file} is not among the item's leftover files (${leftover.files.join(', ')})`
          : 'the item lists no leftover files',
      );
    }
    const to = await this.resolve(toRef);
    const handle = await this.running(to);
    if (handle.workflowType !== MEDIA_ITEM_WORKFLOW)
      throw new ItemError(
        409,
        'conflict',
        `item ${to} runs an older workflow type that cannot take a subtitle`,
      );
    try {
      const from = `${leftover.unsortedPath}/${relative}`;
      const answer = await this.updateWithin(handle, attachSubtitleUpdate, [{ from, leftoverOf: id }]);
      if ('stillWorking' in answer)
        return { id, to, subtitlePath: '', stillWorking: answer.stillWorking } as AttachSubtitleResult & {
          id: string;
          to: string;
        };
      return { id, to, ...answer.done };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new ItemError(409, 'rejected', err.cause?.message ?? err.message);
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

  /**
   * Signals an item's workflow, starting it (at the vault copy of `libraryPath`) when none runs:
   * signal-with-start, so duplicate triggers share one run.
   */
  async signalWithStart<T>(options: {
    workflowId: string;
    libraryPath: string;
    input: Omit<MediaItemInput, 'origin'> & { origin?: MediaItemInput['origin'] };
    signal: SignalDefinition<[T]>;
    signalArg: T;
    taskQueue?: string;
  }): Promise<void> {
    const input: MediaItemInput = {
      ...options.input,
      origin: options.input.origin ?? { kind: 'library', libraryPath: options.libraryPath },
    };
    await this.deps.client.workflow.signalWithStart<Workflow, [T]>(MEDIA_ITEM_WORKFLOW, {
      workflowId: options.workflowId,
      taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
      args: [input],
      signal: options.signal.name,
      signalArgs: [options.signalArg],
      staticSummary: `library ${options.libraryPath}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: STAGE_ATTRIBUTE, value: 'copying' },
        { key: HOST_ATTRIBUTE, value: input.hostId },
      ],
    });
  }
}
