/**
 * Scenario 3, orchestration overhead: 500 files of 1 KiB to `resident` on a WebDAV vault, where
 * the bytes cost nothing and what is left is workflows, activities, catalog writes and rclone
 * processes: items per second, and CPU seconds per item of the worker (with its rclone children)
 * and of the Temporal server.
 */
import { checked, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';
import { movieReleaseName } from '../lib/media.js';

export const overheadScenario: Scenario = {
  number: 3,
  ids: ['overhead', 'orchestration'],
  title: 'Orchestration overhead: 500 × 1 KiB to resident',
  async run(ctx) {
    const count = ctx.quick ? 50 : 500;
    const f = await runLifecycle(ctx, {
      count,
      sizeBytes: 1024,
      releaseName: movieReleaseName,
      baseline: 'copy',
      idleSeconds: 0,
      timeoutMs: 15 * 60_000,
    });
    const s = '3 overhead';
    const perItem = (cpu: number) => round(cpu / count, 4);
    return {
      rows: [
        info(s, `${count} × 1 KiB, drop → resident`, f.vaultarrSeconds, 's', 1),
        checked(s, 'items per second', f.itemsPerSecond, '/s', { atLeast: 20 }, 1),
        info(s, 'items per second from the first start', count / f.vaultarrFromFirstStartSeconds, '/s', 1),
        info(s, 'worker CPU per item (with its rclone children)', f.cpuSeconds.worker / count, 's', 3),
        info(s, 'Temporal server CPU per item', f.cpuSeconds.temporal / count, 's', 3),
        info(s, 'plain rclone copy of the same files', f.rcloneSeconds, 's', 1),
      ],
      figures: {
        ...f,
        workerCpuSecondsPerItem: perItem(f.cpuSeconds.worker),
        temporalCpuSecondsPerItem: perItem(f.cpuSeconds.temporal),
      },
    };
  },
};
