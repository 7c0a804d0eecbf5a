/**
 * Scenario 7, eviction selection: a catalog of 100,000 items in Postgres (90 % resident and
 * verified, the rest in other stages or pinned), each with its local file, and the time the
 * janitor's `selectEvictionCandidates` activity takes to choose candidates.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createSpaceActivities, keepsAccessTimes } from '../../activities/space/activities.js';
import { migrate } from '../../lib/db.js';
import { startEmbeddedPostgres } from '../../lib/infra/postgres-server.js';
import { freePort } from '../../lib/infra/wait.js';
import { checked, info, round, type Scenario } from '../lib/report.js';

const HOST = 'bench-host';
const DAY_MS = 86_400_000;

export const evictionScenario: Scenario = {
  number: 7,
  ids: ['eviction'],
  title: 'Eviction selection: candidates from a 100,000-item catalog',
  async run(ctx) {
    const items = ctx.quick ? 10_000 : 100_000;
    const dir = mkdtempSync(path.join(tmpdir(), 'vaultarr-bench-evict-'));
    const localRoot = path.join(dir, '.Local');
    const pgServer = await startEmbeddedPostgres({
      dir: path.join(dir, 'postgres'),
      port: await freePort(),
      database: 'vaultarr',
      logFile: path.join(dir, 'postgres.log'),
    });
    const pool = new pg.Pool({ connectionString: pgServer.url, max: 4 });
    try {
      await migrate(pgServer.url);
      ctx.log(`catalog of ${items} items and their files`);
      // Series of 100 episodes each: Shows/Series k/Season 01/Series k - S01Enn.mkv.
      const now = Date.now();
      const paths: string[] = [];
      for (let i = 0; i < items; i++) {
        const series = `Series ${Math.floor(i / 100)}`;
        paths.push(`Shows/${series}/Season 01/${series} - S01E${String(i % 100).padStart(2, '0')}.mkv`);
      }
      for (let i = 0; i < items; i += 100)
        mkdirSync(path.join(localRoot, path.dirname(paths[i]!)), { recursive: true });
      // Access times spread over a year; the files' atimes match the catalog.
      const accessMs = (i: number) => now - ((i * 7919) % 365) * DAY_MS - (i % 1000) * 1000;
      for (let i = 0; i < items; i++) {
        const abs = path.join(localRoot, paths[i]!);
        writeFileSync(abs, '');
        const t = accessMs(i) / 1000;
        utimesSync(abs, t, t);
      }
      const batch = 5000;
      for (let start = 0; start < items; start += batch) {
        const ids: string[] = [];
        const lps: string[] = [];
        const stages: string[] = [];
        const pinned: boolean[] = [];
        const access: string[] = [];
        for (let i = start; i < Math.min(items, start + batch); i++) {
          ids.push(`media:${i.toString(16).padStart(40, '0')}`);
          lps.push(paths[i]!);
          // 90 % resident; the rest copying, evicted or awaiting approval; 1 % of all pinned.
          stages.push(i % 10 === 9 ? ['copying', 'evicted', 'awaiting-approval'][i % 3]! : 'resident');
          pinned.push(i % 100 === 42);
          access.push(new Date(accessMs(i)).toISOString());
        }
        await pool.query(
          `INSERT INTO media_items (workflow_id, host_id, library_path, kind, stage, pinned, verified_by,
             vault_value, size_bytes, sha256, vaulted_at, last_access_at)
           SELECT id, $6, lp, 'episode', st, pn, 'sha256-download', 'x', 1000, 'x', la - interval '1 day', la
           FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[]) AS t(id, lp, st, pn, la)`,
          [ids, lps, stages, pinned, access, HOST],
        );
      }
      await pool.query('ANALYZE media_items');
      const atime = await keepsAccessTimes(localRoot);
      const space = createSpaceActivities({ pool, settings: { localRoot, unionVaultMount: undefined } });
      const limit = 4; // eviction.maxParallel's default: the most the janitor asks for at once
      const timings: number[] = [];
      let chosen = 0;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const candidates = await space.selectEvictionCandidates({ hostId: HOST, limit, exclude: [] });
        timings.push((performance.now() - started) / 1000);
        chosen = candidates.length;
      }
      // With 50 items already asked this round (the janitor's `exclude`).
      const excluded = Array.from(
        { length: 50 },
        (_, i) => `media:${(i * 10).toString(16).padStart(40, '0')}`,
      );
      const started = performance.now();
      await space.selectEvictionCandidates({ hostId: HOST, limit, exclude: excluded });
      const withExcludeS = (performance.now() - started) / 1000;
      // Worst case: every file was read after its catalog time (all atimes now), so the catalog's
      // order tells nothing and every resident row must be looked at.
      const nowS = Date.now() / 1000;
      for (let i = 0; i < items; i++) utimesSync(path.join(localRoot, paths[i]!), nowS, accessMs(i) / 1000);
      const worstStarted = performance.now();
      await space.selectEvictionCandidates({ hostId: HOST, limit, exclude: [] });
      const worstS = (performance.now() - worstStarted) / 1000;
      // The part Postgres takes in the worst case: every resident row, ordered.
      const queryStarted = performance.now();
      await pool.query(
        `SELECT workflow_id, library_path, subtitle_paths, COALESCE(last_access_at, vaulted_at, updated_at)::text
         FROM media_items WHERE host_id = $1 AND stage = 'resident' AND NOT pinned AND verified_by IS NOT NULL
         ORDER BY COALESCE(last_access_at, vaulted_at, updated_at), workflow_id`,
        [HOST],
      );
      const queryAllS = (performance.now() - queryStarted) / 1000;
      const sorted = [...timings].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      ctx.log(`median ${median.toFixed(3)} s (runs ${timings.map((t) => t.toFixed(3)).join(', ')})`);
      const s = '7 eviction';
      return {
        rows: [
          info(s, 'catalog items', items, '', 0),
          checked(s, `choose ${limit} candidates (median of 5)`, median, 's', { atMost: 1 }, 3),
          info(s, 'first run (cold)', timings[0]!, 's', 3),
          checked(s, 'worst case: every file read since (atimes all newer)', worstS, 's', { atMost: 1 }, 3),
          info(s, 'worst case: the catalog query alone', queryAllS, 's', 3),
        ],
        figures: {
          items,
          limit,
          usesAtime: atime,
          secondsPerRun: timings.map((t) => round(t, 4)),
          medianSeconds: round(median, 4),
          withFiftyExcludedSeconds: round(withExcludeS, 4),
          worstCaseSeconds: round(worstS, 4),
          worstCaseQueryAloneSeconds: round(queryAllS, 4),
          candidatesChosen: chosen,
        },
        notes: [`last access from ${atime ? 'file atimes (the filesystem keeps them) and' : ''} the catalog`],
      };
    } finally {
      await pool.end();
      await pgServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
