/**
 * Catalog activities (shared task queue: they only need Postgres). The catalog is a projection of
 * the workflows' state; workflow code never writes it directly.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { identityTitle, type MediaIdentity } from '../../domain/media.js';
import type { VaultVerification } from '../../domain/messages.js';
import type { Stage } from '../../domain/stages.js';
import type { Config } from '../../lib/config.js';
import { noteItemStageChange, startNotification } from '../notifications/activities.js';
import { stepLine } from './step-log.js';
import { ENDED_STAGES_SQL } from '../../domain/stages.js';

/**
 * The catalog activities' settings: when notifications are configured (`notifications.urls`), the
 * events to send (`notifications.events`); `undefined` when they are not.
 */
export function catalogSettings(config: Config) {
  return {
    notificationEvents: config.notifications.urls.length > 0 ? config.notifications.events : undefined,
  };
}

/** What {@link catalogSettings} returns. */
export type CatalogSettings = ReturnType<typeof catalogSettings>;

/** Dependencies of the catalog activities. */
export interface CatalogDeps {
  pool: pg.Pool;
  /** Starts each notification's workflow (on this activity's task queue), when notifications are configured. */
  client: Client;
  settings: CatalogSettings;
}

/** Input of `recordStage`: the item's state after a stage change, and the event that says why. */
export interface RecordStageInput {
  workflowId: string;
  hostId: string;
  stage: Stage;
  releaseName?: string;
  libraryPath?: string;
  subtitlePaths?: string[];
  identity?: MediaIdentity;
  /** Why the item waits; cleared when absent. */
  reason?: string;
  verification?: VaultVerification;
  pinned?: boolean;
  /** What happened: `entered`, `placed`, `verified`, `mismatch`, `failed`, ... */
  outcome: string;
  details?: Record<string, unknown>;
}

/**
 * Upserts the item's `media_items` row and appends one `events` row (once per `dedupeKey`), in one
 * statement (one round trip and one commit, and never the row without its event), on the given
 * connection (inside the caller's transaction, if it opened one).
 *
 * @throws pg errors
 */
