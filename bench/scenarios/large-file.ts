/**
 * Scenario 2, large file: one 4 GiB file (zero frames, so that writing it takes seconds) through
 * the lifecycle to `resident` on each vault type of `--vaults` (on S3 it goes up in parts), against
 * `rclone copyto` of the same file to an identical remote of the same server (followed by
 * `rclone check --download` where the remote keeps no hash and by `rclone cryptcheck` for crypt);
 * with how vaultarr verified the copy and the bytes it downloaded to do so. The ratio is taken from
 * the workflow's start (the watcher's settle time is a setting, not a cost of the copy).
 */
import type { Scenario, TableRow } from '../lib/report.js';
import { runLifecycle, type LifecycleFigures } from '../lib/lifecycle.js';
import { vaultFigures, vaultRows, vaultTable } from '../lib/vault-rows.js';

export const largeFileScenario: Scenario = {
  number: 2,
  ids: ['large-file', 'large'],
  title: 'Large file: 4 GiB to resident on each vault type vs rclone copyto',
  async run(ctx) {
    // Not `4 << 30`: JavaScript's shifts are 32-bit, and that is 0. Quick: still above S3's cutoff.
    const sizeBytes = ctx.quick ? 64 * 2 ** 20 : 4 * 2 ** 30;
    const size = sizeBytes >= 2 ** 30 ? `${sizeBytes / 2 ** 30} GiB` : `${sizeBytes / 2 ** 20} MiB`;
    const s = '2 large file';
    const runs: LifecycleFigures[] = [];
    const rows: TableRow[] = [];
    for (const vault of ctx.vaults) {
      const f = await runLifecycle(ctx, {
        count: 1,
        sizeBytes,
        releaseName: () => 'Lawrence.of.Arabia.1962.2160p.UHD.BluRay.x265-BENCH',
        baseline: 'copyto',
        vault,
        content: 'sparse',
        idleSeconds: 0,
        timeoutMs: 20 * 60_000,
      });
      runs.push(f);
      rows.push(...vaultRows(s, f, { what: `1 × ${size}`, from: 'start', atMost: 1.15 }));
    }
    return {
      rows,
      tables: [vaultTable(`2 large file: 1 × ${size} to resident, per vault type`, runs, 'start')],
      figures: Object.fromEntries(runs.map((f) => [f.vault, vaultFigures(f)])),
    };
  },
};
