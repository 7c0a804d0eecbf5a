/**
 * Scenario 2, large file: one 4 GiB file (sparse, so that writing it takes seconds) through the
 * lifecycle to `resident` on the SFTP vault, against `rclone copyto` of the same file to an
 * identical remote; the ratio is taken from the workflow's start (the watcher's settle time is a
 * setting, not a cost of the copy).
 */
import { checked, headline, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';

export const largeFileScenario: Scenario = {
  number: 2,
  ids: ['large-file', 'large'],
  title: 'Large file: 4 GiB to resident on SFTP vs rclone copyto',
  async run(ctx) {
    // Not `4 << 30`: JavaScript's shifts are 32-bit, and that is 0.
    const sizeBytes = ctx.quick ? 256 * 2 ** 20 : 4 * 2 ** 30;
    const f = await runLifecycle(ctx, {
      count: 1,
      sizeBytes,
      releaseName: () => 'Lawrence.of.Arabia.1962.2160p.UHD.BluRay.x265-BENCH',
      baseline: 'copyto',
      vault: 'sftp',
      content: 'sparse',
      idleSeconds: 0,
      timeoutMs: 10 * 60_000,
    });
    const s = '2 large file';
    const size = sizeBytes >= 2 ** 30 ? `${sizeBytes / 2 ** 30} GiB` : `${sizeBytes / 2 ** 20} MiB`;
    return {
      rows: [
        info(s, `SFTP vault: 1 × ${size}, drop → resident`, f.vaultarrSeconds, 's', 1),
        info(s, 'workflow start → resident', f.vaultarrFromFirstStartSeconds, 's', 1),
        info(s, 'plain rclone copyto, same file', f.rcloneSeconds, 's', 1),
        headline(
          checked(
            s,
            `${size} to the SFTP vault, workflow start → resident ÷ rclone copyto`,
            f.ratioWithoutSettle,
            '',
            {
              atMost: 1.15,
            },
          ),
        ),
        info(s, 'ratio with the watcher settle (drop → resident)', f.ratio, ''),
      ],
      figures: { ...f, ratio: round(f.ratio, 3) },
    };
  },
};
