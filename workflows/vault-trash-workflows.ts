/**
 * Small workflows around the vault trash: moving a deleted library folder there, and the daily
 * purge of trash older than the retention (run by a Temporal Schedule).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RemoteActivities } from '../activities/index.js';

const remote = proxyActivities<RemoteActivities>({
  startToCloseTimeout: '1 hour',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Moves a library folder's vault copy to the vault trash (`<trash>/<date>/<folder>`).
 *
 * @param input.folder - library-relative folder, e.g. `Movies/The Matrix (1999)`
 * @param input.reason - why (the *arr event), for the history
 */
export async function trashVaultFolderWorkflow(input: {
  folder: string;
  reason: string;
}): Promise<{ outcome: string; to: string }> {
  return remote.trashVaultFolder({ folder: input.folder });
}

/** Deletes vault trash older than `vault.trash.retentionDays`. */
export async function purgeVaultTrashWorkflow(): Promise<{ purged: string[] }> {
  return remote.purgeVaultTrash();
}
