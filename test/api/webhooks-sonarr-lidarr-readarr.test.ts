/**
 * Every event type of Sonarr's, Lidarr's and Readarr's webhooks, with payloads built from ARR.md,
 * against the real API, the real dev server and a worker copying to a real rclone remote (a local
 * directory remote).
 */
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import * as arr from '../helpers/arr-payloads.js';
import {
  imported,
  importedText,
  inTrash,
  post,
  postAccepted,
  stageOf,
  useWebhookApi,
  waitDeleted,
  waitGone,
  waitRenamed,
  waitVerified,
} from '../helpers/webhook-api.js';

useWebhookApi({ authFailureLimit: 5 });

describe('*arr webhooks against the real API, dev server and vault', () => {
  describe('sonarr', () => {
    const seriesPath = '/data/media/tv/Breaking Bad';
    /** Sonarr's path of a file of the series (`Season 01/...`). */
    const inSeries = (file: string) => `${seriesPath}/${file}`;
    test('Download, per-file shape (episodeFile)', async () => {
      const file = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv';
      imported(file, 10);
      const filePath = inSeries('Season 01/Breaking Bad - S01E01.mkv');
      await postAccepted(
        'sonarr',
        arr.sonarrDownload({ title: 'Breaking Bad', seriesPath, season: 1, episodes: [1], filePath }),
      );
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
      const filePaths = files.map((f) => inSeries(f.split('/').slice(2).join('/')));
      await postAccepted(
        'sonarr',
        arr.sonarrDownloadComplete({
          title: 'Breaking Bad',
          seriesPath,
          season: 1,
          episodes: [2, 3],
          filePaths,
        }),
      );
      for (const f of files) await waitVerified(f);
    });

    test('Rename moves the vault copy', async () => {
      const from = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv';
      const to = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv';
      await postAccepted(
        'sonarr',
        arr.sonarrRename({
          title: 'Breaking Bad',
          seriesPath,
          from: inSeries('Season 01/Breaking Bad - S01E01.mkv'),
          to: inSeries('Season 01/Breaking Bad - S01E01 - Pilot.mkv'),
        }),
      );
      await waitRenamed(from, to);
    });

    test('EpisodeFileDelete trashes the vault copy', async () => {
      const file = 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E02.mkv';
      const filePath = inSeries('Season 01/Breaking Bad - S01E02.mkv');
      await postAccepted(
        'sonarr',
        arr.sonarrEpisodeFileDelete({
          title: 'Breaking Bad',
          seriesPath,
          season: 1,
          episodes: [2],
          filePath,
        }),
      );
      await waitDeleted(file);
      expect(inTrash(file)).toBe(true);
    });

    test('SeriesDelete with deleted files trashes the series folder', async () => {
      await postAccepted(
        'sonarr',
        arr.sonarrSeriesDelete({ title: 'Breaking Bad', seriesPath, deletedFiles: true }),
      );
      await waitGone('the series folder gone from the vault', 'Shows/Breaking Bad');
      expect(inTrash('Shows/Breaking Bad/Season 01/Breaking Bad - S01E03.mkv')).toBe(true);
    });
  });

  describe('lidarr', () => {
    const artistPath = '/data/media/music/Radiohead';
    const track = 'Music/Radiohead/OK Computer (1997)/01 - Airbag.flac';
    test('Download copies every track file', async () => {
      importedText(track, 'fLaC track bytes');
      const filePaths = [`${artistPath}/OK Computer (1997)/01 - Airbag.flac`];
      await postAccepted('lidarr', arr.lidarrDownload({ name: 'Radiohead', artistPath, filePaths }));
      await waitVerified(track);
    });
    test('ArtistDelete with deleted files trashes the artist folder', async () => {
      await postAccepted(
        'lidarr',
        arr.lidarrArtistDelete({ name: 'Radiohead', artistPath, deletedFiles: true }),
      );
      await waitFor('the artist in the trash', async () => inTrash(track), 30_000);
      await waitDeleted(track);
    });
  });

  describe('readarr', () => {
    const authorPath = '/data/media/books/Frank Herbert';
    const book = 'Books/Frank Herbert/Dune (1965)/Dune - Frank Herbert.epub';
    const filePath = `${authorPath}/Dune (1965)/Dune - Frank Herbert.epub`;
    test('Download copies the book file', async () => {
      importedText(book, 'epub bytes');
      await postAccepted(
        'readarr',
        arr.readarrDownload({ name: 'Frank Herbert', authorPath, filePaths: [filePath] }),
      );
      await waitVerified(book);
    });
    test('BookFileDelete trashes the vault copy', async () => {
      await postAccepted(
        'readarr',
        arr.readarrBookFileDelete({ name: 'Frank Herbert', authorPath, filePath }),
      );
      await waitDeleted(book);
      expect(inTrash(book)).toBe(true);
    });
    test('AuthorDelete with deleted files trashes the author folder', async () => {
      const other = 'Books/Frank Herbert/Children of Dune (1976)/Children of Dune.epub';
      importedText(other, 'epub 2');
      const filePaths = [`${authorPath}/Children of Dune (1976)/Children of Dune.epub`];
      await post('readarr', arr.readarrDownload({ name: 'Frank Herbert', authorPath, filePaths }));
      await waitVerified(other);
      await postAccepted(
        'readarr',
        arr.readarrAuthorDelete({ name: 'Frank Herbert', authorPath, deletedFiles: true }),
      );
      await waitGone('the author folder gone from the vault', 'Books/Frank Herbert');
      expect(inTrash(other)).toBe(true);
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
      importedText(from, `${appName} bytes`);
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
      await waitRenamed(from, to);
    });
  });
});
