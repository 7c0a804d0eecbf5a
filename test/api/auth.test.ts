/**
 * Failed-authentication limiting on the real API and Postgres: failures are counted per client
 * address and presented credential, so a valid token always gets in.
 */
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import type { Express } from 'express';
import { createApp, type ApiSettings } from '../../api/app.js';
import { createPool } from '../../lib/db.js';
import { createToken, TOKEN_SCOPES } from '../../lib/tokens.js';
import { freshDatabase, temporalAddress, uniqueName } from '../helpers/env.js';
import { TEST_API_SETTINGS } from '../helpers/api-settings.js';

const settings = TEST_API_SETTINGS;
const testEvent = { eventType: 'Test' };

describe('failed-authentication limiting', () => {
  let connection: Connection;
  let pool: ReturnType<typeof createPool>;
  let token: string;
  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    pool = createPool(await freshDatabase());
    ({ token } = await createToken(pool, uniqueName('radarr'), TOKEN_SCOPES));
  });
  afterAll(async () => {
    await connection.close();
    await pool.end();
  });

  const appWith = (overrides: Partial<ApiSettings> = {}): Express =>
    createApp({ client: new Client({ connection }), pool, settings: { ...settings, ...overrides } });
  const webhook = (app: Express, key?: string, forwardedFor?: string) => {
    const req = request(app).post('/api/v1/webhooks/radarr');
    if (key) req.set('X-Api-Key', key);
    if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
    return req.send(testEvent);
  };

  test('after 50 failed logins from one address a valid token from that address still gets in', async () => {
    const app = appWith();
    for (let i = 0; i < 50; i++) await webhook(app, `vt_guess-${i % 5}`);
    const res = await webhook(app, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, eventType: 'Test' });
  });

  test('the credential that keeps failing gets 429 with Retry-After, and only it', async () => {
    const app = appWith({ authFailureLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await webhook(app, 'vt_wrong')).status).toBe(401);
    const refused = await webhook(app, 'vt_wrong');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('too-many-requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await webhook(app, 'vt_other')).status).toBe(401);
    expect((await webhook(app, token)).status).toBe(200);
  });

  test('requests without any credential are limited on their own', async () => {
    const app = appWith({ authFailureLimit: 2 });
    expect((await webhook(app)).status).toBe(401);
    expect((await webhook(app)).status).toBe(401);
    expect((await webhook(app)).status).toBe(429);
    expect((await webhook(app, token)).status).toBe(200);
  });

  test('with api.trustProxy the forwarded client address counts, so one client behind the proxy does not limit another', async () => {
    const app = appWith({ authFailureLimit: 2, trustProxy: true });
    for (let i = 0; i < 2; i++) await webhook(app, 'vt_shared-typo', '203.0.113.7');
    expect((await webhook(app, 'vt_shared-typo', '203.0.113.7')).status).toBe(429);
    expect((await webhook(app, 'vt_shared-typo', '198.51.100.9')).status).toBe(401);
  });

  test('without api.trustProxy a forwarded address is ignored: the proxy is the client', async () => {
    const app = appWith({ authFailureLimit: 2 });
    for (let i = 0; i < 2; i++) await webhook(app, 'vt_spoof', `203.0.113.${i}`);
    expect((await webhook(app, 'vt_spoof', '203.0.113.99')).status).toBe(429);
  });
});
