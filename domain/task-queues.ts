/** Shared task queue: every workflow task and the activities that need no particular host's disk. */
export const SHARED_TASK_QUEUE = 'vaultarr';

/**
 * Task queue of one host: activities that touch that host's disks or tools (sort, copy, verify, evict).
 *
 * @param hostId - the host's configured `hostId` (defaults to its hostname)
 * @returns `vaultarr-host-<hostId>`
 */
export function hostTaskQueue(hostId: string): string {
  return `vaultarr-host-${hostId}`;
}
