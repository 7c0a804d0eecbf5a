/**
 * `itemSettings`, the local activity through which `mediaItemWorkflowV2` reads this worker's
 * settings whenever it starts work: nothing about an item's behaviour is frozen into its input.
 */
import type pg from 'pg';
import type { ItemSettings } from '../../domain/messages.js';
import { listPeers } from '../../lib/peers.js';

/** Dependencies of the settings activity. */
export interface SettingsDeps {
  pool: pg.Pool;
  /** The item policy as this worker's config says (`mediaItemPolicy(config)`). */
  policy: ItemSettings['policy'];
  /** Names of the media servers this worker scans. */
  scanTargets: string[];
}

/**
 * Creates the settings activity.
 *
 * @param deps - the pool (peers), the policy and the media servers' names
 */
export function createSettingsActivities(deps: SettingsDeps) {
  return {
    /**
     * The item policy, media servers and peers as this worker knows them now (one Postgres read).
     *
     * @throws pg errors (retried)
     */
    async itemSettings(): Promise<ItemSettings> {
      const peers = (await listPeers(deps.pool)).map((p) => p.name);
      return { policy: deps.policy, scanTargets: deps.scanTargets, peers };
    },
  };
}

/** The settings activity, for `proxyLocalActivities<SettingsActivities>`. */
export type SettingsActivities = ReturnType<typeof createSettingsActivities>;
