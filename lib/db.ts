/**
 * Postgres access: one pool per process, and migrations (node-pg-migrate, SQL files in `db/migrations`).
 */
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { projectRoot } from './project.js';

/** Opens a connection pool. Callers end it with `pool.end()`. */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max });
}

/**
 * Applies every pending migration under `db/migrations`, holding node-pg-migrate's advisory lock
 * so that processes starting together do not race: a process that finds the lock taken (another
 * component is migrating) waits and tries again, up to `waitMs`.
 *
 * @returns names of the migrations applied by this call
 * @throws the migration error (bad SQL, unreachable database), or the lock error after `waitMs`
 */
export async function migrate(databaseUrl: string, waitMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      const applied = await runner({
        databaseUrl,
        dir: path.join(projectRoot(), 'db', 'migrations'),
        direction: 'up',
        migrationsTable: 'pgmigrations',
        log: () => undefined,
      });
      return applied.map((m) => m.name);
    } catch (err) {
      if (!/Another migration is already running/i.test((err as Error).message) || Date.now() > deadline)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