export async function writeStage(
  client: pg.Pool | pg.PoolClient,
  input: RecordStageInput,
  dedupeKey: string,
): Promise<void> {
  const id = input.identity;
  await client.query(
    `WITH item AS (INSERT INTO media_items AS m (workflow_id, host_id, release_name, library_path, subtitle_paths, kind, title,
       year, season, episodes, stage, reason, size_bytes, sha256, verified_by, vault_value, vaulted_at, pinned, mtime)
     VALUES ($1,$2,$3,$4,COALESCE($5::text[],'{}'),COALESCE($6::text,'unknown'),$7,$8,$9,$10::int[],$11,$12,$13,$14,$15,$16,$17,
       COALESCE($18::boolean, false), to_timestamp($19::float8 / 1000))
     ON CONFLICT (workflow_id) DO UPDATE SET
       host_id = EXCLUDED.host_id,
       release_name = COALESCE(EXCLUDED.release_name, m.release_name),
       library_path = COALESCE(EXCLUDED.library_path, m.library_path),
       subtitle_paths = COALESCE($5::text[], m.subtitle_paths),
       kind = COALESCE($6::text, m.kind),
       title = COALESCE(EXCLUDED.title, m.title),
       year = COALESCE(EXCLUDED.year, m.year),
       season = COALESCE(EXCLUDED.season, m.season),
       episodes = COALESCE(EXCLUDED.episodes, m.episodes),
       stage = EXCLUDED.stage,
       reason = EXCLUDED.reason,
       size_bytes = COALESCE(EXCLUDED.size_bytes, m.size_bytes),
       sha256 = COALESCE(EXCLUDED.sha256, m.sha256),
       verified_by = COALESCE(EXCLUDED.verified_by, m.verified_by),
       vault_value = COALESCE(EXCLUDED.vault_value, m.vault_value),
       vaulted_at = COALESCE(EXCLUDED.vaulted_at, m.vaulted_at),
       mtime = CASE WHEN EXCLUDED.vaulted_at IS NOT NULL THEN EXCLUDED.mtime ELSE m.mtime END,
       pinned = COALESCE($18::boolean, m.pinned),
       evicted_at = CASE WHEN EXCLUDED.stage = 'evicted' THEN COALESCE(m.evicted_at, now())
                         WHEN EXCLUDED.stage IN ('copying', 'verifying') THEN NULL ELSE m.evicted_at END,
       updated_at = now()
     RETURNING 1)
     INSERT INTO events (workflow_id, dedupe_key, stage, outcome, details) VALUES ($1,$20,$11,$21,$22)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      input.workflowId,
      input.hostId,
      input.releaseName ?? null,
      input.libraryPath ?? null,
      input.subtitlePaths ?? null,
      id?.kind ?? null,
      id ? identityTitle(id) : null,
      id && 'year' in id ? (id.year ?? null) : null,
      id?.kind === 'episode' ? id.season : null,
      id?.kind === 'episode' ? id.episodes : null,
      input.stage,
      input.reason ?? null,
      input.verification?.sizeBytes ?? null,
      input.verification?.sha256 ?? null,
      input.verification?.method ?? null,
      input.verification?.remoteValue ?? null,
      input.verification?.verifiedAt ?? null,
      input.pinned ?? null,
      input.verification?.mtimeMs ?? null,
      dedupeKey,
      input.outcome,
      JSON.stringify({ reason: input.reason, ...input.details }),
    ],
  );
  logStep(input);
}

/** Says the step in the worker's log (the activity's logger), once it is in the catalog. */
function logStep(input: RecordStageInput): void {
  let log;
  try {
    log = Context.current().log;
  } catch {
    return; // not inside an activity (a script or test writing the catalog directly)
  }
  const line = stepLine(input);
  log[line.level](line.message, line.fields);
}

/**
 * Records a stage change from inside the activity that did the work (no activity of its own in
 * the item's history): keyed by workflow run, activity and `label`, so a retried attempt records
 * nothing twice. No notification is opened here; the stages that notify (`awaiting-approval`,
 * `failed-needs-attention`) are recorded by the workflow through `recordStage`.
 *
 * @throws pg errors (the activity is retried)
 */
export async function recordStageFromActivity(
  pool: pg.Pool,
  input: Omit<RecordStageInput, 'workflowId'>,
  label: string,
): Promise<void> {
  const info = Context.current().info;
  const workflowId = info.workflowExecution?.workflowId ?? info.activityId;
  const dedupeKey = `${workflowId}:${info.workflowExecution?.runId ?? ''}:${info.activityId}:${label}`;
  await writeStage(pool, { ...input, workflowId }, dedupeKey);
}

/** A live catalog item that holds a library path (its video or one of its subtitles). */
export interface PathHolder {
  /** The library path asked about. */
  libraryPath: string;
  /** The holding item's workflow ID (`media:<hash> <name>`, see `mediaItemWorkflowId`). */
  workflowId: string;
  /** Its stage (`evicted` when its only copy is the vault's). */
  stage: string;
  /** The host whose `.Local` holds (or held) its file. */
  hostId: string;
}

/**
 * Live items (any stage but `deleted`) other than `exceptWorkflowId` whose video or subtitles are
 * at one of `libraryPaths`: a file placed there would be copied over their vault copy.
 *
 * @param libraryPaths - library-relative paths
 * @returns one row per path and holder, in path order
 * @throws pg errors (the calling activity is retried)
 */
export async function liveItemsAt(
  pool: pg.Pool,
  libraryPaths: string[],
  exceptWorkflowId: string,
): Promise<PathHolder[]> {
  if (libraryPaths.length === 0) return [];
  // Two indexed lookups (the video's path, the subtitles' GIN index) rather than one join on
  // `library_path = p OR p = ANY (subtitle_paths)`, which scans the whole catalog.
  const { rows } = await pool.query<PathHolder>(
    `SELECT p AS "libraryPath", workflow_id AS "workflowId", stage, host_id AS "hostId"
       FROM unnest($1::text[]) AS p JOIN media_items ON library_path = p
      WHERE stage NOT IN (${ENDED_STAGES_SQL}) AND workflow_id <> $2
     UNION
     SELECT p, workflow_id, stage, host_id
       FROM unnest($1::text[]) AS p JOIN media_items ON subtitle_paths @> ARRAY[p]
      WHERE stage NOT IN (${ENDED_STAGES_SQL}) AND workflow_id <> $2
      ORDER BY 1, 2`,
    [libraryPaths, exceptWorkflowId],
  );
  return rows;
}

/**
 * Creates the catalog activities.
 *
 * @param deps - the Postgres pool, a Temporal client and the settings (see {@link catalogSettings})
 */
export function createCatalogActivities(deps: CatalogDeps) {
  const { pool } = deps;
  const events = deps.settings.notificationEvents;

  /**
   * Upserts the item's `media_items` row and appends one `events` row, atomically (one statement,
   * or one transaction with the notification bookkeeping).
   * Idempotent: the event is keyed by workflow run and activity ID, so a retry appends nothing twice.
   * With notifications configured, entering `failed-needs-attention` or `awaiting-approval` also
   * opens a notification in the same transaction (once per parking) and starts its workflow.
   *
   * @throws pg errors (retried)
   */
  async function recordStage(input: RecordStageInput): Promise<void> {
    const info = Context.current().info;
    const dedupeKey = `${input.workflowId}:${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
    // The row and its event are one statement: without notifications, one round trip (no BEGIN
    // and COMMIT around it, two round trips less per stage).
    if (!events) return writeStage(pool, input, dedupeKey);
    const client = await pool.connect();
    let notify: string | undefined;
    try {
      await client.query('BEGIN');
      await writeStage(client, input, dedupeKey);
      const { rows } = await client.query<{ id: string }>('SELECT id FROM events WHERE dedupe_key = $1', [
        dedupeKey,
      ]);
      notify = await noteItemStageChange(client, { ...input, eventId: rows[0]!.id }, events);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (notify) await startNotification(deps.client, notify, info.taskQueue);
  }

  /**
   * The live item (not deleted, not a duplicate) that carries a library path, other than the asking
   * workflow: the one an identical re-drop is a duplicate of.
   *
   * @param input.libraryPath - library-relative path
   * @param input.exceptWorkflowId - the asking item's workflow ID
   * @returns its workflow ID, or `{}` when no other item carries the path
   * @throws pg errors (retried)
   */
  async function findLibraryItem(input: {
    libraryPath: string;
    exceptWorkflowId: string;
  }): Promise<{ workflowId?: string }> {
    const { rows } = await pool.query<{ workflow_id: string }>(
      `SELECT workflow_id FROM media_items
       WHERE library_path = $1 AND workflow_id <> $2 AND stage NOT IN (${ENDED_STAGES_SQL})
       ORDER BY updated_at DESC LIMIT 1`,
      [input.libraryPath, input.exceptWorkflowId],
    );
    return rows[0] ? { workflowId: rows[0].workflow_id } : {};
  }

  return { recordStage, findLibraryItem };
}

/** The catalog activities' functions, for `proxyActivities<CatalogActivities>`. */
export type CatalogActivities = ReturnType<typeof createCatalogActivities>;
