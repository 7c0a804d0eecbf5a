/**
 * Starts one Temporal dev server (in-memory, headless) and one private Postgres cluster for the
 * whole test run, and hands their addresses to the tests through the environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../lib/infra/postgres-server.js';
import { findTemporalBinary, startTemporalDevServer } from '../../lib/infra/temporal-server.js';
import { freePort } from '../../lib/infra/wait.js';
import { migrate } from '../../lib/db.js';

export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'vaultarr-test-'));
  const [temporalPort, pgPort] = [await freePort(), await freePort()];
  const temporal = await startTemporalDevServer({
    binary: findTemporalBinary(),
    dbFile: path.join(root, 'temporal.db'),
    ip: '127.0.0.1',
    port: temporalPort,
    namespace: 'default',
    logFile: path.join(root, 'temporal.log'),
  });
  const postgres = await startEmbeddedPostgres({
    dir: path.join(root, 'postgres'),
    port: pgPort,
    database: 'vaultarr_test',
    logFile: path.join(root, 'postgres.log'),
  });
  await migrate(postgres.url);
  process.env.VAULTARR_TEST_TEMPORAL = temporal.address;
  process.env.VAULTARR_TEST_DATABASE_URL = postgres.url;
  process.env.VAULTARR_TEST_ROOT = root;
  writeFileSync(
    path.join(root, 'env.json'),
    JSON.stringify({ temporal: temporal.address, database: postgres.url }),
  );
  (globalThis as Record<string, unknown>).__vaultarrServices = { temporal, postgres };
}
