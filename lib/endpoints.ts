import path from 'node:path';
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
