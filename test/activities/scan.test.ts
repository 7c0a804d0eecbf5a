/** Scan requests as each media server receives them, and the list of scan targets. */
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../../domain/failures.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { FakeAutoscan } from '../fakes/autoscan.js';
import { failureOf } from '../helpers/env.js';
import {
  activities,
  autoscan,
  AUTOSCAN_PASSWORD,
  AUTOSCAN_USER,
  basic,
  emby,
  EMBY_KEY,
  jellyfin,
  JELLYFIN_KEY,
  plex,
  PLEX_TOKEN,
  plexSections,
  serverConfig,
  useScanFakes,
} from '../helpers/scan-fakes.js';

useScanFakes();

describe('scan requests each media server receives', () => {
  test('Plex gets a partial scan of the url-encoded folder in its section, with the token header', async () => {
    const { scanMediaServer } = activities([serverConfig('plex')]);
    const result = await scanMediaServer({
      target: 'plex',
      folders: ['Movies/Tom & Jerry #2 (2021)'],
      updateType: 'Created',
    });
    const folder = '/media/Movies/Tom & Jerry #2 (2021)';
    expect(result).toEqual({ target: 'plex', scannedPaths: [folder] });
    expect(plex.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/library/sections', 200],
      ['GET', '/library/sections/1/refresh', 200],
    ]);
    const refresh = plex.requests[1]!;
    expect(refresh.rawUrl).toBe(`/library/sections/1/refresh?path=${encodeURIComponent(folder)}`);
    expect(refresh.query).toEqual({ path: [folder] });
    expect(refresh.headers['x-plex-token']).toBe(PLEX_TOKEN);
    expect(refresh.headers.accept).toBe('application/json');
  });

  test('Plex picks the section whose folder is the longest whole-segment prefix of the path', async () => {
    plex.sections = [
      { key: '10', title: 'Everything', type: 'movie', locations: ['/media'] },
      { key: '11', title: 'Movies', type: 'movie', locations: ['/media/Movies'] },
      { key: '12', title: 'Movies 4K', type: 'movie', locations: ['/other', '/media/Movies/4K/'] },
    ];
    const { scanMediaServer } = activities([serverConfig('plex')]);
    await scanMediaServer({
      target: 'plex',
      folders: ['Movies/4K/Dune (2021)', 'Movies/Alien (1979)', 'Movies4K/Heat (1995)'],
      updateType: 'Modified',
    });
    expect(plex.refreshes).toEqual([
      { key: '12', path: '/media/Movies/4K/Dune (2021)' },
      { key: '11', path: '/media/Movies/Alien (1979)' },
      { key: '10', path: '/media/Movies4K/Heat (1995)' },
    ]);
  });

  test('a Plex section added after the section list was cached is found by fetching the list again', async () => {
    const { scanMediaServer } = activities([serverConfig('plex')]);
    await scanMediaServer({ target: 'plex', folders: ['Movies/Alien (1979)'], updateType: 'Created' });
    plex.sections = [
      ...plexSections,
      { key: '3', title: 'Music', type: 'artist', locations: ['/media/Music'] },
    ];
    await scanMediaServer({ target: 'plex', folders: ['Music/Daft Punk'], updateType: 'Created' });
    expect(plex.requests.filter((r) => r.path === '/library/sections')).toHaveLength(2);
    expect(plex.refreshes).toEqual([
      { key: '1', path: '/media/Movies/Alien (1979)' },
      { key: '3', path: '/media/Music/Daft Punk' },
    ]);
  });

  test('a folder in no Plex section fails with NO_LIBRARY_SECTION, not retried, after one more look at the list', async () => {
    const { scanMediaServer } = activities([serverConfig('plex')]);
    await scanMediaServer({ target: 'plex', folders: ['Movies/Alien (1979)'], updateType: 'Created' });
    const err = await failureOf(
      scanMediaServer({ target: 'plex', folders: ['Books/Dune'], updateType: 'Created' }),
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.NO_LIBRARY_SECTION, nonRetryable: true });
    expect(err.message).toMatch(/^\[plex "plex"\] no library section contains \/media\/Books\/Dune/);
    expect(plex.requests.filter((r) => r.path === '/library/sections')).toHaveLength(2);
    expect(plex.refreshes).toHaveLength(1);
  });

  test('Jellyfin gets every change in one POST /Library/Media/Updated with the MediaBrowser token', async () => {
    const { scanMediaServer } = activities([serverConfig('jellyfin')]);
    await scanMediaServer({
      target: 'jellyfin',
      folders: ['Movies/Alien (1979)', 'Shows/Severance/Season 01'],
      updateType: 'Created',
    });
    expect(jellyfin.requests).toHaveLength(1);
    const [req] = jellyfin.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/Library/Media/Updated', status: 204 });
    expect(req!.headers.authorization).toBe(`MediaBrowser Token="${JELLYFIN_KEY}"`);
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    expect(req!.body).toEqual({
      Updates: [
        { Path: '/media/Movies/Alien (1979)', UpdateType: 'Created' },
        { Path: '/media/Shows/Severance/Season 01', UpdateType: 'Created' },
      ],
    });
  });

  test('Emby gets the changes on POST /emby/Library/Media/Updated with the X-Emby-Token header', async () => {
    const { scanMediaServer } = activities([serverConfig('emby')]);
    await scanMediaServer({ target: 'emby', folders: ['Movies/Alien (1979)'], updateType: 'Deleted' });
    expect(emby.requests).toHaveLength(1);
    const [req] = emby.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/emby/Library/Media/Updated', status: 204 });
    expect(req!.headers['x-emby-token']).toBe(EMBY_KEY);
    expect(req!.body).toEqual({ Updates: [{ Path: '/media/Movies/Alien (1979)', UpdateType: 'Deleted' }] });
  });

  test('autoscan gets one POST /triggers/manual with every folder as a url-encoded dir, with basic auth', async () => {
    const { scanMediaServer } = activities([serverConfig('autoscan')]);
    await scanMediaServer({
      target: 'autoscan',
      folders: ['Movies/Tom & Jerry (2021)', 'Shows/Severance/Season 01'],
      updateType: 'Modified',
    });
    expect(autoscan.requests).toHaveLength(1);
    const [req] = autoscan.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/triggers/manual', status: 200 });
    expect(req!.headers.authorization).toBe(basic(AUTOSCAN_USER, AUTOSCAN_PASSWORD));
    expect(req!.query.dir).toEqual(['/media/Movies/Tom & Jerry (2021)', '/media/Shows/Severance/Season 01']);
    expect(req!.rawUrl).toBe(
      `/triggers/manual?dir=${encodeURIComponent('/media/Movies/Tom & Jerry (2021)')}` +
        `&dir=${encodeURIComponent('/media/Shows/Severance/Season 01')}`,
    );
  });

  test('autoscan without a username gets no Authorization header', async () => {
    const open = new FakeAutoscan();
    const { url } = await open.start();
    try {
      const config: MediaServerConfig = { name: 'open', type: 'autoscan', url, pathRewrites: [] };
      await activities([config]).scanMediaServer({
        target: 'open',
        folders: ['Movies/Alien (1979)'],
        updateType: 'Created',
      });
      expect(open.triggers).toEqual([['/union/Movies/Alien (1979)']]);
      expect(open.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await open.stop();
    }
  });

  test('each server sees a folder at its own path: the longest pathRewrite, else its libraryRoot, else the default root', async () => {
    const servers = [
      serverConfig('jellyfin', {
        libraryRoot: undefined,
        pathRewrites: [
          { from: 'Movies', to: '/mnt/films' },
          { from: 'Movies/Kids/', to: '/mnt/kids/' },
        ],
      }),
      serverConfig('emby', { libraryRoot: '/srv/library/' }),
      serverConfig('autoscan', { libraryRoot: undefined }),
    ];
    const { scanMediaServer } = activities(servers);
    const folders = ['Movies/Kids/Up (2009)', 'Movies/Alien (1979)', 'Movies 4K/Dune (2021)'];
    const results = await Promise.all(
      servers.map((s) => scanMediaServer({ target: s.name, folders, updateType: 'Created' })),
    );
    expect(results.map((r) => r.scannedPaths)).toEqual([
      ['/mnt/kids/Up (2009)', '/mnt/films/Alien (1979)', '/union/Movies 4K/Dune (2021)'],
      [
        '/srv/library/Movies/Kids/Up (2009)',
        '/srv/library/Movies/Alien (1979)',
        '/srv/library/Movies 4K/Dune (2021)',
      ],
      ['/union/Movies/Kids/Up (2009)', '/union/Movies/Alien (1979)', '/union/Movies 4K/Dune (2021)'],
    ]);
    expect(jellyfin.updates.map((u) => u.Path)).toEqual(results[0]!.scannedPaths);
    expect(emby.updates.map((u) => u.Path)).toEqual(results[1]!.scannedPaths);
    expect(autoscan.triggers).toEqual([results[2]!.scannedPaths]);
  });
});

test('listScanTargets lists the configured servers in configuration order', async () => {
  const servers = [serverConfig('emby'), serverConfig('plex'), serverConfig('autoscan')];
  await expect(activities(servers).listScanTargets()).resolves.toEqual(['emby', 'plex', 'autoscan']);
});
