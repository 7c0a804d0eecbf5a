/**
 * Items as the catalog holds them: the row the API and CLI show, the refusal an item request
 * answers with, the lookup of a library path's carrier, and the sentences and progress shown
 * beside a row.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type pg from 'pg';
import type { UnsortedVaultCopy, VaultVerification } from '../../domain/messages.js';
import { ENDED_STAGES_SQL } from '../../domain/stages.js';
import type { ItemProgress } from '../item-progress.js';
import { redactText } from '../secrets.js';
import { mediaItemWorkflowId } from '../workflow-ids.js';

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

/** A protobuf timestamp as ISO 8601, if set. */
function isoOf(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!t?.seconds) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * The progress of the first pending activity that heartbeats it: what Temporal holds (and the Web
 * UI shows), for items whose worker writes no live progress to the catalog.
 */
export function heartbeatProgressOf(
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

export const COLUMNS = `workflow_id AS id, host_id AS "hostId", stage, kind, title, year, season, episodes,
  release_name AS "releaseName", library_path AS "libraryPath", subtitle_paths AS "subtitlePaths", reason,
  size_bytes::float8 AS "sizeBytes", sha256, verified_by AS "verifiedBy", vaulted_at AS "vaultedAt", pinned,
  evicted_at AS "evictedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export function encodeCursor(row: ItemRow): string {
  return Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
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
