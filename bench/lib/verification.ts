/**
 * How vaultarr verified the copies of a run, read from what it recorded: the catalog's
 * `resident`/`verified` event of every item carries the verification's method and the bytes read
 * locally and downloaded for it (`VaultVerification`). Nothing here assumes a method per vault type.
 */
import type pg from 'pg';

/** Verification methods that compare no content: size and modification time alone. */
const WITHOUT_CONTENT = new Set(['modtime']);

/** The verifications of a run's items, as {@link verificationSummary} reads them. */
export interface VerificationSummary {
  /** Items with a `resident`/`verified` record. */
  items: number;
  /** Items per method (`md5`, `sha1`, `sha256-download`, `modtime`, ...). */
  methods: Record<string, number>;
  /** Items verified by comparing content (a hash, or the bytes read back), not size and modtime alone. */
  byContent: number;
  /** Bytes of vault copies downloaded to verify them, per item: mean and most (0 where none recorded). */
  bytesDownloadedPerItem: { mean: number; max: number };
  /** Bytes of local files read to verify, per item, mean. */
  bytesReadLocallyPerItem: number;
}

/**
 * Reads the latest `resident`/`verified` event of every item (an item re-verified later counts
 * once, with its latest verification).
 */
export async function verificationSummary(pool: pg.Pool): Promise<VerificationSummary> {
  const { rows } = await pool.query<{
    details: { method?: string; bytesDownloaded?: number; bytesReadLocally?: number };
  }>(
    `SELECT DISTINCT ON (workflow_id) details FROM events
      WHERE stage = 'resident' AND outcome = 'verified' ORDER BY workflow_id, at DESC, id DESC`,
  );
  const methods: Record<string, number> = {};
  for (const { details } of rows) {
    const method = details.method ?? 'unknown';
    methods[method] = (methods[method] ?? 0) + 1;
  }
  const downloaded = rows.map((r) => r.details.bytesDownloaded ?? 0);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const items = rows.length;
  return {
    items,
    methods,
    byContent: rows.filter((r) => r.details.method && !WITHOUT_CONTENT.has(r.details.method)).length,
    bytesDownloadedPerItem: { mean: sum(downloaded) / (items || 1), max: Math.max(0, ...downloaded) },
    bytesReadLocallyPerItem: sum(rows.map((r) => r.details.bytesReadLocally ?? 0)) / (items || 1),
  };
}

/** `md5 ×20, sha256-download ×1`: the methods of a summary, most used first. */
export const methodsText = (s: VerificationSummary): string =>
  Object.entries(s.methods)
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `${m} ×${n}`)
    .join(', ') || 'none';
