/**
 * Activity factories, grouped by the task queue they run on: `host` activities touch this host's
 * disk (`vaultarr-host-<hostId>`), `shared` ones need only Postgres or HTTP (`vaultarr`).
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Config } from '../lib/config.js';
import { AppriseNotifier, type Notifier } from '../lib/notifications.js';
import { createArrActivities } from './arr/activities.js';
import { catalogSettings, createCatalogActivities, liveItemsAt } from './catalog/activities.js';
import { createItemActivities, itemActivitySettings } from './item/activities.js';
import { createSettingsActivities, itemSettingsSource } from './settings/activities.js';
import { createNotificationActivities, notificationSettings } from './notifications/activities.js';
import { createPeerActivities } from './peers/activities.js';
import { createPeerDeliveryActivities } from './peers/deliveries.js';
import { catalogProgressSink, heartbeatingWith } from './progress.js';
import { createScanActivities, scanSettings } from './scan/activities.js';
import {
  createLocalScanActivities,
  createReconcileActivities,
  reconcileSettings,
} from './reconcile/activities.js';
import { createSortActivities, sortSettings } from './sort/activities.js';
import { titleSettings, titleSourcesFromConfig } from './sort/known-titles.js';
import { createSpaceActivities, spaceSettings } from './space/activities.js';
import type { HostQuotaPause } from './vault/quota-pause.js';
import { Rclone, rcloneSettings } from './vault/rclone/client.js';
import { createVaultActivities, vaultSettings } from './vault/activities.js';
import { createRemoteActivities, remoteSettings } from './vault/remote-activities.js';

export type { ArrActivities } from './arr/activities.js';
export type { CatalogActivities } from './catalog/activities.js';
export type { ItemActivities } from './item/activities.js';
export type { SettingsActivities } from './settings/activities.js';
export type { NotificationActivities } from './notifications/activities.js';
export type { ScanActivities } from './scan/activities.js';
export type { PeerActivities } from './peers/activities.js';
export type { PeerDeliveryActivities } from './peers/deliveries.js';
export type { ReconcileActivities } from './reconcile/activities.js';
export type { SortActivities } from './sort/activities.js';
export type { SpaceActivities } from './space/activities.js';
export type { VaultActivities } from './vault/activities.js';
export type { RemoteActivities } from './vault/remote-activities.js';

/**
 * The host activities' settings: each group's own, from its settings function beside it (a new
 * key is read there, not here).
 */
export function hostActivitySettings(config: Config) {
  return {
    rclone: rcloneSettings(config),
    sort: sortSettings(config),
    titles: titleSettings(config),
    vault: vaultSettings(config),
    item: itemActivitySettings(config),
    space: spaceSettings(config),
    reconcile: reconcileSettings(config),
  };
}

/** What {@link hostActivitySettings} returns. */
export type HostActivitySettings = ReturnType<typeof hostActivitySettings>;

/** Everything the host activities need. */
export interface HostActivityDeps {
  pool: pg.Pool;
  settings: HostActivitySettings;
  /** The rclone client to use (its daemon is shared with the worker's metrics); default one made from `settings.rclone`. */
  rcloneClient?: Rclone;
  /** This host's quota pause (`vault.quotaPauseHours`), shared with the worker's metrics; default its own. */
  quotaPause?: HostQuotaPause;
}

/**
 * Activities for this host's task queue. Each runs under the heartbeat pump of
 * `activities/progress.ts`: it heartbeats its progress (every 2 s, or every third of its heartbeat
 * timeout when that is shorter) and writes it to the catalog's `item_progress` for `items show`.
 */
export function createHostActivities(deps: HostActivityDeps) {
  const { pool, settings } = deps;
  const sort = createSortActivities({
    settings: settings.sort,
    titles: titleSourcesFromConfig(settings.titles),
    holders: (libraryPaths, workflowId) => liveItemsAt(pool, libraryPaths, workflowId),
  });
  const vault = createVaultActivities({
    rclone: deps.rcloneClient ?? new Rclone(settings.rclone),
    settings: settings.vault,
    quotaPause: deps.quotaPause,
  });
  return heartbeatingWith(catalogProgressSink(pool))({
    ...sort,
    ...vault,
    ...createItemActivities({ pool, sort, vault, settings: settings.item }),
    ...createSpaceActivities({ pool, settings: settings.space }),
    ...createLocalScanActivities({ pool, settings: settings.reconcile }),
  });
}

/**
 * The shared activities' settings: each group's own, from its settings function beside it (a new
 * key is read there, not here).
 */
export function sharedActivitySettings(config: Config) {
  return {
    rclone: rcloneSettings(config),
    catalog: catalogSettings(config),
    notifications: notificationSettings(config),
    reconcile: reconcileSettings(config),
    remote: remoteSettings(config),
    scan: scanSettings(config),
    item: itemSettingsSource(config),
    arr: config.arr,
  };
}

/** What {@link sharedActivitySettings} returns. */
export type SharedActivitySettings = ReturnType<typeof sharedActivitySettings>;

/** Everything the shared activities need. */
export interface SharedActivityDeps {
  pool: pg.Pool;
  /** Temporal client, for reconcile's "is this workflow still running" and notifications' workflows. */
  client: Client;
  settings: SharedActivitySettings;
  /** Sends notifications; default Apprise with `settings.notifications.urls` (tests hand in their own). */
  notifier?: Notifier;
}

/** Activities for the shared task queue (Postgres, HTTP and the vault remote only). */
export function createSharedActivities(deps: SharedActivityDeps) {
  const { pool, client, settings } = deps;
  const rclone = new Rclone(settings.rclone);
  const catalog = createCatalogActivities({ pool, client, settings: settings.catalog });
  return {
    ...catalog,
    // Registered even without targets: a notification workflow started before they were removed finds its activity.
    ...createNotificationActivities({
      pool,
      client,
      settings: settings.notifications,
      notifier:
        deps.notifier ??
        new AppriseNotifier(settings.notifications.urls, settings.notifications.appriseBinary),
    }),
    ...createReconcileActivities({ pool, rclone, client, settings: settings.reconcile }),
    ...createRemoteActivities({ rclone, settings: settings.remote }),
    ...createScanActivities(settings.scan),
    ...createSettingsActivities({ pool, recordStage: catalog.recordStage, settings: settings.item }),
    ...createArrActivities({ arr: settings.arr }),
    ...createPeerActivities({ pool, rclone }),
    ...createPeerDeliveryActivities({ client }),
  };
}
