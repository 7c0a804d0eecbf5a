/**
 * Activity factories, grouped by the task queue they run on: `host` activities touch this host's
 * disk (`vaultarr-host-<hostId>`), `shared` ones need only Postgres or HTTP (`vaultarr`).
 */
import type pg from 'pg';
import { createCatalogActivities } from './catalog/activities.js';
import { createSortActivities } from './sort/activities.js';
import { Rclone, type RcloneOptions } from './vault/rclone.js';
import { createVaultActivities } from './vault/activities.js';

export type { CatalogActivities } from './catalog/activities.js';
export type { SortActivities } from './sort/activities.js';
export type { VaultActivities } from './vault/activities.js';

/** Everything the host activities need. */
export interface HostActivityDeps {
  localRoot: string;
  settleMs: number;
  rclone: RcloneOptions;
}

/** Activities for this host's task queue. */
export function createHostActivities(deps: HostActivityDeps) {
  return {
    ...createSortActivities({ localRoot: deps.localRoot, settleMs: deps.settleMs }),
    ...createVaultActivities({ localRoot: deps.localRoot, rclone: new Rclone(deps.rclone) }),
  };
}

/** Activities for the shared task queue. */
export function createSharedActivities(deps: { pool: pg.Pool }) {
  return { ...createCatalogActivities({ pool: deps.pool }) };
}
