/**
 * Token scopes, authentication before the body is read, and UTF-8 bodies, on the real API and
 * Postgres; the CLI's `token create --scope` and the default listen addresses.
 */
import { Client, Connection } from '@temporalio/client';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Express } from 'express';
import { createApp, type ApiSettings } from '../../api/app.js';
import { loadConfig } from '../../lib/config.js';
import { createPool } from '../../lib/db.js';
import { createToken, parseScopes } from '../../lib/tokens.js';
import * as arr from '../helpers/arr-payloads.js';
import { freshDatabase, temporalAddress, tempDir, uniqueName } from '../helpers/env.js';
import { TEST_API_SETTINGS } from '../helpers/api-settings.js';

const settings: ApiSettings = { ...TEST_API_SETTINGS, authFailureLimit: 100 };

describe('token scopes', () => {
  let connection: Connection;
  let pool: ReturnType<typeof createPool>;
  let app: Express;
  let radarr: string;
  let items: string;
  let peer: string;
  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    pool = createPool(await freshDatabase());
    app = createApp({ client: new Client({ connection }), pool, settings });
    radarr = (await createToken(pool, uniqueName('radarr'), ['webhook:radarr'])).token;
    items = (await createToken(pool, uniqueName('ops'), ['items'])).token;
    peer = (await createToken(pool, uniqueName('alice'), ['peer'])).token;
  });
  afterAll(async () => {
    await connection.close();
    await pool.end();
  });

  const webhook = (appName: string, key: string, body: unknown = arr.testEvent('radarr')) =>
    request(app)
      .post(`/api/v1/webhooks/${appName}`)
      .set('X-Api-Key', key)
      .send(body as object);

  test('a Radarr token opens Radarr’s webhook route', async () => {
    expect((await webhook('radarr', radarr)).status).toBe(200);
  });

  test('a Radarr token is refused on Sonarr’s webhook route with 403 naming the scope it lacks', async () => {
    const res = await webhook('sonarr', radarr, arr.testEvent('sonarr'));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'forbidden',
      message: expect.stringContaining('needs the scope webhook:sonarr; the token has webhook:radarr'),
    });
  });

  test('a Radarr token is refused on the items API (list, approve, evict)', async () => {
    const auth = { 'X-Api-Key': radarr };
    expect((await request(app).get('/api/v1/items').set(auth)).status).toBe(403);
    expect((await request(app).post('/api/v1/items/abc/approve').set(auth).send({})).status).toBe(403);
    expect((await request(app).post('/api/v1/items/abc/evict').set(auth)).status).toBe(403);
  });

  test('an items token lists items but opens no webhook route and not the peer endpoint', async () => {
    expect((await request(app).get('/api/v1/items').set('X-Api-Key', items)).status).toBe(200);
    expect((await webhook('radarr', items)).status).toBe(403);
    expect((await request(app).get('/api/v1/peers/ping').set('X-Api-Key', items)).status).toBe(403);
  });

  test('a peer token answers the peer ping and nothing else', async () => {
    const ping = await request(app).get('/api/v1/peers/ping').set('Authorization', `Bearer ${peer}`);
    expect(ping.status).toBe(200);
    expect(ping.body.ok).toBe(true);
    expect((await request(app).get('/api/v1/items').set('Authorization', `Bearer ${peer}`)).status).toBe(403);
  });

  test('a token made before scopes (scope *) keeps working everywhere until it is revoked', async () => {
    const { token } = await createToken(pool, uniqueName('legacy'), ['items']);
    await pool.query(`UPDATE api_tokens SET scopes = '{*}' WHERE name LIKE 'legacy-%'`);
    expect((await webhook('sonarr', token, arr.testEvent('sonarr'))).status).toBe(200);
  });

  test('without a token a malformed body gets 401, not a 400 that describes what the route accepts', async () => {
    const res = await request(app)
      .post('/api/v1/webhooks/radarr')
      .set('content-type', 'application/json')
      .send('{"eventType": ');
    expect(res.status).toBe(401);
    const invalid = await request(app).post('/api/v1/webhooks/radarr').send({ eventType: 'Download' });
    expect(invalid.status).toBe(401);
    expect(JSON.stringify(invalid.body)).not.toContain('movie');
  });

  test('a body that is not valid UTF-8 is refused with 400 and recorded nowhere', async () => {
    const body = Buffer.concat([
      Buffer.from('{"eventType":"Download","movie":{"title":"Am'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('lie"}}'),
    ]);
    // Sent as raw bytes, as an *arr would (supertest would serialise a Buffer as JSON).
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks/radarr`, {
        method: 'POST',
        headers: { 'x-api-key': radarr, 'content-type': 'application/json' },
        body,
      });
      expect(await res.json()).toEqual({ error: 'bad-request', message: 'the body is not valid UTF-8' });
      expect(res.status).toBe(400);
    } finally {
      server.close();
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM webhook_deliveries');
    expect(rows[0].n).toBe(0);
  });

  test('scopes are checked when a token is made: unknown ones are named, none is refused', () => {
    expect(() => parseScopes(['webhook:radar', 'item'])).toThrow(
      /unknown scope "webhook:radar", "item"; scopes are webhook:radarr, webhook:sonarr, webhook:lidarr, webhook:readarr, items, peer/,
    );
    expect(() => parseScopes([])).toThrow(/at least one scope/);
    expect(parseScopes(['items,peer'])).toEqual(['items', 'peer']);
  });
});

describe('listen addresses', () => {
  test('the API and a worker’s /metrics listen on 127.0.0.1 unless configured otherwise', () => {
    const { dir, cleanup } = tempDir();
    try {
      const config = loadConfig({ env: {}, cwd: dir });
      expect(config.api.host).toBe('127.0.0.1');
      expect(config.metrics.host).toBe('127.0.0.1');
    } finally {
      cleanup();
    }
  });
});
