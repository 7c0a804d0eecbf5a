/**
 * The rows and the per-vault table of scenarios 1 and 2: for each vault type, vaultarr's time
 * against plain rclone's (`copy`/`copyto`, plus `check --download` or `cryptcheck` where a careful
 * user runs it), how vaultarr verified the copies, and the bytes it downloaded to do so (target 0
 * wherever the remote under the vault keeps a hash, crypt included).
 */
import type { LifecycleFigures } from './lifecycle.js';
import { checked, headline, info, round, type SummaryTable, type TableRow } from './report.js';
import { methodsText } from './verification.js';
import { VAULT_LABELS } from './vaults.js';

/** How a scenario takes its headline ratio: from the drop (with the watcher settle) or from the first workflow start. */
export type RatioFrom = 'drop' | 'start';

/** Plain rclone as a careful user runs it on this vault: `copy`, plus its check where it has one. */
function careful(f: LifecycleFigures, from: RatioFrom) {
  const seconds = f.withCheck?.rcloneSeconds ?? f.rcloneSeconds;
  const ratio =
    from === 'drop'
      ? (f.withCheck?.ratio ?? f.ratio)
      : (f.withCheck?.ratioWithoutSettle ?? f.ratioWithoutSettle);
  const what = f.withCheck
    ? `rclone ${f.baselineCommand} + ${f.withCheck.command}`
    : `rclone ${f.baselineCommand}`;
  return { seconds, ratio, what };
}

/** `1.5 KiB`, `4 MiB`, `0 B`: a byte count for a table. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${round(value, unit ? 1 : 0)} ${units[unit]}`;
}

/**
 * The table rows of one vault type's run.
 *
 * @param s - the scenario column, e.g. `1 pipeline`
 * @param what - what was moved, e.g. `200 × 4 MiB`
 * @param atMost - the headline ratio's target (printed, never asserted)
 */
export function vaultRows(
  s: string,
  f: LifecycleFigures,
  o: { what: string; from: RatioFrom; atMost: number },
): TableRow[] {
  const label = VAULT_LABELS[f.vault];
  const c = careful(f, o.from);
  const v = f.verification;
  const hashed = f.underlyingHashes.length > 0;
  const from = o.from === 'drop' ? 'drop → resident' : 'workflow start → resident';
  const rows: TableRow[] = [
    info(s, `${label}: ${o.what}, drop → resident`, f.vaultarrSeconds, 's', 1),
    info(s, `${label}: workflow start → resident`, f.vaultarrFromFirstStartSeconds, 's', 1),
    info(s, `${label}: plain rclone ${f.baselineCommand}, same files`, f.rcloneSeconds, 's', 1),
  ];
  if (f.withCheck)
    rows.push(info(s, `${label}: then rclone ${f.withCheck.command}`, f.withCheck.checkSeconds, 's', 1));
  rows.push(
    headline(checked(s, `${label}: ${o.what}, ${from} ÷ ${c.what}`, c.ratio, '', { atMost: o.atMost })),
  );
  if (f.withCheck)
    rows.push(
      info(
        s,
        `${label}: ratio against plain rclone ${f.baselineCommand} alone`,
        o.from === 'drop' ? f.ratio : f.ratioWithoutSettle,
        '',
      ),
    );
  for (const [name, variant] of Object.entries(f.variants))
    rows.push(
      info(s, `${label}: ${c.what}, ${name}`, variant.rcloneSeconds + (variant.checkSeconds ?? 0), 's', 1),
    );
  if (f.multipartUploads !== undefined)
    rows.push(info(s, `${label}: vaultarr's uploads in parts (the server's log)`, f.multipartUploads, '', 0));
  rows.push(
    info(s, `${label}: copies verified by`, methodsText(v)),
    checked(
      s,
      `${label}: items verified by content (not size and modtime alone)`,
      v.byContent,
      '',
      {
        exactly: f.count,
      },
      0,
    ),
    hashed
      ? headline(
          checked(
            s,
            `${label}: bytes downloaded to verify, per item`,
            v.bytesDownloadedPerItem.mean,
            'B',
            {
              exactly: 0,
            },
            0,
          ),
        )
      : info(
          s,
          `${label} (no hash): bytes downloaded to verify, per item`,
          bytesText(v.bytesDownloadedPerItem.mean),
        ),
  );
  return rows;
}

/** One row per vault type: the times, the headline ratio, the verification and its downloads. */
export function vaultTable(title: string, runs: LifecycleFigures[], from: RatioFrom): SummaryTable {
  return {
    title,
    header: [
      'vault',
      from === 'drop' ? 'vaultarr, drop → resident' : 'vaultarr, start → resident',
      'plain rclone (+ check)',
      'ratio',
      'verified by',
      'by content',
      'downloaded to verify, per item',
    ],
    rows: runs.map((f) => {
      const c = careful(f, from);
      const v = f.verification;
      const seconds = from === 'drop' ? f.vaultarrSeconds : f.vaultarrFromFirstStartSeconds;
      return [
        VAULT_LABELS[f.vault],
        `${round(seconds, 1)} s`,
        `${round(c.seconds, 1)} s (${c.what.replace(/^rclone /, '')})`,
        String(round(c.ratio, 2)),
        methodsText(v),
        `${v.byContent}/${f.count}`,
        `${bytesText(v.bytesDownloadedPerItem.mean)}${f.underlyingHashes.length ? '' : ' (no hash)'}`,
      ];
    }),
  };
}

/** The figures of a run for the results JSON, ratios rounded. */
export const vaultFigures = (f: LifecycleFigures) => ({
  ...f,
  ratio: round(f.ratio, 3),
  ratioWithoutSettle: round(f.ratioWithoutSettle, 3),
});
