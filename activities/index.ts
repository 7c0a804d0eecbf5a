/**
 * Activity factories, grouped by the task queue they run on: `host` activities touch this host's
 * disk (`vaultarr-host-<hostId>`), `shared` ones need only Postgres or HTTP (`vaultarr`).
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ItemSettings } from '../domain/messages.js';
import type { ArrConfig, MediaServerConfig } from '../lib/config.js';
import { AppriseNotifier, type NotificationSettings, type Notifier } from '../lib/notifications.js';
import { createArrActivities } from './arr/activities.js';
import { createCatalogActivities, liveItemsAt } from './catalog/activities.js';
import { createItemActivities } from './item/activities.js';
import { createSettingsActivities } from './settings/activities.js';
import { createNotificationActivities } from './notifications/activities.js';
import { createPeerActivities } from './peers/activities.js';
import { createPeerDeliveryActivities } from './peers/deliveries.js';
import { catalogProgressSink, heartbeatingWith } from './progress.js';
import { createScanActivities } from './scan/activities.js';
import { createLocalScanActivities, createReconcileActivities } from './reconcile/activities.js';
import { createSortActivities, type IntakeSettings } from './sort/activities.js';
import { titleSourcesFromConfig } from './sort/known-titles.js';
import { createSpaceActivities } from './space/activities.js';
import type { HostQuotaPause } from './vault/quota-pause.js';
import { Rclone, type RcloneSettings } from './vault/rclone/client.js';
import { createVaultActivities } from './vault/activities.js';
import { createRemoteActivities } from './vault/remote-activities.js';

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

/** Everything the host activities need. */
export interface HostActivityDeps {
  localRoot: string;
  pool: pg.Pool;
  /** The union view's vault mount, when enabled. */
  unionVaultMount?: string;
  /** The vault mount's rc file (see `unionRcFile`), when the union view is enabled. */
  unionRcFile?: string;
  /** When a release in `Incoming/` counts as complete (config `intake`). */
  intake: IntakeSettings;
  rclone: RcloneSettings;
  /** This instance's *arr apps: Sonarr's and Radarr's titles and parse answers help sort releases. */
  arr?: ArrConfig;
  /** The rclone client to use (its daemon is shared with the worker's metrics); default one made from `rclone`. */
  rcloneClient?: Rclone;
  /** This host's quota pause (`vault.quotaPauseHours`), shared with the worker's metrics; default its own. */
  quotaPause?: HostQuotaPause;
  /** Attempts of a copy the vault refuses before the item parks (`vault.copyAttempts`); default its default. */
  copyAttempts?: number;
  /** The janitor's low watermark (0-1) when this host evicts (`eviction.enabled`); absent when it does not. */
  evictionLowFreeRatio?: number;
}

/**
 * Activities for this host's task queue. Each runs under the heartbeat pump of
 * `activities/progress.ts`: it heartbeats its progress (every 2 s, or every third of its heartbeat
 * timeout when that is shorter) and writes it to the catalog's `item_progress` for `items show`.
 */
export function createHostActivities(deps: HostActivityDeps) {
  const sort = createSortActivities({
    localRoot: deps.localRoot,
    ...deps.intake,
    titles: titleSourcesFromConfig(deps.localRoot, deps.arr, deps.unionVaultMount),
    holders: (libraryPaths, workflowId) => liveItemsAt(deps.pool, libraryPaths, workflowId),
  });
  const vault = createVaultActivities({
    localRoot: deps.localRoot,
    rclone: deps.rcloneClient ?? new Rclone(deps.rclone),
    unionVaultMount: deps.unionVaultMount,
    unionRcFile: deps.unionRcFile,
    quotaPause: deps.quotaPause,
    copyAttempts: deps.copyAttempts,
  });
  return heartbeatingWith(catalogProgressSink(deps.pool))({
    ...sort,
    ...vault,
    ...createItemActivities({
      localRoot: deps.localRoot,
      pool: deps.pool,
      sort,
      vault,
      evictionLowFreeRatio: deps.evictionLowFreeRatio,
    }),
    ...createSpaceActivities({
      localRoot: deps.localRoot,
      pool: deps.pool,
      unionVaultMount: deps.unionVaultMount,
    }),
    ...createLocalScanActivities({ localRoot: deps.localRoot, pool: deps.pool }),
  });
}

/** Everything the shared activities need. */
export interface SharedActivityDeps {
  pool: pg.Pool;
  /** Temporal client, for reconcile's "is this workflow still running". */
  client: Client;
  rclone: RcloneSettings;
  trashFolder: string;
  trashRetentionDays: number;
  /** Media servers to scan; `defaultLibraryRoot` is where they see the library (the union view). */
  scan: { servers: MediaServerConfig[]; defaultLibraryRoot: string; mergeWindowMs: number };
  /** This instance's own *arr apps (where peers' items are added unmonitored). */
  arr: ArrConfig;
  /** Notifications (default none); `notifier` defaults to Apprise with `settings.urls`. */
  notifications?: { settings: NotificationSettings; namespace: string; notifier?: Notifier };
  /** The item policy as this worker's config says, read by every item workflow it runs (`itemSettings`). */
  itemPolicy: ItemSettings['policy'];
}

/** Activities for the shared task queue (Postgres, HTTP and the vault remote only). */
export function createSharedActivities(deps: SharedActivityDeps) {
  const rclone = new Rclone(deps.rclone);
  const notifications = deps.notifications?.settings.urls.length ? deps.notifications : undefined;
  const catalog = createCatalogActivities({
    pool: deps.pool,
    notifications: notifications && { events: notifications.settings.events, client: deps.client },
  });
  return {
    ...catalog,
    // Registered even without targets: a notification workflow started before they were removed finds its activity.
    ...createNotificationActivities({
      pool: deps.pool,
      client: deps.client,
      namespace: notifications?.namespace ?? 'default',
      settings: notifications?.settings ?? {
        urls: [],
        events: [],
        appriseBinary: 'apprise',
        hostOfflineMinutes: 15,
        peerUnreachableHours: 24,
        digestAt: '08:00',
      },
      notifier:
        notifications?.notifier ??
        new AppriseNotifier(notifications?.settings.urls ?? [], notifications?.settings.appriseBinary),
    }),
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
    ...createScanActivities(deps.scan),
    ...createSettingsActivities({
      pool: deps.pool,
      policy: deps.itemPolicy,
      scanTargets: deps.scan.servers.map((s) => s.name),
      recordStage: catalog.recordStage,
    }),
    ...createArrActivities({ arr: deps.arr }),
    ...createPeerActivities({ pool: deps.pool, rclone }),
    ...createPeerDeliveryActivities({ client: deps.client }),
  };
}
