/**
 * Live progress of an item's running host activity, kept in the catalog (`item_progress`): the
 * worker writes it about once a second (see `activities/progress.ts`), and `vaultarr items show`,
 * `items watch` and `GET /api/v1/items/:id` read it. Unlike heartbeat details, which the SDK sends
 * at most every 0.8 × the heartbeat timeout, it is never more than a few seconds old.
 */
import type pg from 'pg';

/**
 * What an item's running host activity is doing, as `vaultarr items show`, `items watch` and
 * `GET /api/v1/items/:id` show it.
 */
export interface ItemProgress {
  /** The activity (`sortRelease`, `copyAndVerify`, `evictLocalCopy`, ...). */
  activity: string;
  /** Its attempt number (1 unless it failed before). */
  attempt: number;
  /**
   * What it does now: `copying` (rclone uploads), `hashing` (the local file is read for its
   * hashes), `verifying` (the vault is asked for its copy's hash or modtime: no byte count),
   * `reading-back` (the vault copy is downloaded and hashed), `moving`, `comparing`,
   * `waiting-for-vault-mount`, `deleting`.
   */
  phase: string;
  /** Bytes of this phase done so far. */
  bytesDone: number;
  /** Bytes this phase handles; 0 when it has no byte count. */
  bytesTotal: number;
  /** `bytesDone / bytesTotal` in percent, one decimal; absent when the phase has no byte count. */
  percent?: number;
  /** The library-relative file it works on, when one. */
  file?: string;
  /** Seconds since this phase began (whole seconds, as of the read). */
  phaseSeconds?: number;
  /** When the worker last wrote it (ISO 8601): at least every 2 s while the activity runs. */
  updatedAt?: string;
  /**
   * `worker`: written to the catalog by the worker, a second or two old; `heartbeat`: the
   * activity's last heartbeat as Temporal holds it (a worker of an older version, or one that
   * cannot reach Postgres), up to 0.8 × the heartbeat timeout old.
   */
  source: 'worker' | 'heartbeat';
}

/** One write of a running activity's progress (see {@link writeItemProgress}). */
export interface ItemProgressWrite {
  workflowId: string;
  activity: string;
  /** The activity's ID in its workflow: with `attempt`, whose row this is. */
  activityId: string;
  attempt: number;
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  file?: string;
  /** How long the attempt has run, in ms (the writer's clock; stored against the database's). */
  activityElapsedMs: number;
  /** How long the current phase has run, in ms. */
  phaseElapsedMs: number;
}

/** A row older than this is left over from a worker that died (a live one rewrites it every 2 s). */
export const ITEM_PROGRESS_STALE_MS = 15_000;

/**
 * Upserts an item's live progress. A late write of an earlier attempt of the same activity does not
 * overwrite a later attempt's.
 *
 * @throws pg errors (the caller logs them: progress never fails an activity)
 */
export async function writeItemProgress(pool: pg.Pool, p: ItemProgressWrite): Promise<void> {
  await pool.query(
    `INSERT INTO item_progress AS p (workflow_id, activity, activity_id, attempt, phase, bytes_done,
       bytes_total, file, started_at, phase_started_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - $9 * interval '1 millisecond',
       now() - $10 * interval '1 millisecond', now())
     ON CONFLICT (workflow_id) DO UPDATE SET activity = EXCLUDED.activity,
       activity_id = EXCLUDED.activity_id, attempt = EXCLUDED.attempt, phase = EXCLUDED.phase,
       bytes_done = EXCLUDED.bytes_done, bytes_total = EXCLUDED.bytes_total, file = EXCLUDED.file,
       started_at = EXCLUDED.started_at, phase_started_at = EXCLUDED.phase_started_at,
       updated_at = EXCLUDED.updated_at
     WHERE p.activity_id <> EXCLUDED.activity_id OR p.attempt <= EXCLUDED.attempt`,
    [
      p.workflowId,
      p.activity,
      p.activityId,
      p.attempt,
      p.phase,
      Math.round(p.bytesDone),
      Math.round(p.bytesTotal),
      p.file ?? null,
      Math.max(0, p.activityElapsedMs),
      Math.max(0, p.phaseElapsedMs),
    ],
  );
}

/**
 * Deletes an activity attempt's progress row when it ends (a later attempt's row stays).
 *
 * @throws pg errors
 */
export async function clearItemProgress(
  pool: pg.Pool,
  key: Pick<ItemProgressWrite, 'workflowId' | 'activityId' | 'attempt'>,
): Promise<void> {
  await pool.query(`DELETE FROM item_progress WHERE workflow_id = $1 AND activity_id = $2 AND attempt = $3`, [
    key.workflowId,
    key.activityId,
    key.attempt,
  ]);
}

/** Percent of `done` in `total`, one decimal, at most 100; undefined without a total. */
export function percentOf(done: number, total: number): number | undefined {
  return total > 0 ? Math.min(100, Math.round((1000 * done) / total) / 10) : undefined;
}

/**
 * The live progress of an item's running host activity, unless its row is stale (older than
 * {@link ITEM_PROGRESS_STALE_MS}: its worker died).
 *
 * @param workflowId - the item's full workflow ID
 * @returns the progress, or `undefined` when no host activity of the item reports any
 * @throws pg errors
 */
export async function readItemProgress(pool: pg.Pool, workflowId: string): Promise<ItemProgress | undefined> {
  const { rows } = await pool.query(
    `SELECT activity, attempt, phase, bytes_done::float8 AS "bytesDone", bytes_total::float8 AS "bytesTotal",
       file, floor(extract(epoch FROM now() - phase_started_at))::int AS "phaseSeconds",
       updated_at AS "updatedAt"
     FROM item_progress
     WHERE workflow_id = $1 AND updated_at > now() - $2 * interval '1 millisecond'`,
    [workflowId, ITEM_PROGRESS_STALE_MS],
  );
  const row = rows[0] as
    | (Omit<ItemProgress, 'updatedAt' | 'source' | 'file'> & { updatedAt: Date; file: string | null })
    | undefined;
  if (!row) return undefined;
  return {
    activity: row.activity,
    attempt: row.attempt,
    phase: row.phase,
    bytesDone: row.bytesDone,
    bytesTotal: row.bytesTotal,
    percent: percentOf(row.bytesDone, row.bytesTotal),
    ...(row.file ? { file: row.file } : {}),
    phaseSeconds: Math.max(0, row.phaseSeconds ?? 0),
    updatedAt: row.updatedAt.toISOString(),
    source: 'worker',
  };
}
