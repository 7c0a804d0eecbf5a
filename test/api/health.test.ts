import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app.js';
import { createPool } from '../../lib/db.js';
import { databaseUrl, temporalAddress } from '../helpers/env.js';
import { TEST_API_SETTINGS } from '../helpers/api-settings.js';

const testSettings = TEST_API_SETTINGS;

describe('API health', () => {
  let connection: Connection;
  let pool: ReturnType<typeof createPool>;
  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    pool = createPool(databaseUrl());
  });
  afterAll(async () => {
    await connection.close();
    await pool.end();
  });

  test('healthz answers ok and readyz reports Temporal and Postgres ready', async () => {
    const app = createApp({ client: new Client({ connection }), pool, settings: testSettings });
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app)
      .get('/readyz')
      .expect(200, { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  test('readyz says which dependency is down', async () => {
    const deadPool = createPool('postgres://nobody@127.0.0.1:1/none');
    try {
      const res = await request(
        createApp({ client: new Client({ connection }), pool: deadPool, settings: testSettings }),
      ).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('not-ready');
      expect(res.body.checks.temporal).toBe('ok');
      expect(res.body.checks.postgres).toMatch(/ECONNREFUSED/);
    } finally {
      await deadPool.end();
    }
  });

  test('unknown routes answer 404 as JSON', async () => {
    const res = await request(
      createApp({ client: new Client({ connection }), pool, settings: testSettings }),
    ).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not-found' });
  });
});
