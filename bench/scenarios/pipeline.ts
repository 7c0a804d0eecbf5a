/**
 * Scenarios 1 and 5: 200 files of 4 MiB with release names through the whole lifecycle to
 * `resident` on a WebDAV vault, against one `rclone copy` of the same files to an identical
 * remote; peak RSS of the worker, the API and the watcher during that run and while idle.
 */
import { checked, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';
import { movieReleaseName } from '../lib/media.js';

export const pipelineScenario: Scenario = {
  number: 1,
  ids: ['pipeline', 'memory', '5'],
  title: 'Pipeline vs rclone (200 × 4 MiB to resident on WebDAV), and memory (scenario 5)',
  async run(ctx) {
    const count = ctx.quick ? 20 : 200;
    const f = await runLifecycle(ctx, {
      count,
      sizeBytes: 4 << 20,
      releaseName: movieReleaseName,
      baseline: 'copy',
      idleSeconds: ctx.quick ? 3 : 15,
      timeoutMs: 15 * 60_000,
    });
    const s = '1 pipeline';
    const m = '5 memory';
    const mem = f.memory!;
    return {
      rows: [
        info(s, `vaultarr: ${count} × 4 MiB, drop → resident`, f.vaultarrSeconds, 's', 1),
        info(s, 'plain rclone copy, same files', f.rcloneSeconds, 's', 1),
        checked(s, 'ratio vaultarr / rclone copy', f.ratio, '', { atMost: 1.3 }),
        info(s, 'ratio without the watcher settle (first start → resident)', f.ratioWithoutSettle, '', 2),
        info(s, 'ratio against rclone copy + check --download', f.ratioAgainstRcloneWithCheck, '', 2),
        checked(m, 'worker peak RSS during scenario 1', mem.run.worker!.peakMiB, 'MiB', { atMost: 200 }, 0),
        checked(m, 'API peak RSS during scenario 1', mem.run.api!.peakMiB, 'MiB', { atMost: 120 }, 0),
        info(m, 'watcher peak RSS during scenario 1', mem.run.watcher!.peakMiB, 'MiB', 0),
        info(
          m,
          "the worker's rclone daemons, peak RSS during scenario 1",
          mem.run.workerRclone!.peakMiB,
          'MiB',
          0,
        ),
        checked(m, 'worker peak RSS idle', mem.idle.worker!.peakMiB, 'MiB', { atMost: 200 }, 0),
        checked(m, 'API peak RSS idle', mem.idle.api!.peakMiB, 'MiB', { atMost: 120 }, 0),
        info(m, 'watcher peak RSS idle', mem.idle.watcher!.peakMiB, 'MiB', 0),
      ],
      figures: {
        ...f,
        vaultarrSeconds: round(f.vaultarrSeconds, 2),
        rcloneSeconds: round(f.rcloneSeconds, 2),
        ratio: round(f.ratio, 3),
      },
    };
  },
};
