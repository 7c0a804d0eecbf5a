/**
 * Space activities (host task queue: they read this host's `.Local`): free space, and the choice
 * of eviction candidates, least recently used first.
 */
import { readdir, readFile, readlink, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { anchorProblem } from '../../lib/infra/union.js';
import { resolveInRoot } from '../failures.js';

/** Dependencies of the space activities. */
export interface SpaceDeps {
  localRoot: string;
  pool: pg.Pool;
  /** The vault mount of the union view, when enabled: no eviction while its anchor is missing. */
  unionVaultMount?: string;
}

/** Free space of `.Local`. */
export interface LocalSpace {
  freeBytes: number;
  totalBytes: number;
  /** freeBytes / totalBytes, 0-1. */
  freeRatio: number;
  /** Why eviction must not happen now (the union view's vault mount is dead), if so. */
  blockedBy?: string;
}

/** An item the janitor may evict. */
export interface EvictionCandidate {
  workflowId: string;
  libraryPath: string;
  sizeBytes: number;
  /** Last access, epoch ms. */
  lastAccessMs: number;
}

/** Input of `selectEvictionCandidates`. */
export interface SelectCandidatesInput {
  hostId: string;
  /** At most this many, least recently used first. */
  limit: number;
  /** Workflow IDs already asked to evict this round. */
  exclude: string[];
}

/** Every path some process holds open (Linux `/proc/<pid>/fd`), so playing files are never evicted. */
export async function openFiles(): Promise<Set<string>> {
  const open = new Set<string>();
  let pids: string[] = [];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return open;
  }
  await Promise.all(
    pids.map(async (pid) => {
      let fds: string[] = [];
      try {
        fds = await readdir(`/proc/${pid}/fd`);
      } catch {
        return;
      }
      for (const fd of fds) {
        try {
          open.add(await readlink(`/proc/${pid}/fd/${fd}`));
        } catch {
          // The descriptor closed meanwhile.
        }
      }
    }),
  );
  return open;
}

/** Whether the filesystem holding `dir` records access times (mounted without `noatime`). */
export async function keepsAccessTimes(dir: string): Promise<boolean> {
  try {
    const mounts = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length >= 4)
      .map(([, mountPoint, , options]) => ({
        mountPoint: mountPoint!.replace(/\\040/g, ' '),
        options: options!.split(','),
      }))
      .filter(
        (m) =>
          dir === m.mountPoint ||
          dir.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`),
      )
      .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
    return !(mounts[0]?.options.includes('noatime') ?? false);
  } catch {
    return false;
  }
}

/**
 * Creates the space activities.
 *
 * @param deps - local root and the catalog pool
 */
export function createSpaceActivities(deps: SpaceDeps) {
  const { localRoot, pool } = deps;

  /** Free space of `.Local` (statfs; blocks available to unprivileged users). */
  async function measureLocalSpace(): Promise<LocalSpace> {
    const s = await statfs(localRoot);
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    const blockedBy = deps.unionVaultMount ? await anchorProblem(deps.unionVaultMount) : undefined;
    return { freeBytes, totalBytes, freeRatio: totalBytes > 0 ? freeBytes / totalBytes : 1, blockedBy };
  }

  /**
   * Chooses eviction candidates: items of this host that are `resident`, verified on the vault, not
   * pinned, not under `Incoming/` and not open by any process, least recently used first. Last
   * access is the file's atime when the filesystem keeps access times (not `noatime`), and the
   * catalog's `last_access_at` (else `vaulted_at`) otherwise, whichever is later.
   *
   * @returns up to `limit` candidates, oldest access first
   */
  async function selectEvictionCandidates(input: SelectCandidatesInput): Promise<EvictionCandidate[]> {
    const { rows } = await pool.query(
      `SELECT workflow_id, library_path, subtitle_paths,
              extract(epoch FROM COALESCE(last_access_at, vaulted_at, updated_at)) * 1000 AS catalog_ms
       FROM media_items
       WHERE host_id = $1 AND stage = 'resident' AND NOT pinned AND verified_by IS NOT NULL
         AND library_path IS NOT NULL AND library_path NOT LIKE 'Incoming/%' AND NOT (workflow_id = ANY($2::text[]))`,
      [input.hostId, input.exclude],
    );
    const useAtime = await keepsAccessTimes(localRoot);
    const open = await openFiles();
    const candidates: EvictionCandidate[] = [];
    for (const row of rows as Array<{
      workflow_id: string;
      library_path: string;
      subtitle_paths: string[];
      catalog_ms: string;
    }>) {
      const abs = resolveInRoot(localRoot, row.library_path);
      if (open.has(abs) || row.subtitle_paths.some((p) => open.has(path.join(localRoot, p)))) continue;
      let info;
      try {
        info = await stat(abs);
      } catch {
        continue; // Gone locally: nothing to free.
      }
      const catalogMs = Number(row.catalog_ms);
      candidates.push({
        workflowId: row.workflow_id,
        libraryPath: row.library_path,
        sizeBytes: info.size,
        lastAccessMs: useAtime ? Math.max(info.atimeMs, catalogMs) : catalogMs,
      });
    }
    candidates.sort((a, b) => a.lastAccessMs - b.lastAccessMs || a.libraryPath.localeCompare(b.libraryPath));
    return candidates.slice(0, input.limit);
  }

  return { measureLocalSpace, selectEvictionCandidates };
}

/** The space activities' functions, for `proxyActivities<SpaceActivities>`. */
export type SpaceActivities = ReturnType<typeof createSpaceActivities>;
