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
 * so that processes starting together do not race.
 *
 * @returns names of the migrations applied by this call
 */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: path.join(projectRoot(), 'db', 'migrations'),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log: () => undefined,
  });
  return applied.map((m) => m.name);
}
