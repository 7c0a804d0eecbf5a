/**
 * Migrations when the worker, API and watcher start together: each runs `migrate`, and none may
 * fail because another holds the migration lock.
 */
import pg from 'pg';
import { ENDED_STAGES } from '../../domain/stages.js';
import { migrate } from '../../lib/db.js';
import { databaseUrl, databaseUrlFor, uniqueName } from '../helpers/env.js';

test('components migrating one empty database at the same time all succeed, and the tables exist once', async () => {
  const name = uniqueName('mig').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrlFor(name);

  const results = await Promise.allSettled([1, 2, 3, 4].map(() => migrate(url)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  expect(new Set(applied).size).toBe(applied.length);

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('media_items','peers','hosts')`,
  );
  await db.end();
  expect(rows[0].n).toBe(3);
});

test('the one-carrier index leaves out exactly the ended stages the code leaves out', async () => {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  const { rows } = await db.query<{ def: string }>(
    `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indexrelid = 'media_items_one_carrier'::regclass`,
  );
  await db.end();
  const listed = [...rows[0]!.def.matchAll(/'([a-z-]+)'::text/g)].map((m) => m[1]).sort();
  expect(listed).toEqual([...ENDED_STAGES].sort());
});
