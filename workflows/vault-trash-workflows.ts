/**
 * Small workflows around the vault trash: moving a deleted library folder (or a file no item
 * carries) there, and the daily purge of trash older than the retention (run by a Temporal Schedule).
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

/**
 * Moves one library file's vault copy to the vault trash (`<trash>/<date>/<path>`): an *arr deleted
 * a file no item carries (vaulted before vaultarr, or its item already ended). Nothing else is
 * touched, and no item is created.
 *
 * @param input.libraryPath - library-relative file, e.g. `Movies/Heat (1995)/Heat (1995).mkv`
 * @param input.reason - why (the *arr event), for the history
 * @returns `trashed` with where it went, or `missing` when the vault holds no such file
 */
export async function trashVaultFileWorkflow(input: {
  libraryPath: string;
  reason: string;
}): Promise<{ outcome: 'trashed' | 'missing'; to?: string }> {
  const { trashed } = await remote.trashVaultCopies({ libraryPaths: [input.libraryPath] });
  return trashed[0] ? { outcome: 'trashed', to: trashed[0].to } : { outcome: 'missing' };
}

/** Deletes vault trash older than `vault.trash.retentionDays`. */
export async function purgeVaultTrashWorkflow(): Promise<{ purged: string[] }> {
  return remote.purgeVaultTrash();
}
