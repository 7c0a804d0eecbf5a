/**
 * Reconcile activities: compare what is on this host's disk, on the vault and in the catalog, so
 * that work missed while something was down is found and restarted.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { LIBRARY_FOLDERS } from '../../domain/media.js';
import type { Config } from '../../lib/config.js';
import { listFiles } from '../../lib/files.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { SUBTITLE_EXTENSIONS } from '../sort/release-planner.js';
import type { Rclone } from '../vault/rclone/client.js';
import { ENDED_STAGES_SQL } from '../../domain/stages.js';

/** What a catalog row says about a library path. */
export interface CatalogEntry {
  workflowId: string;
  libraryPath: string;
  stage: string;
  verified: boolean;
}

/** A resident item's recorded verification, as `findLocalChanges` compares it with the local file. */
export interface VerifiedResident {
  workflowId: string;
  libraryPath: string;
  /** Size of the local file when its vault copy was verified, in bytes. */
  sizeBytes: number;
  /** Its modification time then, in ms since the epoch (absent for items verified before it was recorded). */
  mtimeMs?: number;
  /** When the vault copy was verified, in ms since the epoch. */
  verifiedAtMs: number;
}

/** A resident item whose local file is no longer the one that was verified. */
export interface LocalChange {
  workflowId: string;
  libraryPath: string;
  /** What differs, e.g. `size 10485760 B, verified 5242880 B`. */
  reason: string;
}

const SKIPPED_TOP = new Set<string>([LIBRARY_FOLDERS.incoming, LIBRARY_FOLDERS.unsorted]);

/**
 * The reconcile activities' settings: this host's local root (`library.localRoot`) for the
 * listing of `.Local`, and the vault trash's folder (`vault.trash.folder`), left out of the
 * vault's listing.
 */
export function reconcileSettings(config: Config) {
  return { localRoot: config.library.localRoot, trashFolder: config.vault.trash.folder };
}

/** What {@link reconcileSettings} returns. */
export type ReconcileSettings = ReturnType<typeof reconcileSettings>;

/**
 * Host activities of reconcile: the listing of this host's `.Local` and the comparison of its
 * resident files with their recorded verification.
 *
 * @param deps - the local root (see {@link reconcileSettings}), and the catalog pool (read only)
 */
export function createLocalScanActivities(deps: {
  pool: pg.Pool;
  settings: Pick<ReconcileSettings, 'localRoot'>;
}) {
  const { localRoot } = deps.settings;
  /**
   * The host's resident items with a verified vault copy, and what the verification recorded.
   *
   * @throws pg errors (retried)
   */
  async function listVerifiedResidents(input: { hostId: string }): Promise<VerifiedResident[]> {
    const { rows } = await deps.pool.query(
      `SELECT workflow_id, library_path, size_bytes::float8 AS size_bytes,
              extract(epoch FROM mtime) * 1000 AS mtime_ms, extract(epoch FROM vaulted_at) * 1000 AS verified_ms
       FROM media_items
       WHERE host_id = $1 AND stage = 'resident' AND verified_by IS NOT NULL AND library_path IS NOT NULL
         AND size_bytes IS NOT NULL AND vaulted_at IS NOT NULL`,
      [input.hostId],
    );
    return rows.map((r) => ({
      workflowId: r.workflow_id,
      libraryPath: r.library_path,
      sizeBytes: Number(r.size_bytes),
      mtimeMs: r.mtime_ms === null ? undefined : Number(r.mtime_ms),
      verifiedAtMs: Number(r.verified_ms),
    }));
  }

  /**
   * Every media file under this host's `.Local` except `Incoming/`, `Unsorted/`, hidden folders
   * (`.trash`, temp files) and subtitles (they travel with their video), as library-relative paths.
   *
   * @param input.settledForMs - files whose inode changed (moved in, written) more recently than
   *   this are left out of `settled`: an item being sorted right now has its file in place before
   *   the catalog knows its path
   * @returns every library file, and those settled for long enough to count as missed
   */
  async function listLocalLibrary(input: {
    settledForMs: number;
  }): Promise<{ all: string[]; settled: string[] }> {
    const files = await listFiles(localRoot).catch(() => []);
    const now = Date.now();
    const all: string[] = [];
    const settled: string[] = [];
    for (const { path: p } of files) {
      const parts = p.split('/');
      if (parts.length < 2 || SKIPPED_TOP.has(parts[0]!) || parts.some((s) => s.startsWith('.'))) continue;
      if (SUBTITLE_EXTENSIONS.has(path.extname(p).slice(1).toLowerCase())) continue;
      all.push(p);
      const s = await stat(path.join(localRoot, p)).catch(() => undefined);
      if (s && now - s.ctimeMs >= input.settledForMs) settled.push(p);
    }
    return { all, settled };
  }

  /**
   * Compares resident items' local files with their recorded verification: a different size, a
   * different modification time (more than 1 s off; where none was recorded, one later than the
   * verification) means the file changed after its vault copy was verified. Files gone locally
   * are left to `missingLocally`.
   *
   * @param input.hostId - this host (its resident, verified catalog items are compared)
   * @returns the items whose local file changed
   * @throws pg errors (retried)
   */
  async function findLocalChanges(input: { hostId: string }): Promise<LocalChange[]> {
    const changed: LocalChange[] = [];
    for (const item of await listVerifiedResidents(input)) {
      const s = await stat(path.join(localRoot, item.libraryPath)).catch(() => undefined);
      if (!s?.isFile()) continue;
      let reason: string | undefined;
      if (s.size !== item.sizeBytes) reason = `size ${s.size} B, verified ${item.sizeBytes} B`;
      else if (
        item.mtimeMs !== undefined ? Math.abs(s.mtimeMs - item.mtimeMs) > 1000 : s.mtimeMs > item.verifiedAtMs
      )
        reason = `modified ${new Date(s.mtimeMs).toISOString()}, after its vault copy was verified`;
      if (reason) changed.push({ workflowId: item.workflowId, libraryPath: item.libraryPath, reason });
    }
    return changed;
  }

  return { listLocalLibrary, findLocalChanges };
}

