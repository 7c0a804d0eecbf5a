/**
 * Scenarios 1 and 5: 200 files of 4 MiB with release names through the whole lifecycle to
 * `resident` on each vault type of `--vaults` (a local folder, OpenSSH SFTP, WebDAV, S3, crypt over
 * local), each against plain rclone copying the same files to an identical remote of the same
 * server — one `rclone copy`, followed by `rclone check --download` where the remote keeps no hash
 * and by `rclone cryptcheck` for crypt, as a careful user verifies — with how vaultarr verified the
 * copies and the bytes it downloaded to do so; on WebDAV, plain rclone also with its pacer off.
 * Peak RSS of the worker, the API, the watcher and the whole stack during the run on the SFTP vault
 * (the first vault type when SFTP is not run) and while idle before it; then that run again with
 * the worker split as for a small storage host (`vaultarr worker --host-only` for this host's
 * activities, the workflows in a worker of another host ID), for the host-only worker's RSS.
 */
import { checked, headline, info, type Scenario, type TableRow } from '../lib/report.js';
import { runLifecycle, type LifecycleFigures } from '../lib/lifecycle.js';
import { movieReleaseName } from '../lib/media.js';
import { vaultFigures, vaultRows, vaultTable } from '../lib/vault-rows.js';
import { VAULT_LABELS } from '../lib/vaults.js';

export const pipelineScenario: Scenario = {
  number: 1,
  ids: ['pipeline', 'memory', '5'],
  title: 'Pipeline vs rclone (200 × 4 MiB to resident on each vault type), and memory (scenario 5)',
  async run(ctx) {
    const count = ctx.quick ? 20 : 200;
    const common = {
      count,
      sizeBytes: 4 << 20,
      releaseName: movieReleaseName,
      baseline: 'copy',
      timeoutMs: 15 * 60_000,
    } as const;
    const memoryVault = ctx.vaults.includes('sftp') ? 'sftp' : ctx.vaults[0]!;
    const files = `${count} × 4 MiB`;
    const s = '1 pipeline';
    const runs: LifecycleFigures[] = [];
    const rows: TableRow[] = [];
    for (const vault of ctx.vaults) {
      const f = await runLifecycle(ctx, {
        ...common,
        vault,
        baselineVariants: true,
        idleSeconds: vault === memoryVault ? (ctx.quick ? 3 : 15) : 0,
      });
      runs.push(f);
      // The earlier targets: 1.5 where copies are verified by hash, 1.3 against a read-back check.
      rows.push(
        ...vaultRows(s, f, { what: files, from: 'drop', atMost: f.underlyingHashes.length ? 1.5 : 1.3 }),
      );
      rows.push(info(s, `${VAULT_LABELS[vault]}: history events per item`, f.events.most, '', 0));
    }
    // A small storage host: its activities in `vaultarr worker --host-only`, workflows elsewhere.
    const split = await runLifecycle(ctx, {
      ...common,
      vault: memoryVault,
      idleSeconds: ctx.quick ? 3 : 10,
      hostOnlyWorker: true,
    });
    const mem = runs.find((f) => f.vault === memoryVault)!.memory!;
    const host = split.memory!;
    const m = `5 memory (${VAULT_LABELS[memoryVault]})`;
    return {
      tables: [vaultTable(`1 pipeline: ${files} to resident, per vault type`, runs, 'drop')],
      rows: [
        ...rows,
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
        info(m, `split workers: ${files}, drop → resident`, split.vaultarrSeconds, 's', 1),
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
        ...Object.fromEntries(runs.map((f) => [f.vault, vaultFigures(f)])),
        hostOnlyWorker: vaultFigures(split),
      },
    };
  },
};
