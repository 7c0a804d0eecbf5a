/**
 * Every event type of Radarr's webhooks, with payloads built from ARR.md, against the real API, the
 * real dev server and a worker copying to a real rclone remote (a local directory remote).
 */
import { existsSync } from 'node:fs';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import {
  env,
  imported,
  inTrash,
  post,
  postAccepted,
  sha256,
  stageOf,
  useWebhookApi,
  vault,
  waitDeleted,
  waitGone,
  waitVerified,
} from '../helpers/webhook-api.js';

useWebhookApi({ authFailureLimit: 5 });

describe('*arr webhooks against the real API, dev server and vault', () => {
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
      const res = await postAccepted(
        'radarr',
        arr.radarrDownload({ title: 'The Matrix', year: 1999, folderPath: folder, filePath: arrPath }),
      );
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
      await postAccepted(
        'radarr',
        arr.radarrDownload({
          title: 'The Matrix',
          year: 1999,
          folderPath: folder,
          filePath: `${folder}/The Matrix (1999) Remux-2160p.mkv`,
          deleted: [arrPath],
        }),
      );
      await waitVerified(upgraded);
      await waitFor('the replaced copy in the trash', async () => inTrash(movie), 30_000);
      expect(existsSync(vault(movie))).toBe(false);
      expect((await waitDeleted(movie)).reason).toContain('replaced by');
    });

    test('Rename moves the vault copy server-side and the catalog follows', async () => {
      const from = 'Movies/The Matrix (1999)/The Matrix (1999) Remux-2160p.mkv';
      const to = 'Movies/The Matrix (1999)/The Matrix (1999) {tmdb-603} Remux-2160p.mkv';
      const before = sha256(vault(from));
      await postAccepted(
        'radarr',
        arr.radarrRename({
          title: 'The Matrix',
          year: 1999,
          folderPath: folder,
          from: `/data/media/movies/${from.slice(7)}`,
          to: `/data/media/movies/${to.slice(7)}`,
        }),
      );
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
      const heat = { title: 'Heat', year: 1995, folderPath: '/data/media/movies/Heat (1995)' };
      const filePath = `/data/media/${file.replace('Movies', 'movies')}`;
      await post('radarr', arr.radarrDownload({ ...heat, filePath }));
      await waitVerified(file);
      await postAccepted('radarr', arr.radarrMovieFileDelete({ ...heat, filePath }));
      await waitDeleted(file);
      expect(inTrash(file)).toBe(true);
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
      await postAccepted(
        'radarr',
        arr.radarrMovieDelete({ title: 'Up', year: 2009, folderPath, deletedFiles: true }),
      );
      await waitGone('the movie folder gone from the vault', 'Movies/Up (2009)');
      expect(inTrash(file)).toBe(true);
      await waitDeleted(file);
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
});
