/**
 * What an *arr webhook may touch, and when a redelivery counts as a new event, against the real
 * API, dev server, Postgres and a local-directory vault: over-broad deletes and imports of folders
 * are refused with 400 and change nothing; a delete of a file vaultarr never carried trashes its
 * vault copy without inventing an item; the dedupe window.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import { failureOf, makeVideo } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const today = () => new Date().toISOString().slice(0, 10);

describe('what a webhook may touch', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  const movie = 'Movies/Alien (1979)/Alien (1979).mkv';
  const movieFolder = '/data/media/movies/Alien (1979)';

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env));
    makeVideo(path.join(env.localRoot, movie), 1, 31);
    await post(
      'radarr',
      arr.radarrDownload({
        title: 'Alien',
        year: 1979,
        folderPath: movieFolder,
        filePath: `${movieFolder}/Alien (1979).mkv`,
      }),
    ).expect(202);
    await env.waitForStage(mediaItemWorkflowId(movie), 'resident');
  });
  afterAll(async () => {
    await env.close();
  });

  const post = (appName: string, body: unknown) =>
    request(app)
      .post(`/api/v1/webhooks/${appName}`)
      .set('X-Api-Key', token)
      .send(body as object);
  const vault = (p: string) => path.join(env.vaultDir, p);
  const trashed = () => existsSync(vault('.trash'));
  const deliveries = async () =>
    (await env.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n as number;

  describe('over-broad deletes', () => {
    test.each([
      ['<library>/Movies/.', (root: string) => `${root}/Movies/.`],
      ['<library>/Movies/', (root: string) => `${root}/Movies/`],
      ['a rewritten /data/media/movies/.', () => '/data/media/movies/.'],
      ['a folder climbing back to Movies', () => '/data/media/movies/Alien (1979)/..'],
      ['<library>/Incoming', (root: string) => `${root}/Incoming`],
    ])(
      'a MovieDelete of %s is refused with 400 naming the problem; nothing is moved and the item stays resident',
      async (_name, folderPath) => {
        const before = await deliveries();
        const res = await post(
          'radarr',
          arr.radarrMovieDelete({
            title: 'Everything',
            year: 2000,
            folderPath: folderPath(env.localRoot),
            deletedFiles: true,
          }),
        );
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid-webhook');
        expect(res.body.problems).toEqual([expect.stringContaining('below a library folder')]);
        expect(existsSync(vault(movie))).toBe(true);
        expect(trashed()).toBe(false);
        expect(await deliveries()).toBe(before);
        const status = await env.client.workflow.getHandle(mediaItemWorkflowId(movie)).query(statusQuery);
        expect(status.stage).toBe('resident');
      },
    );

    test('a SeriesDelete of the whole Shows folder is refused with 400', async () => {
      const res = await post(
        'sonarr',
        arr.sonarrSeriesDelete({ title: 'All', seriesPath: `${env.localRoot}/Shows`, deletedFiles: true }),
      );
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('"Shows"');
    });

    test('a MovieFileDelete naming the movie folder is refused with 400', async () => {
      const res = await post(
        'radarr',
        arr.radarrMovieFileDelete({
          title: 'Alien',
          year: 1979,
          folderPath: movieFolder,
          filePath: movieFolder,
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('names the folder "Movies/Alien (1979)"');
      expect(existsSync(vault(movie))).toBe(true);
    });
  });

  describe('imports', () => {
    const download = (filePath: string) => post('radarr', arr.radarrDownloadOf(filePath, 'Odd', 2001));

    test('a Download pointing at <library>/Movies is refused with 400 and starts nothing', async () => {
      const res = await download(`${env.localRoot}/Movies`);
      expect(res.status).toBe(400);
      expect(res.body.problems).toEqual([expect.stringContaining('not a file in the library')]);
      expect(
        await failureOf(env.client.workflow.getHandle(mediaItemWorkflowId('Movies')).describe()),
      ).toBeInstanceOf(WorkflowNotFoundError);
    });

    test('a Download pointing at a movie folder is refused with 400', async () => {
      const res = await download(movieFolder);
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('names the folder "Movies/Alien (1979)"');
    });

    test('a Download of a file that is not there is refused with 400', async () => {
      const res = await download('/data/media/movies/Odd (2001)/Odd (2001).mkv');
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('no such file in the library');
    });

    test('a Download of a file in Incoming/ is refused with 400', async () => {
      makeVideo(path.join(env.localRoot, 'Incoming/Odd.2001.mkv'), 1, 32);
      const res = await download(`${env.localRoot}/Incoming/Odd.2001.mkv`);
      expect(res.status).toBe(400);
      expect(res.body.problems[0]).toContain('not a file in the library');
      expect(existsSync(path.join(env.localRoot, 'Incoming/Odd.2001.mkv'))).toBe(true);
    });
  });

  describe('deletes of files vaultarr never carried', () => {
    const old = 'Movies/Zulu (1964)/Zulu (1964).mkv';
    const oldFolder = '/data/media/movies/Zulu (1964)';
    const fileDelete = () =>
      arr.radarrMovieFileDelete({
        title: 'Zulu',
        year: 1964,
        folderPath: oldFolder,
        filePath: `${oldFolder}/Zulu (1964).mkv`,
      });

    test('a MovieFileDelete of a file only the vault has trashes that copy and records an event, without an item', async () => {
      mkdirSync(path.dirname(vault(old)), { recursive: true });
      writeFileSync(vault(old), 'vaulted before vaultarr');
      const res = await post('radarr', fileDelete());
      expect(res.status).toBe(202);
      await waitFor(
        'the vault copy in the trash',
        async () => existsSync(vault(`.trash/${today()}/${old}`)),
        30_000,
      );
      expect(existsSync(vault(old))).toBe(false);
      const items = await env.pool.query('SELECT 1 FROM media_items WHERE library_path = $1', [old]);
      expect(items.rowCount).toBe(0);
      expect(
        await failureOf(env.client.workflow.getHandle(mediaItemWorkflowId(old)).describe()),
      ).toBeInstanceOf(WorkflowNotFoundError);
      const events = await env.pool.query(
        'SELECT workflow_id, outcome, details FROM events WHERE library_path = $1',
        [old],
      );
      expect(events.rows).toEqual([
        expect.objectContaining({
          workflow_id: null,
          outcome: 'deleted-unknown-file',
          details: expect.objectContaining({ reason: expect.stringContaining('MovieFileDelete') }),
        }),
      ]);
    });

    test('the same delete redelivered within the window is a duplicate', async () => {
      const res = await post('radarr', fileDelete());
      expect(res.body).toMatchObject({ ok: true, duplicate: true });
    });

    test('after the file is imported again, the same delete body after the window deletes the new item', async () => {
      makeVideo(path.join(env.localRoot, old), 1, 33);
      await post(
        'radarr',
        arr.radarrDownload({
          title: 'Zulu',
          year: 1964,
          folderPath: oldFolder,
          filePath: `${oldFolder}/Zulu (1964).mkv`,
        }),
      ).expect(202);
      await env.waitForStage(mediaItemWorkflowId(old), 'resident');
      await env.pool.query(
        "UPDATE webhook_deliveries SET received_at = received_at - interval '11 minutes' WHERE event_type = 'MovieFileDelete'",
      );
      const res = await post('radarr', fileDelete());
      expect(res.status).toBe(202);
      expect(res.body.duplicate).toBeUndefined();
      await env.waitForStage(mediaItemWorkflowId(old), 'deleted');
      expect(existsSync(vault(old))).toBe(false);
    });
  });

  describe('the dedupe window', () => {
    const grab = { eventType: 'Grab', movie: arr.radarrMovie('Big', 1988, '/data/media/movies/Big (1988)') };

    test('the same body redelivered inside the window is a duplicate', async () => {
      expect((await post('radarr', grab)).body).toEqual({ ok: true, eventType: 'Grab', workflows: [] });
      expect((await post('radarr', grab)).body).toEqual({ ok: true, eventType: 'Grab', duplicate: true });
    });

    test('the same body delivered after the window is a new event', async () => {
      await env.pool.query(
        "UPDATE webhook_deliveries SET received_at = received_at - interval '11 minutes' WHERE event_type = 'Grab'",
      );
      expect((await post('radarr', grab)).body).toEqual({ ok: true, eventType: 'Grab', workflows: [] });
      expect((await post('radarr', grab)).body).toEqual({ ok: true, eventType: 'Grab', duplicate: true });
    });

    test('with a shorter window (webhooks.dedupeWindowMinutes) the same body soon counts as new again', async () => {
      const short = await createTestApi(env, { dedupeWindowMs: 1 });
      const body = { ...grab, movie: arr.radarrMovie('Tiny', 1990, '/data/media/movies/Tiny (1990)') };
      const send = () =>
        request(short.app).post('/api/v1/webhooks/radarr').set('X-Api-Key', short.token).send(body);
      expect((await send()).body.duplicate).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await send()).body.duplicate).toBeUndefined();
    });
  });
});
