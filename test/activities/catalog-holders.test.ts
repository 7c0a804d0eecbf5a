/**
 * `liveItemsAt`: which live items hold a path a sort would place a file at, as their video or as
 * one of their subtitles (the answer that keeps a new release from overwriting an evicted item's
 * only copy), on a real Postgres with every migration applied.
 */
import pg from 'pg';
import { liveItemsAt } from '../../activities/catalog/activities.js';
import { freshDatabase } from '../helpers/env.js';

let pool: pg.Pool;

beforeAll(async () => {
  const url = await freshDatabase();
  pool = new pg.Pool({ connectionString: url });
  const item = (
    workflowId: string,
    hostId: string,
    libraryPath: string,
    subtitles: string[],
    stage: string,
  ) =>
    pool.query(
      `INSERT INTO media_items (workflow_id, host_id, library_path, subtitle_paths, stage)
       VALUES ($1, $2, $3, $4, $5)`,
      [workflowId, hostId, libraryPath, subtitles, stage],
    );
  await item('media:heat', 'pi-a', 'Movies/Heat (1995)/Heat (1995).mkv', [], 'evicted');
  await item(
    'media:fargo',
    'pi-b',
    'Shows/Fargo/Season 02/Fargo - S02E01.mkv',
    ['Shows/Fargo/Season 02/Fargo - S02E01.en.srt', 'Shows/Fargo/Season 02/Fargo - S02E01.de.srt'],
    'resident',
  );
  await item('media:gone', 'pi-a', 'Movies/Ronin (1998)/Ronin (1998).mkv', [], 'deleted');
});

afterAll(() => pool.end());

test('an evicted video and a subtitle of an item on another host are found, in path order', async () => {
  const paths = [
    'Shows/Fargo/Season 02/Fargo - S02E01.en.srt',
    'Movies/Heat (1995)/Heat (1995).mkv',
    'Movies/Nobody (2000)/Nobody (2000).mkv',
  ];
  expect(await liveItemsAt(pool, paths, 'media:new')).toEqual([
    {
      libraryPath: 'Movies/Heat (1995)/Heat (1995).mkv',
      workflowId: 'media:heat',
      stage: 'evicted',
      hostId: 'pi-a',
    },
    {
      libraryPath: 'Shows/Fargo/Season 02/Fargo - S02E01.en.srt',
      workflowId: 'media:fargo',
      stage: 'resident',
      hostId: 'pi-b',
    },
  ]);
});

test('a deleted item and the asking item itself hold nothing', async () => {
  const paths = ['Movies/Ronin (1998)/Ronin (1998).mkv', 'Shows/Fargo/Season 02/Fargo - S02E01.de.srt'];
  expect(await liveItemsAt(pool, paths, 'media:fargo')).toEqual([]);
  expect(await liveItemsAt(pool, [], 'media:new')).toEqual([]);
});
