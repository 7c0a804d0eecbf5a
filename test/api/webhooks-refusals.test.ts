/**
 * Webhooks refused: credentials, hostile paths, malformed and oversized bodies, unknown apps, with
 * payloads built from ARR.md, against the real API, the real dev server and a worker copying to a
 * real rclone remote (a local directory remote).
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import request from 'supertest';
import { apiSettings, createApp } from '../../api/app.js';
import * as arr from '../helpers/arr-payloads.js';
import { testConfig } from '../helpers/config.js';
import { app, env, local, post, token, useWebhookApi } from '../helpers/webhook-api.js';

useWebhookApi({ authFailureLimit: 5 });

describe('*arr webhooks against the real API, dev server and vault', () => {
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
    const attempt = (filePath: string) => post('radarr', arr.radarrDownloadOf(filePath, 'Evil', 2000));

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