/** Shared activities: the vault listing, the catalog, and which workflows still run. */
export function createReconcileActivities(deps: {
  pool: pg.Pool;
  rclone: Rclone;
  client: Client;
  settings: Pick<ReconcileSettings, 'trashFolder'>;
}) {
  const { trashFolder } = deps.settings;
  /** Every file on the vault outside the trash, excluding subtitles. */
  async function listVaultLibrary(): Promise<string[]> {
    return (await deps.rclone.listFiles())
      .map((f) => f.path)
      .filter((p) => !p.startsWith(`${trashFolder}/`) && !p.split('/').some((s) => s.startsWith('.')))
      .filter((p) => !SUBTITLE_EXTENSIONS.has(path.extname(p).slice(1).toLowerCase()));
  }

  /** The catalog's live (not deleted) items with a library path, of one host or all. */
  async function listCatalog(input: { hostId?: string }): Promise<CatalogEntry[]> {
    const { rows } = await deps.pool.query(
      `SELECT DISTINCT ON (library_path) workflow_id, library_path, stage, verified_by IS NOT NULL AS verified
       FROM media_items
       WHERE library_path IS NOT NULL AND stage NOT IN (${ENDED_STAGES_SQL}) AND ($1::text IS NULL OR host_id = $1)
       ORDER BY library_path, updated_at DESC`,
      [input.hostId ?? null],
    );
    return rows.map((r) => ({
      workflowId: r.workflow_id,
      libraryPath: r.library_path,
      stage: r.stage,
      verified: r.verified,
    }));
  }

  /** Which of these workflows are still running. */
  async function runningWorkflows(input: { workflowIds: string[] }): Promise<string[]> {
    const running: string[] = [];
    for (const id of input.workflowIds) {
      try {
        const d = await deps.client.workflow.getHandle(id).describe();
        if (d.status.name === 'RUNNING') running.push(id);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return running;
  }

  /** The workflow ID a library path gets (`mediaItemWorkflowId`: `media:<hash of the path> <file name>`). */
  async function workflowIdForPath(input: { libraryPath: string }): Promise<string> {
    return mediaItemWorkflowId(input.libraryPath);
  }

  return { listVaultLibrary, listCatalog, runningWorkflows, workflowIdForPath };
}

/** The reconcile activities' functions, for `proxyActivities`. */
export type ReconcileActivities = ReturnType<typeof createReconcileActivities> &
  ReturnType<typeof createLocalScanActivities>;
