/**
 * Scenario 9, slow host: large sparse files (3 GiB and 14 GiB; random 1 MiB blocks every 256 MiB)
 * through a fresh stack with a local-directory vault, with host activities' heartbeat timeout at
 * 2 s — what a Raspberry Pi's USB disk does to the 30 s default for a few-GB file. Reports the
 * time from drop to `resident`, the highest activity attempt, heartbeat timeouts in the history,
 * and the bytes read locally and downloaded to verify the copy.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { statusQuery } from '../../domain/messages.js';
import { writeSparseFile } from '../lib/media.js';
import { checked, info, round, type Scenario, type TableRow } from '../lib/report.js';
import { BenchStack } from '../lib/stack.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A release name per size (titles the sort places without doubt) and where it lands. */
const RELEASES = [
  {
    name: 'Interstellar.2014.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-BENCH.mkv',
    libraryPath: 'Movies/Interstellar (2014)/Interstellar (2014).mkv',
  },
  {
    name: 'Lawrence.of.Arabia.1962.2160p.UHD.BluRay.REMUX.HDR.HEVC-BENCH.mkv',
    libraryPath: 'Movies/Lawrence of Arabia (1962)/Lawrence of Arabia (1962).mkv',
  },
];

export const slowHostScenario: Scenario = {
  number: 9,
  ids: ['slow-host', 'slow'],
  title: 'Slow host: 3 GiB and 14 GiB sparse files to resident with a 2 s heartbeat timeout',
  async run(ctx) {
    const sizes = ctx.quick ? [256 * MiB] : [3 * GiB, 14 * GiB];
    const rows: TableRow[] = [];
    const figures: Record<string, unknown> = {};
    for (const sizeBytes of sizes) {
      const label = sizeBytes >= GiB ? `${sizeBytes / GiB} GiB` : `${sizeBytes / MiB} MiB`;
      const stack = await BenchStack.start({ env: { VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS: '2' } });
      try {
        const staging = path.join(stack.dir, 'staging');
        mkdirSync(staging, { recursive: true });
        const { name, libraryPath } = RELEASES[sizes.indexOf(sizeBytes)]!;
        ctx.log(`slow host: ${label}`);
        writeSparseFile(path.join(staging, name), sizeBytes);
        const started = Date.now();
        renameSync(path.join(staging, name), path.join(stack.incoming, name));
        let workflowId = '';
        for (;;) {
          const { rows: found } = await stack.pool.query<{ workflow_id: string; stage: string }>(
            'SELECT workflow_id, stage FROM media_items WHERE library_path = $1',
            [libraryPath],
          );
          if (found[0]?.stage === 'resident') {
            workflowId = found[0].workflow_id;
            break;
          }
          if (Date.now() - started > 40 * 60_000) throw new Error(`${label}: not resident after 40 minutes`);
          await new Promise((r) => setTimeout(r, 250));
        }
        const seconds = (Date.now() - started) / 1000;
        const handle = stack.client.workflow.getHandle(workflowId);
        const status = await handle.query(statusQuery);
        let maxAttempt = 0;
        let timeouts = 0;
        for (const e of (await handle.fetchHistory()).events ?? []) {
          maxAttempt = Math.max(maxAttempt, e.activityTaskStartedEventAttributes?.attempt ?? 0);
          if (e.activityTaskTimedOutEventAttributes) timeouts++;
        }
        const v = status.verification;
        const s = `9 slow host ${label}`;
        rows.push(
          info(s, 'drop → resident', seconds, 's', 1),
          checked(s, 'highest activity attempt', maxAttempt, '', { atMost: 1 }, 0),
          checked(s, 'heartbeat timeouts in the history', timeouts, '', { exactly: 0 }, 0),
          info(s, `verified by`, v?.method ?? '?'),
          checked(s, 'local bytes read to verify / file size', (v?.bytesReadLocally ?? 0) / sizeBytes, '', {
            atMost: 1,
          }),
          info(s, 'bytes downloaded to verify', v?.bytesDownloaded ?? 0, 'B', 0),
        );
        figures[label] = { sizeBytes, seconds: round(seconds, 1), maxAttempt, timeouts, verification: v };
      } finally {
        await stack.stop();
      }
    }
    return {
      rows,
      figures,
      notes: [
        'The vault is a local directory: its sha256 is computed by rclone reading the vault copy (no download).',
      ],
    };
  },
};
