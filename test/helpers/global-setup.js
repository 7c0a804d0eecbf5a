// Starts one Temporal dev server (headless) and one private Postgres cluster for the whole test run
// and hands their addresses to the tests through the environment. Plain JS on the compiled dist/
// (scripts/bootstrap.sh builds it), because Jest loads global setup outside its transform.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../dist/lib/db.js';
import { startEmbeddedPostgres } from '../../dist/lib/infra/postgres-server.js';
import { usePinnedTools } from '../../dist/lib/infra/rclone-binary.js';
import { findTemporalBinary, startTemporalDevServer } from '../../dist/lib/infra/temporal-server.js';
import { freePort } from '../../dist/lib/infra/wait.js';

export default async function globalSetup() {
  // The pinned rclone first on PATH (tests run in this process: --runInBand), as vaultarr does.
  usePinnedTools();
  const root = mkdtempSync(path.join(tmpdir(), 'vaultarr-test-'));
  const temporal = await startTemporalDevServer({
    binary: findTemporalBinary(),
    dbFile: path.join(root, 'temporal.db'),
    ip: '127.0.0.1',
    port: await freePort(),
    namespace: 'default',
    logFile: path.join(root, 'temporal.log'),
  });
  const postgres = await startEmbeddedPostgres({
    dir: path.join(root, 'postgres'),
    port: await freePort(),
    database: 'vaultarr_test',
    logFile: path.join(root, 'postgres.log'),
  });
  await migrate(postgres.url);
  process.env.TEST_VAULTARR_TEMPORAL = temporal.address;
  process.env.TEST_VAULTARR_DATABASE_URL = postgres.url;
  process.env.TEST_VAULTARR_ROOT = root;
  globalThis.__vaultarrServices = { temporal, postgres };
}
