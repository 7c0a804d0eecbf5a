/**
 * The *arr webhook routes beyond each app's library events (those are in `webhooks.test.ts`):
 * Lidarr and Readarr renames, the events vaultarr only records, the outbox that records a delivery
 * before it is answered, authentication, and hostile paths; against the real API, the real dev
 * server and a worker copying to a real rclone remote (a local directory remote).
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { Client, Connection } from '@temporalio/client';
import { apiSettings, createApp } from '../../api/app.js';
import { WebhookForwarder } from '../../api/webhooks/forwarder.js';
import { waitFor } from '../../lib/infra/wait.js';
import { ItemService } from '../../lib/items.js';
import * as arr from '../helpers/arr-payloads.js';
import { testConfig } from '../helpers/config.js';
import { webhookHelpers } from '../helpers/webhook-env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

describe('*arr webhook routes against the real API, dev server and vault', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env, { authFailureLimit: 5 }));
  });
  afterAll(async () => {
    await env.close();
  });

  const { post, local, vault, waitVerified, imported } = webhookHelpers(() => ({ env, app, token }));

  describe('lidarr and readarr renames', () => {
    test.each([
      [
        'lidarr',
        'Music/Portishead/Dummy (1994)/01 - Mysterons.flac',
        'Music/Portishead/Dummy (1994)/01 - Mysterons (Remaster).flac',
        '/data/media/music',
      ],
      [
        'readarr',
        'Books/Ursula K. Le Guin/Earthsea (1968)/A Wizard of Earthsea.epub',
        'Books/Ursula K. Le Guin/Earthsea (1968)/A Wizard of Earthsea (1968).epub',
        '/data/media/books',
      ],
    ])('%s Rename moves the vault copy', async (appName, from, to, root) => {
      mkdirSync(path.dirname(local(from)), { recursive: true });
      writeFileSync(local(from), `${appName} bytes`);
      const arrFrom = `${root}/${from.split('/').slice(1).join('/')}`;
      const arrTo = `${root}/${to.split('/').slice(1).join('/')}`;
      const owner =
        appName === 'lidarr'
          ? { artist: { id: 1, name: 'X', path: path.dirname(path.dirname(arrFrom)) } }
          : { author: { id: 1, name: 'X', path: path.dirname(path.dirname(arrFrom)) } };
      const files = appName === 'lidarr' ? 'trackFiles' : 'bookFiles';
      await post(appName, {
        eventType: 'Download',
        ...owner,
        [files]: [{ id: 1, path: arrFrom, size: 10 }],
      }).expect(202);
      await waitVerified(from);
      const renamed = appName === 'lidarr' ? 'renamedTrackFiles' : 'renamedBookFiles';
      await post(appName, {
        eventType: 'Rename',
        ...owner,
        [renamed]: [{ id: 1, path: arrTo, previousPath: arrFrom }],
      }).expect(202);
      await waitFor(
        'the renamed vault copy',
        async () => existsSync(vault(to)) && !existsSync(vault(from)),
        30_000,
      );
    });
  });

  describe('events vaultarr only records', () => {
    test.each([
      [
        'radarr',
        ['Grab', 'Health', 'ApplicationUpdate', 'MovieAdded', 'HealthRestored', 'ManualInteractionRequired'],
      ],
      [
        'sonarr',
        ['Grab', 'SeriesAdd', 'Health', 'ApplicationUpdate', 'HealthRestored', 'ManualInteractionRequired'],
      ],
      [
        'lidarr',
        [
          'Grab',
          'DownloadFailure',
          'ImportFailure',
          'ArtistAdd',
          'AlbumDelete',
          'Health',
          'Retag',
          'ApplicationUpdate',
          'HealthRestored',
        ],
      ],
      ['readarr', ['Grab', 'AuthorAdded', 'BookDelete', 'Health', 'Retag', 'ApplicationUpdate']],
    ])(
      '%s: every other event type is accepted (200), recorded, and starts nothing',
      async (appName, types) => {
        for (const eventType of types as string[]) {
          const res = await post(appName, {
            eventType,
            instanceName: appName,
            message: `${eventType} at ${Date.now()}`,
          });
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ ok: true, eventType, workflows: [] });
        }
        const { rows } = await env.pool.query(
          'SELECT DISTINCT event_type FROM webhook_deliveries WHERE app = $1',
          [appName],
        );
        expect(rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(types as string[]));
      },
    );
  });

  describe('the outbox: a delivery is recorded before it is answered', () => {
    test('deliveries accepted while Temporal cannot be reached wait, in order per movie folder, and are forwarded once it can', async () => {
      // An API whose Temporal is gone (nothing listens on port 1): Radarr still gets its answers.
      const gone = new Client({
        // Without the client's own retries of an unreachable server: each try fails at once.
        connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }),
      });
      const down = new WebhookForwarder({
        client: gone,
        pool: env.pool,
        items: new ItemService({ client: gone, pool: env.pool }),
      });
      const { app: apiDown, token: downToken } = await createTestApi(
        env,
        {},
        { client: gone, forwarder: down },
      );
      const files = {
        first: 'Movies/Solaris (1972)/Solaris (1972).mkv',
        second: 'Movies/Solaris (1972)/Solaris (1972) Directors Cut.mkv',
        other: 'Movies/Stalker (1979)/Stalker (1979).mkv',
      };
      let seed = 60;
      for (const f of Object.values(files)) imported(f, seed++);
      const download = (libraryPath: string) => {
        const [, folder] = libraryPath.split('/');
        const [, title, year] = /^(.*) \((\d{4})\)$/.exec(folder!)!;
        return request(apiDown)
          .post('/api/v1/webhooks/radarr')
          .set('X-Api-Key', downToken)
          .send(
            arr.radarrDownload({
              title: title!,
              year: Number(year),
              folderPath: `/data/media/movies/${folder}`,
              filePath: `/data/media/${libraryPath.replace(/^Movies/, 'movies')}`,
            }),
          );
      };
      for (const f of Object.values(files)) expect((await download(f)).status).toBe(202);

      const deliveries = async () =>
        (
          await env.pool.query<{
            path: string;
            attempts: number;
            forwarded: boolean;
            last_error: string | null;
          }>(
            `SELECT plan->'intents'->0->>'libraryPath' AS path, attempts, forwarded_at IS NOT NULL AS forwarded,
                    last_error FROM webhook_deliveries WHERE plan->'intents'->0->>'libraryPath' = ANY($1)`,
            [Object.values(files)],
          )
        ).rows;
      const of = async (libraryPath: string) => (await deliveries()).find((d) => d.path === libraryPath)!;
      await waitFor(
        'the first delivery of each movie folder to fail once',
        async () => (await of(files.first)).attempts >= 1 && (await of(files.other)).attempts >= 1,
        60_000,
        200,
      );
      // The second delivery for Solaris's folder waits behind the first; nothing was forwarded.
      expect(await of(files.second)).toMatchObject({ attempts: 0, forwarded: false });
      expect((await of(files.first)).last_error).toBeTruthy();
      expect((await deliveries()).every((d) => !d.forwarded)).toBe(true);
      await down.stop();

      // Temporal is back (here: an API process with a working client takes over the outbox).
      const live = new WebhookForwarder({
        client: env.client,
        pool: env.pool,
        items: new ItemService({ client: env.client, pool: env.pool }),
      }).start(200);
      try {
        for (const f of Object.values(files)) await waitVerified(f);
        const order = await env.pool.query<{ path: string }>(
          `SELECT plan->'intents'->0->>'libraryPath' AS path FROM webhook_deliveries
            WHERE plan->'intents'->0->>'libraryPath' = ANY($1) ORDER BY forwarded_at`,
          [[files.first, files.second]],
        );
        expect(order.rows.map((r) => r.path)).toEqual([files.first, files.second]);
        expect((await deliveries()).every((d) => d.forwarded)).toBe(true);
      } finally {
        await live.stop();
      }
    });
  });

  describe('authentication', () => {
    const body = arr.testEvent('sonarr');
    test('basic auth with the token as password is accepted (the *arr form)', async () => {
      await request(app).post('/api/v1/webhooks/sonarr').auth('sonarr', token).send(body).expect(200);
    });
    test('missing or wrong credentials get 401, and a credential that keeps failing 429', async () => {
      const limited = createApp({
        client: env.client,
        pool: env.pool,
        settings: apiSettings(
          testConfig({
            hostId: env.hostId,
            library: { localRoot: env.localRoot },
            api: { authFailureLimit: 3, authFailureWindowMinutes: 1 },
          }),
        ),
      });
      const a = await request(limited).post('/api/v1/webhooks/sonarr').send(body);
      expect(a.status).toBe(401);
      expect(a.headers['www-authenticate']).toContain('Basic');
      expect(
        (await request(limited).post('/api/v1/webhooks/sonarr').set('X-Api-Key', 'vt_wrong').send(body))
          .status,
      ).toBe(401);
      expect(
        (await request(limited).post('/api/v1/webhooks/sonarr').auth('sonarr', 'nope').send(body)).status,
      ).toBe(401);
      for (let i = 0; i < 2; i++)
        await request(limited).post('/api/v1/webhooks/sonarr').set('X-Api-Key', 'vt_wrong').send(body);
      expect(
        (await request(limited).post('/api/v1/webhooks/sonarr').set('X-Api-Key', 'vt_wrong').send(body))
          .status,
      ).toBe(429);
    });
  });

  describe('hostile paths', () => {
    const attempt = (filePath: string) =>
      post(
        'radarr',
        arr.radarrDownload({
          title: 'Evil',
          year: 2000,
          folderPath: '/data/media/movies/Evil (2000)',
          filePath,
        }),
      );

    test.each([
      ['a ../ climb', '/data/media/movies/../../../etc/passwd'],
      ['an absolute path elsewhere', '/etc/shadow'],
      ['a Windows-style climb', '/data/media/movies/..\\..\\etc\\passwd'],
      ['a JSON-escaped climb', '/data/media/movies/\u002e\u002e/\u002e\u002e/etc/passwd'],
      ['a relative path', 'movies/Evil (2000)/Evil.mkv'],
      ['a NUL byte', '/data/media/movies/Evil\u0000.mkv'],
    ])('%s is refused with 400 and starts nothing', async (_name, filePath) => {
      const res = await attempt(filePath);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-webhook');
      expect(res.body.problems.length).toBeGreaterThan(0);
    });

    test('a symlink inside the library pointing out is refused', async () => {
      mkdirSync(local('Movies'), { recursive: true });
      symlinkSync('/etc', local('Movies/escape'));
      const res = await attempt('/data/media/movies/escape/passwd');
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('escapes');
    });

    test('a malformed webhook lists every problem and starts nothing', async () => {
      const res = await post('radarr', { eventType: 'Download', movie: { title: 5 }, movieFile: {} });
      expect(res.status).toBe(400);
      expect(res.body.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^movie\.title: /),
          expect.stringMatching(/^movie\.year: /),
          expect.stringMatching(/^movieFile\.path: /),
        ]),
      );
    });

    test('an oversized body gets 413 without a stack trace', async () => {
      const res = await post('radarr', { eventType: 'Download', padding: 'x'.repeat(300 * 1024) });
      expect(res.status).toBe(413);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
    });

    test('an unknown app or route answers 404 as JSON', async () => {
      expect((await post('plex', arr.testEvent('radarr'))).status).toBe(404);
      const res = await request(app).get('/api/v1/nothing-here');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not-found' });
    });
  });
});
