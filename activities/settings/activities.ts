/**
 * `itemSettings`, the local activity through which `mediaItemWorkflowV2` reads this worker's
 * settings whenever it starts work: nothing about an item's behaviour is frozen into its input.
 * A run that starts on an `Incoming/` release records its first catalog row (`sorting`/`entered`)
 * in the same local activity, not in one of its own.
 */
import type pg from 'pg';
import type { ItemSettings } from '../../domain/messages.js';
import { listPeers } from '../../lib/peers.js';
import type { RecordStageInput } from '../catalog/activities.js';

/** Dependencies of the settings activity. */
export interface SettingsDeps {
  pool: pg.Pool;
  /** The item policy as this worker's config says (`mediaItemPolicy(config)`). */
  policy: ItemSettings['policy'];
  /** Names of the media servers this worker scans. */
  scanTargets: string[];
  /** The catalog's `recordStage` (a stage row and its event, idempotent per local activity). */
  recordStage: (input: RecordStageInput) => Promise<void>;
}

/**
 * Creates the settings activity.
 *
 * @param deps - the pool (peers), the policy, the media servers' names and the catalog's `recordStage`
 */
export function createSettingsActivities(deps: SettingsDeps) {
  return {
    /**
     * The item policy, media servers and peers as this worker knows them now (one Postgres read).
     *
     * @param input.enter - a stage change to record first, as `recordStage` does (absent: none)
     * @throws pg errors (retried)
     */
    async itemSettings(input: { enter?: RecordStageInput } = {}): Promise<ItemSettings> {
      if (input.enter) await deps.recordStage(input.enter);
      const peers = (await listPeers(deps.pool)).map((p) => p.name);
      return { policy: deps.policy, scanTargets: deps.scanTargets, peers };
    },
  };
}

/** The settings activity, for `proxyLocalActivities<SettingsActivities>`. */
export type SettingsActivities = ReturnType<typeof createSettingsActivities>;
