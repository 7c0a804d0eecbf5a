/**
 * The scan stage shared by the item workflow (`media-item/announce.ts`) and `peerImportWorkflow`: every configured media
 * server is asked to scan the changed folders, in parallel; a server that is down is retried with
 * backoff and never holds up the others; one still failing after `giveUpMs` is handed to `park`
 * (the item waits in `failed-needs-attention`), and `retry` scans only the servers that failed.
 */
import { ActivityFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ScanActivities } from '../activities/scan/activities.js';
import { FailureType } from '../domain/failures.js';

/** A folder (library-relative) that changed, and how. */
export interface FolderChange {
  folder: string;
  updateType: 'Created' | 'Modified' | 'Deleted';
}

/** What the scan stage did. */
export interface ScanReport {
  scanned: string[];
  /** Servers given up on with `skip`. */
  skipped: string[];
}

/** Folder of a library-relative file path (`Movies/X (1999)/X (1999).mkv` → `Movies/X (1999)`). */
export function folderOf(libraryPath: string): string {
  const i = libraryPath.lastIndexOf('/');
  return i > 0 ? libraryPath.slice(0, i) : libraryPath;
}

function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Scans the changed folders on every media server.
 *
 * @param onStart - called with the servers' names before the first request, when there are any
 * @param park - called with the failing servers' reasons once their retries are exhausted; resolves
 *   `retry` (scan those again) or `skip` (give up on them)
 * @param targets - the servers' names when the caller read them already (`itemSettings`); else
 *   they are read with the `listScanTargets` local activity
 */
export async function scanTargets(
  changes: FolderChange[],
  giveUpMs: number,
  park: (reason: string) => Promise<'retry' | 'skip'>,
  onStart?: (targets: string[]) => Promise<void>,
  targets?: string[],
): Promise<ScanReport> {
  const scan = proxyActivities<ScanActivities>({
    startToCloseTimeout: '5 minutes',
    scheduleToCloseTimeout: giveUpMs,
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: [
        FailureType.INVALID_INPUT,
        FailureType.MEDIA_SERVER_AUTH_FAILED,
        FailureType.NO_LIBRARY_SECTION,
        FailureType.MEDIA_SERVER_REJECTED,
      ],
    },
  });
  const report: ScanReport = { scanned: [], skipped: [] };
  if (changes.length === 0) return report;
  // The configured servers' names: a local activity, so items without media servers cost no round trip.
  const { listScanTargets } = proxyLocalActivities<ScanActivities>({ startToCloseTimeout: '30 seconds' });
  let pending = targets ?? (await listScanTargets());
  if (pending.length === 0) return report;
  await onStart?.(pending);
  const byType = new Map<FolderChange['updateType'], string[]>();
  for (const c of changes) {
    const folders = byType.get(c.updateType) ?? [];
    if (!folders.includes(c.folder)) folders.push(c.folder);
    byType.set(c.updateType, folders);
  }
  while (pending.length > 0) {
    const results = await Promise.allSettled(
      pending.map(async (target) => {
        for (const [updateType, folders] of byType)
          await scan.scanMediaServer({ target, folders, updateType });
      }),
    );
    const failed: string[] = [];
    const reasons: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') report.scanned.push(pending[i]!);
      else {
        failed.push(pending[i]!);
        reasons.push(`${pending[i]}: ${reasonOf(r.reason)}`);
      }
    });
    if (failed.length === 0) break;
    if ((await park(`media server scan failed: ${reasons.join('; ')}`)) === 'skip') {
      report.skipped.push(...failed);
      break;
    }
    pending = failed;
  }
  return report;
}
