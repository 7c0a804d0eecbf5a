/**
 * Space activities (host task queue: they read this host's `.Local`): free space, and the choice
 * of eviction candidates, least recently used first.
 */
import { statSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../../lib/config.js';
import { anchorProblem, unionView } from '../../lib/infra/union.js';
import { openFiles } from '../../lib/open-files.js';

/**
 * The space activities' settings: this host's local root (`library.localRoot`), and the union
 * view's vault mount when enabled (`union`): no eviction while its anchor is missing.
 */
export function spaceSettings(config: Config) {
  return { localRoot: config.library.localRoot, unionVaultMount: unionView(config).vaultMount };
}

/** What {@link spaceSettings} returns. */
export type SpaceSettings = ReturnType<typeof spaceSettings>;

/** Dependencies of the space activities. */
export interface SpaceDeps {
  pool: pg.Pool;
  settings: SpaceSettings;
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

/** A catalog row of {@link createSpaceActivities}' candidate query. */
interface CandidateRow {
  workflow_id: string;
  library_path: string;
  subtitle_paths: string[];
  /** The catalog's last access as Postgres prints it (exact, for the keyset of the next query). */
  access_at: string;
  catalog_ms: string;
}

/** Least recently used first; ties by library path so that the choice is stable. */
const byAge = (a: EvictionCandidate, b: EvictionCandidate): number =>
  a.lastAccessMs - b.lastAccessMs ||
  (a.libraryPath < b.libraryPath ? -1 : a.libraryPath > b.libraryPath ? 1 : 0);

/** Every path some process holds open (Linux `/proc/<pid>/fd`), so playing files are never evicted. */
export { openFiles } from '../../lib/open-files.js';

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
  const { pool } = deps;
  const { localRoot, unionVaultMount } = deps.settings;

  /** Free space of `.Local` (statfs; blocks available to unprivileged users). */
  async function measureLocalSpace(): Promise<LocalSpace> {
    const s = await statfs(localRoot);
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    const blockedBy = unionVaultMount ? await anchorProblem(unionVaultMount) : undefined;
    return { freeBytes, totalBytes, freeRatio: totalBytes > 0 ? freeBytes / totalBytes : 1, blockedBy };
  }

  /**
   * Chooses eviction candidates: items of this host that are `resident`, verified on the vault, not
   * pinned, not under `Incoming/` and not open by any process, least recently used first. Last
   * access is the file's atime when the filesystem keeps access times (not `noatime`), and the
   * catalog's `last_access_at` (else `vaulted_at`) otherwise, whichever is later.
   *
   * Rows come ordered by their catalog time, which is a lower bound of their last access: once a
   * row starts later than the `limit`-th best candidate so far, no further row can displace it. So
   * the usual case reads one small page and stats a few hundred files; only a catalog whose files
   * were all read since (atimes ahead of the catalog) is read whole, in a second query.
   *
   * @returns up to `limit` candidates, oldest access first
   */
  async function selectEvictionCandidates(input: SelectCandidatesInput): Promise<EvictionCandidate[]> {
    const [useAtime, open] = await Promise.all([keepsAccessTimes(localRoot), openFiles()]);
    const best: EvictionCandidate[] = [];
    const rootPrefix = path.resolve(localRoot) + path.sep;
    const kth = () => (best.length >= input.limit ? best[input.limit - 1]!.lastAccessMs : Infinity);
    const query = (after: CandidateRow | undefined, limit: number | null) =>
      pool.query<CandidateRow>(
        `SELECT workflow_id, library_path, subtitle_paths, access_at::text AS access_at,
                extract(epoch FROM access_at) * 1000 AS catalog_ms
         FROM (SELECT *, COALESCE(last_access_at, vaulted_at, updated_at) AS access_at FROM media_items
               WHERE host_id = $1 AND stage = 'resident' AND NOT pinned AND verified_by IS NOT NULL
                 AND library_path IS NOT NULL AND library_path NOT LIKE 'Incoming/%'
                 AND NOT (workflow_id = ANY($2::text[]))) m
         WHERE $3::timestamptz IS NULL OR (access_at, workflow_id) > ($3::timestamptz, $4::text)
         ORDER BY access_at, workflow_id
         LIMIT $5`,
        [input.hostId, input.exclude, after?.access_at ?? null, after?.workflow_id ?? '', limit],
      );
    /** Looks at rows in order; false once the rest cannot hold a better candidate. */
    const consider = async (rows: CandidateRow[]): Promise<boolean> => {
      // statSync in slices: a tenth of the promise version's cost per file, and the event loop
      // (heartbeats, other activities) still gets a turn between slices.
      for (let from = 0; from < rows.length; from += 2048) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const row of rows.slice(from, from + 2048)) {
          const catalogMs = Number(row.catalog_ms);
          if (catalogMs > kth()) return false;
          // Lexical only: realpath on every row would cost more than the stat, and nothing is
          // deleted here (evictLocalCopy resolves the path with symlink checks before deleting).
          const abs = path.resolve(localRoot, row.library_path);
          if (!abs.startsWith(rootPrefix)) continue;
          if (open.has(abs) || row.subtitle_paths.some((p) => open.has(path.join(localRoot, p)))) continue;
          const info = statSync(abs, { throwIfNoEntry: false });
          if (!info) continue; // Gone locally: nothing to free.
          const candidate = {
            workflowId: row.workflow_id,
            libraryPath: row.library_path,
            sizeBytes: info.size,
            lastAccessMs: useAtime ? Math.max(info.atimeMs, catalogMs) : catalogMs,
          };
          if (best.length >= input.limit && byAge(candidate, best[input.limit - 1]!) >= 0) continue;
          best.push(candidate);
          best.sort(byAge);
          best.splice(input.limit);
        }
      }
      return true;
    };
    const pageSize = Math.max(256, input.limit * 8);
    const { rows: page } = await query(undefined, pageSize);
    if ((await consider(page)) && page.length === pageSize) {
      const { rows: rest } = await query(page[page.length - 1], null);
      await consider(rest);
    }
    return best;
  }

  return { measureLocalSpace, selectEvictionCandidates };
}

/** The space activities' functions, for `proxyActivities<SpaceActivities>`. */
export type SpaceActivities = ReturnType<typeof createSpaceActivities>;
