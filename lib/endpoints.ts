import path from 'node:path';
import type { ItemSettings } from '../domain/messages.js';
import { embeddedPostgresUrl } from './infra/postgres-server.js';
import type { Config } from './config.js';

/**
 * Where this process finds Temporal and Postgres: the configured ones, else the embedded defaults
 * that `vaultarr start` brings up.
 */
export function endpoints(config: Config): {
  temporalAddress: string;
  databaseUrl: string;
  embeddedDatabase: boolean;
  embeddedTemporal: boolean;
} {
  return {
    temporalAddress:
      config.temporal.address ?? `${config.temporal.embedded.ip}:${config.temporal.embedded.port}`,
    databaseUrl:
      config.database.url ??
      embeddedPostgresUrl(path.join(config.dataDir, 'postgres'), config.database.embedded.port, 'vaultarr'),
    embeddedDatabase: !config.database.url,
    embeddedTemporal: !config.temporal.address,
  };
}

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

/** When a release in `Incoming/` counts as complete, and when it is damaged (config `intake`). */
export function intakeSettings(config: Config) {
  return {
    settleMs: Math.round(config.intake.settleSeconds * 1000),
    damagedAfterMs: Math.round(config.intake.damagedAfterMinutes * 60_000),
    ffprobeBinary: config.intake.ffprobeBinary,
  };
}

/** How items announced by peers are applied here (config `peers`, `scan`). */
export function peerImportPolicy(config: Config) {
  return {
    vaultWaitMs: Math.round(config.peers.vaultWaitHours * 3600_000),
    scanGiveUpMs: Math.round(config.scan.giveUpAfterHours * 3600_000),
  };
}

/** The API's settings from config. */
export function apiSettings(config: Config) {
  return {
    localRoot: config.library.localRoot,
    pathRewrites: config.webhooks.pathRewrites,
    hostId: config.hostId,
    maxBodyBytes: config.api.maxBodyBytes,
    authFailureLimit: config.api.authFailureLimit,
    authFailureWindowMs: Math.round(config.api.authFailureWindowMinutes * 60_000),
    trustProxy: config.api.trustProxy,
    dedupeWindowMs: Math.round(config.webhooks.dedupeWindowMinutes * 60_000),
    unionVaultMount: config.union.enabled ? config.union.vaultMount : undefined,
    peerImport: peerImportPolicy(config),
  };
}

/** The janitor's settings from config (`eviction`). */
export function janitorSettings(config: Config) {
  return {
    lowFreeRatio: config.eviction.lowFreeRatio,
    highFreeRatio: config.eviction.highFreeRatio,
    checkIntervalMs: Math.round(config.eviction.checkIntervalMinutes * 60_000),
    maxParallel: config.eviction.maxParallel,
  };
}
