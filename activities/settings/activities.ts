/**
 * `itemSettings`, the local activity through which `mediaItemWorkflowV2` reads this worker's
 * settings whenever it starts work: nothing about an item's behaviour is frozen into its input.
 * A run that starts on an `Incoming/` release records its first catalog row (`sorting`/`entered`)
 * in the same local activity, not in one of its own.
 */
import type pg from 'pg';
import type { ItemSettings } from '../../domain/messages.js';
import type { Config } from '../../lib/config.js';
import { listPeers } from '../../lib/peers.js';
import type { RecordStageInput } from '../catalog/activities.js';

/**
 * The item policy as the config says: what every item workflow this worker runs reads (the
 * `itemSettings` local activity). The defaults are the config schema's, nowhere else.
 */
export function mediaItemPolicy(config: Config): ItemSettings['policy'] {
  return {
    verifyAttempts: config.vault.verifyAttempts,
    hostWaitMs: Math.round(config.hostWaitHours * 3600_000),
    copyHeartbeatTimeoutMs: Math.round(config.vault.copyHeartbeatTimeoutSeconds * 1000),
    continueAsNewAfterEvents: config.workflows.continueAsNewAfterEvents,
    uploadWindow: config.vault.uploadWindow,
    scanGiveUpMs: Math.round(config.scan.giveUpAfterHours * 3600_000),
    peerDelivery: {
      retryMs: Math.round(config.peers.deliveryRetryDays * 24 * 3600_000),
      maxIntervalMs: Math.round(config.peers.retryMaxIntervalMinutes * 60_000),
    },
  };
}

/**
 * The settings activity's settings: the item policy (see {@link mediaItemPolicy}) and the names
 * of the media servers this worker scans (`mediaServers[].name`).
 */
export function itemSettingsSource(config: Config) {
  return { policy: mediaItemPolicy(config), scanTargets: config.mediaServers.map((s) => s.name) };
}

/** What {@link itemSettingsSource} returns. */
export type ItemSettingsSource = ReturnType<typeof itemSettingsSource>;

/** Dependencies of the settings activity. */
export interface SettingsDeps {
  pool: pg.Pool;
  /** The catalog's `recordStage` (a stage row and its event, idempotent per local activity). */
  recordStage: (input: RecordStageInput) => Promise<void>;
  settings: ItemSettingsSource;
}

/**
 * Creates the settings activity.
 *
 * @param deps - the pool (peers), the catalog's `recordStage`, and the policy and media servers' names
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
      return { policy: deps.settings.policy, scanTargets: deps.settings.scanTargets, peers };
    },
  };
}

/** The settings activity, for `proxyLocalActivities<SettingsActivities>`. */
export type SettingsActivities = ReturnType<typeof createSettingsActivities>;
