/**
 * Activity factories, grouped by the task queue they run on: `host` activities touch this host's
 * disk (`vaultarr-host-<hostId>`), `shared` ones need only Postgres or HTTP (`vaultarr`).
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { createCatalogActivities } from './catalog/activities.js';
import { createLocalScanActivities, createReconcileActivities } from './reconcile/activities.js';
import { createSortActivities } from './sort/activities.js';
import { createSpaceActivities } from './space/activities.js';
import { Rclone, type RcloneOptions } from './vault/rclone.js';
import { createVaultActivities } from './vault/activities.js';
import { createRemoteActivities } from './vault/remote-activities.js';

export type { CatalogActivities } from './catalog/activities.js';
export type { ReconcileActivities } from './reconcile/activities.js';
export type { SortActivities } from './sort/activities.js';
export type { SpaceActivities } from './space/activities.js';
export type { VaultActivities } from './vault/activities.js';
export type { RemoteActivities } from './vault/remote-activities.js';

/** Everything the host activities need. */
export interface HostActivityDeps {
  localRoot: string;
  pool: pg.Pool;
  /** The union view's vault mount, when enabled. */
  unionVaultMount?: string;
  settleMs: number;
  rclone: RcloneOptions;
}

/** Activities for this host's task queue. */
export function createHostActivities(deps: HostActivityDeps) {
  return {
    ...createSortActivities({ localRoot: deps.localRoot, settleMs: deps.settleMs }),
    ...createVaultActivities({ localRoot: deps.localRoot, rclone: new Rclone(deps.rclone) }),
    ...createSpaceActivities({
      localRoot: deps.localRoot,
      pool: deps.pool,
      unionVaultMount: deps.unionVaultMount,
    }),
    ...createLocalScanActivities({ localRoot: deps.localRoot }),
  };
}

/** Everything the shared activities need. */
export interface SharedActivityDeps {
  pool: pg.Pool;
  /** Temporal client, for reconcile's "is this workflow still running". */
  client: Client;
  rclone: RcloneOptions;
  trashFolder: string;
  trashRetentionDays: number;
}

/** Activities for the shared task queue (Postgres and the vault remote only). */
export function createSharedActivities(deps: SharedActivityDeps) {
  const rclone = new Rclone(deps.rclone);
  return {
    ...createCatalogActivities({ pool: deps.pool }),
    ...createReconcileActivities({
      pool: deps.pool,
      rclone,
      client: deps.client,
      trashFolder: deps.trashFolder,
    }),
    ...createRemoteActivities({
      rclone,
      trashFolder: deps.trashFolder,
      trashRetentionDays: deps.trashRetentionDays,
    }),
  };
}
