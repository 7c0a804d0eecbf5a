/**
 * Logs a person can read: one line per API request, the Temporal SDK's lines in the worker's JSON
 * log, and `vaultarr logs` to read them.
 */
import { Client, Connection } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import request from 'supertest';
import { apiSettings, createApp } from '../../api/app.js';
import { createPool } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { createToken, TOKEN_SCOPES } from '../../lib/tokens.js';
import { Component } from '../helpers/component.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, makeLibrary, temporalAddress, tempDir, uniqueName } from '../helpers/env.js';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('API request lines', () => {
  const lines: string[] = [];
  let pool: pg.Pool;
  let client: Client;
  let app: ReturnType<typeof createApp>;
  let token: string;

  beforeAll(async () => {
    pool = createPool(await freshDatabase());
    client = new Client({ connection: Connection.lazy({ address: temporalAddress() }) });
    app = createApp({
      client,
      pool,
      logger: createLogger('api', 'info', { write: (line: string) => lines.push(line) }),
      settings: apiSettings(
        testConfig({
          hostId: 'h',
          library: { localRoot: '/nonexistent' },
          api: { maxBodyBytes: 64 * 1024, authFailureLimit: 100, authFailureWindowMinutes: 1 },
        }),
      ),
    });
    ({ token } = await createToken(pool, uniqueName('logs'), TOKEN_SCOPES));
  });
  afterAll(async () => {
    await pool.end();
    await client.connection.close();
  });

  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  test('each call is one JSON line with method, path, status and time, and no credential', async () => {
    await request(app).get('/api/v1/items?limit=1').set('X-Api-Key', token).expect(200);
    await request(app)
      .post('/api/v1/webhooks/radarr?apikey=not-a-real-key-12345')
      .set('Authorization', 'Basic ' + Buffer.from('radarr:hunter2-password').toString('base64'))
      .send({ eventType: 'Test' })
      .expect(401);
    const items = parsed().find((l) => l.msg === 'GET /api/v1/items?limit=1 200')!;
    expect(items).toMatchObject({
      level: 30,
      component: 'api',
      req: { method: 'GET', url: '/api/v1/items?limit=1' },
      res: { statusCode: 200 },
    });
    expect(items.time).toMatch(ISO_TIME);
    expect(typeof items.responseTime).toBe('number');
    const refused = parsed().find((l) => (l.res as { statusCode?: number })?.statusCode === 401)!;
    expect(refused).toMatchObject({ level: 40, msg: 'POST /api/v1/webhooks/radarr?apikey=*** 401' });
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('not-a-real-key-12345');
    expect(all).not.toContain('hunter2');
    expect(all.toLowerCase()).not.toContain('authorization');
  });

  test('health checks are not logged', async () => {
    const before = lines.length;
    await request(app).get('/healthz').expect(200);
    expect(lines.length).toBe(before);
  });
});

describe('the worker log', () => {
  const { dir, cleanup } = tempDir('vaultarr-logs-');
  afterAll(() => cleanup());

  test("holds the Temporal SDK's own lines as JSON with ISO times, like vaultarr's", async () => {
    const local = path.join(dir, '.Local');
    makeLibrary(local);
    const worker = new Component(
      'worker',
      {
        VAULTARR_HOST_ID: uniqueName('logs'),
        VAULTARR_DATA_DIR: dir,
        VAULTARR_LIBRARY__LOCAL_ROOT: local,
        VAULTARR_TEMPORAL__ADDRESS: temporalAddress(),
        VAULTARR_VAULT__REMOTE: path.join(dir, 'cloud'),
        VAULTARR_WORKER__HOST_ONLY: 'true',
        VAULTARR_METRICS__ENABLED: 'false',
        DATABASE_URL: await freshDatabase(),
      },
      dir,
    );
    await worker.start('host activity worker running');
    await worker.kill('SIGTERM');
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.trim());
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(r).toMatchObject({ component: 'worker' });
      expect(r.time).toMatch(ISO_TIME);
    }
    const sdk = records.filter((r) => r.msg === 'Worker state changed');
    expect(sdk.map((r) => r.state)).toEqual(expect.arrayContaining(['RUNNING', 'STOPPED']));
    expect(sdk[0]).toMatchObject({ sdkComponent: 'worker' });
  });
});

describe('vaultarr logs', () => {
  const { dir, cleanup } = tempDir('vaultarr-logs-cli-');
  afterAll(() => cleanup());
  const logs = (...args: string[]) =>
    spawnSync(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'logs', ...args], {
      env: { PATH: process.env.PATH, VAULTARR_DATA_DIR: dir, TZ: 'UTC' },
      encoding: 'utf8',
    });

  beforeAll(() => {
    mkdirSync(path.join(dir, 'logs'));
    writeFileSync(
      path.join(dir, 'logs', 'api.log'),
      [
        '{"level":30,"time":"2026-11-29T12:00:00.000Z","component":"api","msg":"API listening","port":8686}',
        '{"level":40,"time":"2026-11-29T12:00:02.000Z","component":"api","req":{"method":"POST","url":"/api/v1/webhooks/radarr"},"res":{"statusCode":401},"responseTime":3,"msg":"POST /api/v1/webhooks/radarr 401"}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'logs', 'worker.log'),
      '{"level":30,"time":"2026-11-29T12:00:01.000Z","component":"worker","sdkComponent":"worker","state":"RUNNING","msg":"Worker state changed"}\n',
    );
    writeFileSync(path.join(dir, 'logs', 'temporal.log'), 'plain text line from the dev server\n');
  });

  test('without a component merges the vaultarr components by time, readable with --pretty', () => {
    const run = logs('--pretty');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      '[2026-11-29 12:00:00.000] INFO: api: API listening {"port":8686}',
      '[2026-11-29 12:00:01.000] INFO: worker: Worker state changed {"sdkComponent":"worker","state":"RUNNING"}',
      '[2026-11-29 12:00:02.000] WARN: api: POST /api/v1/webhooks/radarr 401 {"req":{"method":"POST","url":"/api/v1/webhooks/radarr"},"res":{"statusCode":401},"responseTime":3}',
    ]);
  });

  test('one component prints its last lines as written', () => {
    const run = logs('api', '-n', '1');
    expect(run.stdout).toBe(
      '{"level":40,"time":"2026-11-29T12:00:02.000Z","component":"api","req":{"method":"POST","url":"/api/v1/webhooks/radarr"},"res":{"statusCode":401},"responseTime":3,"msg":"POST /api/v1/webhooks/radarr 401"}\n',
    );
    expect(logs('temporal', '--pretty').stdout).toBe('plain text line from the dev server\n');
  });

  test('an unknown component names the ones there are', () => {
    const run = logs('plex');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no log for "plex"');
    expect(run.stderr).toContain('there are: api, temporal, worker');
  });
});
