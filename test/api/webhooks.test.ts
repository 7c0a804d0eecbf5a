/**
 * Every event type of each *arr app that changes the library, with payloads built from ARR.md,
 * against the real API, the real dev server and a worker copying to a real rclone remote (a local
 * directory remote). Renames of Lidarr and Readarr, the events only recorded, the outbox,
 * authentication and hostile paths are in `webhook-routes.test.ts`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import { webhookHelpers } from '../helpers/webhook-env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

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

  const { post, local, vault, waitVerified, imported, sha256 } = webhookHelpers(() => ({ env, app, token }));
  const stageOf = (libraryPath: string) =>
    env.client.workflow.getHandle(mediaItemWorkflowId(libraryPath)).query(statusQuery);

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
});
