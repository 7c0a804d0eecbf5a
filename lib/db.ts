/**
 * Postgres access: one pool per process, and migrations (node-pg-migrate, SQL files in `db/migrations`).
 */
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { projectRoot } from './project.js';

/**
 * Opens a connection pool. Callers end it with `pool.end()`.
 *
 * A connection that dies (Postgres restarted or killed, the network dropped) is an `error` event
 * on its client and, while the client is idle, on the pool; unhandled, either ends the process.
 * Both are handled here: the pool drops the dead client and opens a new connection for the next
 * query (so a long-running component reconnects by itself once the database is back), and a
 * query that was running fails for its caller.
 *
 * @param databaseUrl - a `postgres://` URL
 * @param max - connections at most
 * @param onLost - called with the error of each idle connection that dies (log it, or end a CLI
 *   command: `runMain` prints `databaseUnavailable`'s sentence); default: nothing
 */
export function createPool(databaseUrl: string, max = 10, onLost?: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  pool.on('error', (err) => onLost?.(err));
  // A checked-out client (a transaction's) has no listener of the pool's: its query fails anyway.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Runs a short command against the database with a small pool, ended afterwards. The database
 * going away meanwhile ends the command at once, even while it waits on something else.
 *
 * @throws the pg error when the database cannot be reached or goes away (`runMain` prints
 *   `databaseUnavailable`'s sentence for it); else whatever `fn` throws
 */
export async function withPool<T>(databaseUrl: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  let lost!: (err: Error) => void;
  const gone = new Promise<never>((_resolve, reject) => (lost = reject));
  const pool = createPool(databaseUrl, 2, (err) => lost(err));
  try {
    return await Promise.race([fn(pool), gone]);
  } finally {
    await pool.end().catch(() => undefined);
  }
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
