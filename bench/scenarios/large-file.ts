/**
 * Scenario 2, large file: one 1 GiB file through the lifecycle to `resident` on a WebDAV vault,
 * against `rclone copyto` of the same file to an identical remote.
 */
import { checked, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';

export const largeFileScenario: Scenario = {
  number: 2,
  ids: ['large-file', 'large'],
  title: 'Large file: 1 GiB to resident on WebDAV vs rclone copyto',
  async run(ctx) {
    const sizeBytes = ctx.quick ? 64 << 20 : 1 << 30;
    const f = await runLifecycle(ctx, {
      count: 1,
      sizeBytes,
      releaseName: () => 'Lawrence.of.Arabia.1962.2160p.UHD.BluRay.x265-BENCH',
      baseline: 'copyto',
      idleSeconds: 0,
      timeoutMs: 10 * 60_000,
    });
    const s = '2 large file';
    const size = `${sizeBytes >> 20} MiB`;
    return {
      rows: [
        info(s, `vaultarr: 1 × ${size}, drop → resident`, f.vaultarrSeconds, 's', 1),
        info(s, 'plain rclone copyto, same file', f.rcloneSeconds, 's', 1),
        checked(s, 'ratio vaultarr / rclone copyto', f.ratio, '', { atMost: 1.05 }),
        info(s, 'ratio without the watcher settle (first start → resident)', f.ratioWithoutSettle, '', 2),
        info(s, 'ratio against rclone copyto + check --download', f.ratioAgainstRcloneWithCheck, '', 2),
      ],
      figures: { ...f, ratio: round(f.ratio, 3) },
    };
  },
};
