/**
 * Every event type of Sonarr's, Lidarr's and Readarr's webhooks, with payloads built from ARR.md,
 * against the real API, the real dev server and a worker copying to a real rclone remote (a local
 * directory remote).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import {
  env,
  imported,
  local,
  post,
  stageOf,
  today,
  useWebhookApi,
  vault,
  waitVerified,
} from '../helpers/webhook-api.js';

useWebhookApi({ authFailureLimit: 5 });

describe('*arr webhooks against the real API, dev server and vault', () => {
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
});
