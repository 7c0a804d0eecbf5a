/**
 * Scenarios 1 and 5: 200 files of 4 MiB with release names through the whole lifecycle to
 * `resident`, first on the SFTP vault (hashes: the copy is verified against them) against one
 * `rclone copy` of the same files to an identical remote, then on the WebDAV vault (no hashes:
 * every copy is read back) against `rclone copy` + `rclone check --download`; peak RSS of the
 * worker, the API, the watcher and the whole stack during the SFTP run and while idle before it;
 * then the SFTP run again with the worker split as for a small storage host (`vaultarr worker
 * --host-only` for this host's activities, the workflows in a worker of another host ID), for the
 * host-only worker's RSS.
 */
import { checked, headline, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';
import { movieReleaseName } from '../lib/media.js';

export const pipelineScenario: Scenario = {
  number: 1,
  ids: ['pipeline', 'memory', '5'],
  title: 'Pipeline vs rclone (200 × 4 MiB to resident on SFTP and on WebDAV), and memory (scenario 5)',
  async run(ctx) {
    const count = ctx.quick ? 20 : 200;
    const common = {
      count,
      sizeBytes: 4 << 20,
      releaseName: movieReleaseName,
      baseline: 'copy',
      timeoutMs: 15 * 60_000,
    } as const;
    const sftp = await runLifecycle(ctx, { ...common, vault: 'sftp', idleSeconds: ctx.quick ? 3 : 15 });
    const webdav = await runLifecycle(ctx, { ...common, vault: 'webdav', idleSeconds: 0 });
    // A small storage host: its activities in `vaultarr worker --host-only`, workflows elsewhere.
    const split = await runLifecycle(ctx, {
      ...common,
      vault: 'sftp',
      idleSeconds: ctx.quick ? 3 : 10,
      hostOnlyWorker: true,
    });
    const host = split.memory!;
    const s = '1 pipeline';
    const m = '5 memory';
    const mem = sftp.memory!;
    const files = `${count} × 4 MiB`;
    return {
      rows: [
        info(s, `SFTP vault: ${files}, drop → resident`, sftp.vaultarrSeconds, 's', 1),
        info(s, 'SFTP: plain rclone copy, same files', sftp.rcloneSeconds, 's', 1),
        headline(checked(s, `${files} to the SFTP vault ÷ rclone copy`, sftp.ratio, '', { atMost: 1.5 })),
        info(
          s,
          'SFTP: ratio without the watcher settle (first start → resident)',
          sftp.ratioWithoutSettle,
          '',
        ),
        info(s, `WebDAV vault: ${files}, drop → resident`, webdav.vaultarrSeconds, 's', 1),
        info(
          s,
          'WebDAV: plain rclone copy + check --download',
          webdav.withReadBackCheck!.rcloneSeconds,
          's',
          1,
        ),
        headline(
          checked(
            s,
            `WebDAV (hash-less) ${files} ÷ rclone copy + check --download`,
            webdav.withReadBackCheck!.ratio,
            '',
            {
              atMost: 1.3,
            },
          ),
        ),
        info(s, 'WebDAV: ratio against plain rclone copy', webdav.ratio, ''),
        info(s, 'history events per item (SFTP run)', sftp.events.most, '', 0),
        info(
          s,
          'copies verified by (SFTP, WebDAV)',
          `${sftp.events.verifiedBy}; ${webdav.events.verifiedBy}`,
        ),
        headline(
          checked(
            m,
            `worker peak RSS, ${count} in flight`,
            mem.run.worker!.peakMiB,
            'MiB',
            { atMost: 200 },
            0,
          ),
        ),
        headline(checked(m, 'worker peak RSS, idle', mem.idle.worker!.peakMiB, 'MiB', { atMost: 150 }, 0)),
        checked(m, `API peak RSS, ${count} in flight`, mem.run.api!.peakMiB, 'MiB', { atMost: 120 }, 0),
        checked(m, 'API peak RSS, idle', mem.idle.api!.peakMiB, 'MiB', { atMost: 120 }, 0),
        info(m, `watcher peak RSS, ${count} in flight`, mem.run.watcher!.peakMiB, 'MiB', 0),
        info(m, 'watcher peak RSS, idle', mem.idle.watcher!.peakMiB, 'MiB', 0),
        headline(
          checked(
            m,
            'host-only worker (`worker --host-only`) peak RSS, idle',
            host.idle.hostWorker!.peakMiB,
            'MiB',
            { atMost: 120 },
            0,
          ),
        ),
        headline(
          checked(
            m,
            `host-only worker peak RSS, ${count} in flight`,
            host.run.hostWorker!.peakMiB,
            'MiB',
            { atMost: 120 },
            0,
          ),
        ),
        info(
          m,
          `host-only worker's rclone daemon, peak RSS, ${count} in flight`,
          host.run.hostWorkerRclone!.peakMiB,
          'MiB',
          0,
        ),
        info(
          m,
          `with it, the workflow worker's peak RSS, ${count} in flight`,
          host.run.worker!.peakMiB,
          'MiB',
          0,
        ),
        info(m, `split workers: SFTP ${files}, drop → resident`, split.vaultarrSeconds, 's', 1),
        info(
          m,
          `the worker's rclone daemons, peak RSS, ${count} in flight`,
          mem.run.workerRclone!.peakMiB,
          'MiB',
          0,
        ),
        headline(
          info(
            m,
            'whole stack idle RSS (Temporal, Postgres, components, rclone)',
            mem.idle.stack!.peakMiB,
            'MiB',
            0,
          ),
        ),
      ],
      figures: {
        sftp: { ...sftp, ratio: round(sftp.ratio, 3) },
        webdav: { ...webdav, ratio: round(webdav.ratio, 3) },
        hostOnlyWorker: { ...split, ratio: round(split.ratio, 3) },
      },
    };
  },
};
