/**
 * Every event type of each *arr app, with payloads built from ARR.md, against the real API, the
 * real dev server and a worker copying to a real rclone remote (a local directory remote).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app.js';
import { WebhookForwarder } from '../../api/webhooks/forwarder.js';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { ItemService } from '../../lib/items/index.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import { makeVideo } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const today = () => new Date().toISOString().slice(0, 10);

describe('*arr webhooks against the real API, dev server and vault', () => {
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

  const post = (appName: string, body: unknown) =>
    request(app)
      .post(`/api/v1/webhooks/${appName}`)
      .set('X-Api-Key', token)
      .send(body as object);
  const local = (p: string) => path.join(env.localRoot, p);
  const vault = (p: string) => path.join(env.vaultDir, p);
  const stageOf = (libraryPath: string) =>
    env.client.workflow.getHandle(mediaItemWorkflowId(libraryPath)).query(statusQuery);
  const waitVerified = async (libraryPath: string) => {
    await env.waitForStage(mediaItemWorkflowId(libraryPath), 'resident');
    expect(sha256(vault(libraryPath))).toBe(sha256(local(libraryPath)));
  };
  /** A file the *arr "imported" into its library. */
  const imported = (libraryPath: string, seed: number) => makeVideo(local(libraryPath), 1, seed);

  describe('radarr', () => {
    const movie = 'Movies/The Matrix (1999)/The Matrix (1999) Bluray-1080p.mkv';
    const arrPath = `/data/media/movies/The Matrix (1999)/The Matrix (1999) Bluray-1080p.mkv`;
    const folder = '/data/media/movies/The Matrix (1999)';

    test('Test answers 200 at once and starts nothing', async () => {
      const res = await post('radarr', arr.testEvent('radarr'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, eventType: 'Test' });
    });

    test('Download starts the item at the vault copy and the file ends up verified on the vault', async () => {
      imported(movie, 1);
      const res = await post(
        'radarr',
        arr.radarrDownload({ title: 'The Matrix', year: 1999, folderPath: folder, filePath: arrPath }),
      );
      expect(res.status).toBe(202);
      // Recorded and answered at once; the forwarder starts the workflow right after.
      expect(res.body).toEqual({
        ok: true,
        eventType: 'Download',
        delivery: expect.stringMatching(/^[0-9a-f]{64}@\d+$/),
      });
      await waitVerified(movie);
      expect(await stageOf(movie)).toMatchObject({
        kind: 'movie',
        title: 'The Matrix',
        identity: { year: 1999 },
      });
    });

    test('a redelivered Download is recognised and starts nothing more', async () => {
      const body = arr.radarrDownload({
        title: 'The Matrix',
        year: 1999,
        folderPath: folder,
        filePath: arrPath,
      });
      const res = await post('radarr', body);
      expect(res.body).toMatchObject({ ok: true, duplicate: true });
      const { rows } = await env.pool.query(
        "SELECT count(*)::int AS n FROM events WHERE workflow_id = $1 AND stage = 'copying'",
        [mediaItemWorkflowId(movie)],
      );
      expect(rows[0].n).toBe(1);
    });

    test('an upgrade copies the new file, then trashes the replaced vault copy and ends its workflow', async () => {
      const upgraded = 'Movies/The Matrix (1999)/The Matrix (1999) Remux-2160p.mkv';
      imported(upgraded, 2);
      const res = await post(
        'radarr',
        arr.radarrDownload({
          title: 'The Matrix',
          year: 1999,
          folderPath: folder,
          filePath: `${folder}/The Matrix (1999) Remux-2160p.mkv`,
          deleted: [arrPath],
        }),
      );
      expect(res.status).toBe(202);
      await waitVerified(upgraded);
      await waitFor(
        'the replaced copy in the trash',
        async () => existsSync(vault(`.trash/${today()}/${movie}`)),
        30_000,
      );
      expect(existsSync(vault(movie))).toBe(false);
      expect((await env.waitForStage(mediaItemWorkflowId(movie), 'deleted')).reason).toContain('replaced by');
    });

    test('Rename moves the vault copy server-side and the catalog follows', async () => {
      const from = 'Movies/The Matrix (1999)/The Matrix (1999) Remux-2160p.mkv';
      const to = 'Movies/The Matrix (1999)/The Matrix (1999) {tmdb-603} Remux-2160p.mkv';
      const before = sha256(vault(from));
      const res = await post(
        'radarr',
        arr.radarrRename({
          title: 'The Matrix',
          year: 1999,
          folderPath: folder,
          from: `/data/media/movies/${from.slice(7)}`,
          to: `/data/media/movies/${to.slice(7)}`,
        }),
      );
      expect(res.status).toBe(202);
      await waitFor('the renamed vault copy', async () => existsSync(vault(to)), 30_000);
      expect(sha256(vault(to))).toBe(before);
      expect(existsSync(vault(from))).toBe(false);
      await waitFor('the catalog to follow', async () => {
        const { rows } = await env.pool.query('SELECT library_path FROM media_items WHERE workflow_id = $1', [
          mediaItemWorkflowId(from),
        ]);
        return rows[0]?.library_path === to;
      });
    });

    test('MovieFileDelete moves the vault copy to the trash and the item ends deleted', async () => {
      const file = 'Movies/Heat (1995)/Heat (1995).mkv';
      imported(file, 3);
      await post(
        'radarr',
        arr.radarrDownload({
          title: 'Heat',
          year: 1995,
          folderPath: '/data/media/movies/Heat (1995)',
          filePath: `/data/media/${file.replace('Movies', 'movies')}`,
        }),
      );
      await waitVerified(file);
      const res = await post(
        'radarr',
        arr.radarrMovieFileDelete({
          title: 'Heat',
          year: 1995,
          folderPath: '/data/media/movies/Heat (1995)',
          filePath: `/data/media/${file.replace('Movies', 'movies')}`,
        }),
      );
      expect(res.status).toBe(202);
      await env.waitForStage(mediaItemWorkflowId(file), 'deleted');
      expect(existsSync(vault(`.trash/${today()}/${file}`))).toBe(true);
      expect(existsSync(vault(file))).toBe(false);
    });

    test('MovieDelete with deleted files trashes the whole movie folder on the vault', async () => {
      const file = 'Movies/Up (2009)/Up (2009).mkv';
      imported(file, 4);
      const folderPath = '/data/media/movies/Up (2009)';
      await post(
        'radarr',
        arr.radarrDownload({ title: 'Up', year: 2009, folderPath, filePath: `${folderPath}/Up (2009).mkv` }),
      );
      await waitVerified(file);
      const res = await post(
        'radarr',
        arr.radarrMovieDelete({ title: 'Up', year: 2009, folderPath, deletedFiles: true }),
      );
      expect(res.status).toBe(202);
      await waitFor(
        'the movie folder gone from the vault',
        async () => !existsSync(vault('Movies/Up (2009)')),
        30_000,
      );
      expect(existsSync(vault(`.trash/${today()}/${file}`))).toBe(true);
      await env.waitForStage(mediaItemWorkflowId(file), 'deleted');
    });

    test('MovieDelete without deleted files, Grab and Health are recorded and change nothing', async () => {
      for (const body of [
        arr.radarrMovieDelete({
          title: 'Her',
          year: 2013,
          folderPath: '/data/media/movies/Her (2013)',
          deletedFiles: false,
        }),
        { eventType: 'Grab', movie: arr.radarrMovie('Her', 2013, '/data/media/movies/Her (2013)') },
        {
          eventType: 'Health',
          level: 'warning',
          message: 'Indexers unavailable',
          type: 'IndexerStatusCheck',
        },
      ]) {
        const res = await post('radarr', body);
        expect(res.status).toBe(200);
        expect(res.body.workflows).toEqual([]);
      }
    });

    test('eventType is matched case-insensitively', async () => {
      const file = 'Movies/Her (2013)/Her (2013).mkv';
      imported(file, 5);
      const body = {
        ...arr.radarrDownload({
          title: 'Her',
          year: 2013,
          folderPath: '/data/media/movies/Her (2013)',
          filePath: '/data/media/movies/Her (2013)/Her (2013).mkv',
        }),
        eventType: 'download',
      };
      expect((await post('radarr', body)).status).toBe(202);
      await waitVerified(file);
    });
  });

  describe('sonarr', () => {
    const seriesPath = '/data/media/tv/Breaking Bad';
    test('Download, per-file shape (episodeFile)', async () => {
      const file = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv';
      imported(file, 10);
      const res = await post(
        'sonarr',
        arr.sonarrDownload({
          title: 'Breaking Bad',
          seriesPath,
          season: 1,
          episodes: [1],
          filePath: `${seriesPath}/Season 01/Breaking Bad - S01E01.mkv`,
        }),
      );
      expect(res.status).toBe(202);
      await waitVerified(file);
      expect(await stageOf(file)).toMatchObject({
        kind: 'episode',
        identity: { series: 'Breaking Bad', season: 1, episodes: [1] },
      });
    });

    test('Download, import-complete shape (episodeFiles[])', async () => {
      const files = [
        'Shows/Breaking Bad/Season 01/Breaking Bad - S01E02.mkv',
        'Shows/Breaking Bad/Season 01/Breaking Bad - S01E03.mkv',
      ];
      files.forEach((f, i) => imported(f, 11 + i));
      const res = await post(
        'sonarr',
        arr.sonarrDownloadComplete({
          title: 'Breaking Bad',
          seriesPath,
          season: 1,
          episodes: [2, 3],
          filePaths: files.map((f) => `${seriesPath}/${f.split('/').slice(2).join('/')}`),
        }),
      );
      expect(res.status).toBe(202);
      for (const f of files) await waitVerified(f);
    });

    test('Rename moves the vault copy', async () => {
      const from = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv';
      const to = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv';
      const res = await post(
        'sonarr',
        arr.sonarrRename({
          title: 'Breaking Bad',
          seriesPath,
          from: `${seriesPath}/Season 01/Breaking Bad - S01E01.mkv`,
          to: `${seriesPath}/Season 01/Breaking Bad - S01E01 - Pilot.mkv`,
        }),
      );
      expect(res.status).toBe(202);
      await waitFor(
        'the renamed vault copy',
        async () => existsSync(vault(to)) && !existsSync(vault(from)),
        30_000,
      );
    });

    test('EpisodeFileDelete trashes the vault copy', async () => {
      const file = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E02.mkv';
      const res = await post(
        'sonarr',
        arr.sonarrEpisodeFileDelete({
          title: 'Breaking Bad',
          seriesPath,
          season: 1,
          episodes: [2],
          filePath: `${seriesPath}/Season 01/Breaking Bad - S01E02.mkv`,
        }),
      );
      expect(res.status).toBe(202);
      await env.waitForStage(mediaItemWorkflowId(file), 'deleted');
      expect(existsSync(vault(`.trash/${today()}/${file}`))).toBe(true);
    });

    test('SeriesDelete with deleted files trashes the series folder', async () => {
      const res = await post(
        'sonarr',
        arr.sonarrSeriesDelete({ title: 'Breaking Bad', seriesPath, deletedFiles: true }),
      );
      expect(res.status).toBe(202);
      await waitFor(
        'the series folder gone from the vault',
        async () => !existsSync(vault('Shows/Breaking Bad')),
        30_000,
      );
      expect(
        existsSync(vault(`.trash/${today()}/Shows/Breaking Bad/Season 01/Breaking Bad - S01E03.mkv`)),
      ).toBe(true);
    });
  });

  describe('lidarr', () => {
    const artistPath = '/data/media/music/Radiohead';
    const track = 'Music/Radiohead/OK Computer (1997)/01 - Airbag.flac';
    test('Download copies every track file', async () => {
      mkdirSync(path.dirname(local(track)), { recursive: true });
      writeFileSync(local(track), 'fLaC track bytes');
      const res = await post(
        'lidarr',
        arr.lidarrDownload({
          name: 'Radiohead',
          artistPath,
          filePaths: [`${artistPath}/OK Computer (1997)/01 - Airbag.flac`],
        }),
      );
      expect(res.status).toBe(202);
      await waitVerified(track);
    });
    test('ArtistDelete with deleted files trashes the artist folder', async () => {
      const res = await post(
        'lidarr',
        arr.lidarrArtistDelete({ name: 'Radiohead', artistPath, deletedFiles: true }),
      );
      expect(res.status).toBe(202);
      await waitFor(
        'the artist in the trash',
        async () => existsSync(vault(`.trash/${today()}/${track}`)),
        30_000,
      );
      await env.waitForStage(mediaItemWorkflowId(track), 'deleted');
    });
  });

  describe('readarr', () => {
    const authorPath = '/data/media/books/Frank Herbert';
    const book = 'Books/Frank Herbert/Dune (1965)/Dune - Frank Herbert.epub';
    test('Download copies the book file', async () => {
      mkdirSync(path.dirname(local(book)), { recursive: true });
      writeFileSync(local(book), 'epub bytes');
      const res = await post(
        'readarr',
        arr.readarrDownload({
          name: 'Frank Herbert',
          authorPath,
          filePaths: [`${authorPath}/Dune (1965)/Dune - Frank Herbert.epub`],
        }),
      );
      expect(res.status).toBe(202);
      await waitVerified(book);
    });
    test('BookFileDelete trashes the vault copy', async () => {
      const res = await post(
        'readarr',
        arr.readarrBookFileDelete({
          name: 'Frank Herbert',
          authorPath,
          filePath: `${authorPath}/Dune (1965)/Dune - Frank Herbert.epub`,
        }),
      );
      expect(res.status).toBe(202);
      await env.waitForStage(mediaItemWorkflowId(book), 'deleted');
      expect(existsSync(vault(`.trash/${today()}/${book}`))).toBe(true);
    });
    test('AuthorDelete with deleted files trashes the author folder', async () => {
      const other = 'Books/Frank Herbert/Children of Dune (1976)/Children of Dune.epub';
      mkdirSync(path.dirname(local(other)), { recursive: true });
      writeFileSync(local(other), 'epub 2');
      await post(
        'readarr',
        arr.readarrDownload({
          name: 'Frank Herbert',
          authorPath,
          filePaths: [`${authorPath}/Children of Dune (1976)/Children of Dune.epub`],
        }),
      );
      await waitVerified(other);
      const res = await post(
        'readarr',
        arr.readarrAuthorDelete({ name: 'Frank Herbert', authorPath, deletedFiles: true }),
      );
      expect(res.status).toBe(202);
      await waitFor(
        'the author folder gone from the vault',
        async () => !existsSync(vault('Books/Frank Herbert')),
        30_000,
      );
      expect(existsSync(vault(`.trash/${today()}/${other}`))).toBe(true);
    });
  });

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
        settings: {
          localRoot: env.localRoot,
          pathRewrites: [],
          hostId: env.hostId,
          maxBodyBytes: 1024 * 1024,
          authFailureLimit: 3,
          authFailureWindowMs: 60_000,
        },
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
