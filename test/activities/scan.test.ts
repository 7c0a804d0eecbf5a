import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createScanActivities,
  type ScanDeps,
  type ScanHeartbeat,
  type ScanMediaServerInput,
} from '../../activities/scan/activities.js';
import { FailureType } from '../../domain/failures.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { FakeAutoscan } from '../fakes/autoscan.js';
import { FakeEmby } from '../fakes/emby.js';
import { HttpFake } from '../fakes/http-fake.js';
import { FakeJellyfin } from '../fakes/jellyfin.js';
import { FakePlex } from '../fakes/plex.js';
import { failureOf } from '../helpers/env.js';

const PLEX_TOKEN = 'plex-token-0123456789';
const JELLYFIN_KEY = 'jellyfin-key-0123456789';
const EMBY_KEY = 'emby-key-0123456789';
const AUTOSCAN_USER = 'vaultarr';
const AUTOSCAN_PASSWORD = 'autoscan-password-0123456789';

const plex = new FakePlex({
  token: PLEX_TOKEN,
  sections: [
    { key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] },
    { key: '2', title: 'TV Shows', type: 'show', locations: ['/media/Shows'] },
  ],
});
const plexSections = [...plex.sections];
const jellyfin = new FakeJellyfin({
  apiKey: JELLYFIN_KEY,
  libraries: [{ name: 'Movies', collectionType: 'movies', locations: ['/media/Movies'] }],
});
const emby = new FakeEmby({ apiKey: EMBY_KEY });
const autoscan = new FakeAutoscan({ username: AUTOSCAN_USER, password: AUTOSCAN_PASSWORD });
const fakes = [plex, jellyfin, emby, autoscan];

type ServerType = MediaServerConfig['type'];

/** A config entry for the fake of a type, named after the type. */
function serverConfig(type: ServerType, extra: Partial<MediaServerConfig> = {}): MediaServerConfig {
  const base = { name: type, type, pathRewrites: [] };
  switch (type) {
    case 'plex':
      return { ...base, url: plex.url, token: PLEX_TOKEN, libraryRoot: '/media', ...extra };
    case 'jellyfin':
      return { ...base, url: jellyfin.url, token: JELLYFIN_KEY, libraryRoot: '/media', ...extra };
    case 'emby':
      return { ...base, url: emby.url, token: EMBY_KEY, libraryRoot: '/media', ...extra };
    case 'autoscan':
      return {
        ...base,
        url: autoscan.url,
        username: AUTOSCAN_USER,
        password: AUTOSCAN_PASSWORD,
        libraryRoot: '/media',
        ...extra,
      };
  }
}

/** Credentials the fakes refuse, per type. */
const wrongCredentials: Record<ServerType, Partial<MediaServerConfig>> = {
  plex: { token: 'wrong-plex-token' },
  jellyfin: { token: 'wrong-jellyfin-key' },
  emby: { token: 'wrong-emby-key' },
  autoscan: { password: 'wrong-autoscan-password' },
};

const fakeOf = { plex, jellyfin, emby, autoscan } as const;

function activities(servers: MediaServerConfig[], extra: Partial<ScanDeps> = {}) {
  return createScanActivities({ servers, defaultLibraryRoot: '/union', mergeWindowMs: 50, ...extra });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  for (const fake of fakes) await fake.start();
});
afterEach(async () => {
  for (const fake of fakes) {
    await fake.setDown(false);
    fake.setLatency(0);
    fake.reset();
  }
  plex.sections = [...plexSections];
});
afterAll(async () => {
  for (const fake of fakes) await fake.stop();
});

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

describe('merging scans within the merge window', () => {
  test.each(['plex', 'jellyfin', 'emby', 'autoscan'] as const)(
    'five scans of one folder within the merge window reach %s as one request',
    async (type) => {
      const { scanMediaServer } = activities([serverConfig(type)], { mergeWindowMs: 600 });
      const input: ScanMediaServerInput = {
        target: type,
        folders: ['Movies/Alien (1979)'],
        updateType: 'Created',
      };
      const scans = [];
      for (let i = 0; i < 5; i++) {
        scans.push(scanMediaServer(input));
        await sleep(30);
      }
      const results = await Promise.all(scans);
      expect(results.every((r) => r.scannedPaths[0] === '/media/Movies/Alien (1979)')).toBe(true);
      const scanRequests = fakeOf[type].requests.filter((r) => r.path !== '/library/sections');
      expect(scanRequests).toHaveLength(1);
    },
  );

  test('scans of different folders within the merge window reach autoscan and Jellyfin as one request with all folders', async () => {
    const { scanMediaServer } = activities([serverConfig('jellyfin'), serverConfig('autoscan')], {
      mergeWindowMs: 300,
    });
    const folders = ['Movies/Alien (1979)', 'Movies/Aliens (1986)', 'Shows/Severance/Season 01'];
    await Promise.all(
      ['jellyfin', 'autoscan'].flatMap((target) =>
        folders.map((folder) => scanMediaServer({ target, folders: [folder], updateType: 'Created' })),
      ),
    );
    const paths = folders.map((f) => `/media/${f}`);
    expect(jellyfin.requests).toHaveLength(1);
    expect(jellyfin.updates).toEqual(paths.map((Path) => ({ Path, UpdateType: 'Created' })));
    expect(autoscan.triggers).toEqual([paths]);
  });

  test('with a merge window of 0, scans asked for in the same tick still go out as one request', async () => {
    const { scanMediaServer } = activities([serverConfig('jellyfin')], { mergeWindowMs: 0 });
    await Promise.all([
      scanMediaServer({ target: 'jellyfin', folders: ['Movies/Alien (1979)'], updateType: 'Created' }),
      scanMediaServer({ target: 'jellyfin', folders: ['Movies/Aliens (1986)'], updateType: 'Created' }),
      scanMediaServer({ target: 'jellyfin', folders: ['Movies/Alien (1979)'], updateType: 'Modified' }),
    ]);
    expect(jellyfin.requests).toHaveLength(1);
    expect(jellyfin.updates).toEqual([
      { Path: '/media/Movies/Alien (1979)', UpdateType: 'Created' },
      { Path: '/media/Movies/Aliens (1986)', UpdateType: 'Created' },
      { Path: '/media/Movies/Alien (1979)', UpdateType: 'Modified' },
    ]);
  });

  test('scans asked for after a merged request went out go out in a request of their own', async () => {
    const { scanMediaServer } = activities([serverConfig('autoscan')], { mergeWindowMs: 50 });
    await scanMediaServer({ target: 'autoscan', folders: ['Movies/Alien (1979)'], updateType: 'Created' });
    await scanMediaServer({ target: 'autoscan', folders: ['Movies/Aliens (1986)'], updateType: 'Created' });
    expect(autoscan.triggers).toEqual([['/media/Movies/Alien (1979)'], ['/media/Movies/Aliens (1986)']]);
  });

  test('heartbeats while it waits for the merge window when run as an activity', async () => {
    const { scanMediaServer } = activities([serverConfig('jellyfin')], { mergeWindowMs: 1600 });
    const env = new MockActivityEnvironment();
    const beats: ScanHeartbeat[] = [];
    env.on('heartbeat', (d: ScanHeartbeat) => beats.push(d));
    const input: ScanMediaServerInput = {
      target: 'jellyfin',
      folders: ['Movies/Alien (1979)', 'Movies/Aliens (1986)'],
      updateType: 'Created',
    };
    await env.run(scanMediaServer, input);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toEqual({ target: 'jellyfin', folderCount: 2 });
    expect(jellyfin.requests).toHaveLength(1);
  });
});

describe('failures', () => {
  test('a target that is down fails with a retryable error naming it, while the others are scanned', async () => {
    await jellyfin.setDown(true);
    const servers = [serverConfig('plex'), serverConfig('jellyfin'), serverConfig('autoscan')];
    const { scanMediaServer } = activities(servers);
    const results = await Promise.allSettled(
      servers.map((s) =>
        scanMediaServer({ target: s.name, folders: ['Movies/Alien (1979)'], updateType: 'Created' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (results[1] as PromiseRejectedResult).reason as Error;
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toMatch(
      /^\[jellyfin "jellyfin"\] cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/,
    );
    expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/Alien (1979)' }]);
    expect(autoscan.triggers).toEqual([['/media/Movies/Alien (1979)']]);
  });

  test('a server answering 503 fails every scan merged into the request with the same retryable error', async () => {
    await emby.setDown(true, '503');
    const { scanMediaServer } = activities([serverConfig('emby')]);
    const results = await Promise.allSettled(
      ['Movies/Alien (1979)', 'Movies/Aliens (1986)', 'Movies/Alien 3 (1992)'].map((folder) =>
        scanMediaServer({ target: 'emby', folders: [folder], updateType: 'Created' }),
      ),
    );
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(new Set(reasons).size).toBe(1);
    expect(reasons[0]).not.toBeInstanceOf(ApplicationFailure);
    expect(reasons[0]!.message).toBe('[emby "emby"] POST /emby/Library/Media/Updated answered 503');
    expect(emby.requests.map((r) => r.status)).toEqual([503]);
  });

  test('a server slower than fetchTimeoutMs fails with a retryable timeout', async () => {
    autoscan.setLatency(1500);
    const { scanMediaServer } = activities([serverConfig('autoscan')], { fetchTimeoutMs: 200 });
    const err = await failureOf(
      scanMediaServer({ target: 'autoscan', folders: ['Movies/Alien (1979)'], updateType: 'Created' }),
    );
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toBe('[autoscan "autoscan"] POST /triggers/manual timed out after 200 ms');
  });

  test.each(['plex', 'jellyfin', 'emby', 'autoscan'] as const)(
    'credentials %s refuses fail with MEDIA_SERVER_AUTH_FAILED, not retried, without the secret in the message',
    async (type) => {
      const config = serverConfig(type, wrongCredentials[type]);
      const { scanMediaServer } = activities([config]);
      const err = await failureOf(
        scanMediaServer({ target: type, folders: ['Movies/Alien (1979)'], updateType: 'Created' }),
      );
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: FailureType.MEDIA_SERVER_AUTH_FAILED, nonRetryable: true });
      expect(err.message).toMatch(
        new RegExp(`^\\[${type} "${type}"\\] .* answered 401: the .* was refused$`),
      );
      for (const secret of Object.values(wrongCredentials[type])) expect(err.message).not.toContain(secret);
      expect(fakeOf[type].requests.map((r) => r.status)).toEqual([401]);
    },
  );

  test('a server answering 404 to the scan (a wrong url) fails with MEDIA_SERVER_REJECTED, not retried', async () => {
    const config = serverConfig('jellyfin', { url: `${jellyfin.url}/jellyfin` });
    const err = await failureOf(
      activities([config]).scanMediaServer({
        target: 'jellyfin',
        folders: ['Movies/Alien (1979)'],
        updateType: 'Created',
      }),
    );
    expect(err).toMatchObject({ type: FailureType.MEDIA_SERVER_REJECTED, nonRetryable: true });
    expect(err.message).toBe(
      '[jellyfin "jellyfin"] POST /jellyfin/Library/Media/Updated answered 404 (check mediaServers[].url)',
    );
  });

  test('a redirect fails with MEDIA_SERVER_REJECTED naming where it points, without following it', async () => {
    const moved = new HttpFake({
      handler: () => ({
        status: 301,
        headers: { Location: 'https://jellyfin.example.org/Library/Media/Updated' },
      }),
    });
    const { url } = await moved.start();
    try {
      const err = await failureOf(
        activities([serverConfig('jellyfin', { url })]).scanMediaServer({
          target: 'jellyfin',
          folders: ['Movies/Alien (1979)'],
          updateType: 'Created',
        }),
      );
      expect(err).toMatchObject({ type: FailureType.MEDIA_SERVER_REJECTED, nonRetryable: true });
      expect(err.message).toContain('redirect to https://jellyfin.example.org/Library/Media/Updated');
      expect(moved.requests).toHaveLength(1);
    } finally {
      await moved.stop();
    }
  });

  test('a target coming back up after being down is scanned on the next attempt', async () => {
    const { scanMediaServer } = activities([serverConfig('plex')]);
    const input: ScanMediaServerInput = {
      target: 'plex',
      folders: ['Movies/Alien (1979)'],
      updateType: 'Created',
    };
    await plex.setDown(true);
    const err = await failureOf(scanMediaServer(input));
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toContain('ECONNREFUSED');
    await plex.setDown(false);
    await expect(scanMediaServer(input)).resolves.toEqual({
      target: 'plex',
      scannedPaths: ['/media/Movies/Alien (1979)'],
    });
    expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/Alien (1979)' }]);
  });

  test('an unknown target fails with INVALID_INPUT, not retried', async () => {
    const err = await failureOf(
      activities([serverConfig('plex')]).scanMediaServer({
        target: 'kodi',
        folders: ['Movies/Alien (1979)'],
        updateType: 'Created',
      }),
    );
    expect(err).toMatchObject({ type: FailureType.INVALID_INPUT, nonRetryable: true });
    expect(err.message).toBe('unknown media server "kodi" (configured: "plex")');
  });

  test('a folder climbing out of the library fails with INVALID_INPUT and sends nothing', async () => {
    const err = await failureOf(
      activities([serverConfig('autoscan')]).scanMediaServer({
        target: 'autoscan',
        folders: ['Movies/../../etc'],
        updateType: 'Created',
      }),
    );
    expect(err).toMatchObject({ type: FailureType.INVALID_INPUT, nonRetryable: true });
    expect(autoscan.requests).toHaveLength(0);
  });
});

test('listScanTargets lists the configured servers in configuration order', async () => {
  const servers = [serverConfig('emby'), serverConfig('plex'), serverConfig('autoscan')];
  await expect(activities(servers).listScanTargets()).resolves.toEqual(['emby', 'plex', 'autoscan']);
});

describe('the fake media servers refuse what the real ones refuse', () => {
  test('Jellyfin refuses the legacy X-Emby-Token with 401 and an empty body', async () => {
    const res = await fetch(`${jellyfin.url}/Library/Media/Updated`, {
      method: 'POST',
      headers: { 'X-Emby-Token': JELLYFIN_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Updates: [{ Path: '/media/Movies', UpdateType: 'Created' }] }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('');
  });

  test('Jellyfin and Emby answer 400 to an update type outside Created, Modified and Deleted', async () => {
    const body = JSON.stringify({ Updates: [{ Path: '/media/Movies', UpdateType: 'Renamed' }] });
    const answers = await Promise.all([
      fetch(`${jellyfin.url}/Library/Media/Updated`, {
        method: 'POST',
        headers: {
          Authorization: `MediaBrowser Token="${JELLYFIN_KEY}"`,
          'Content-Type': 'application/json',
        },
        body,
      }),
      fetch(`${emby.url}/emby/Library/Media/Updated?api_key=${EMBY_KEY}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([400, 400]);
  });

  test('Jellyfin lists its libraries on GET /Library/VirtualFolders', async () => {
    const res = await fetch(`${jellyfin.url}/Library/VirtualFolders`, {
      headers: { Authorization: `MediaBrowser Client="test", Token="${JELLYFIN_KEY}"` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject([
      { Name: 'Movies', CollectionType: 'movies', Locations: ['/media/Movies'] },
    ]);
  });

  test('Plex answers 404 to a refresh of an unknown section and to an unknown path, and takes the token in the query', async () => {
    const [unknownSection, unknownPath, list] = await Promise.all([
      fetch(`${plex.url}/library/sections/99/refresh?path=%2Fmedia&X-Plex-Token=${PLEX_TOKEN}`),
      fetch(`${plex.url}/library/everything`, { headers: { 'X-Plex-Token': PLEX_TOKEN } }),
      fetch(`${plex.url}/library/sections?X-Plex-Token=${PLEX_TOKEN}`, {
        headers: { Accept: 'application/json' },
      }),
    ]);
    expect([unknownSection.status, unknownPath.status, list.status]).toEqual([404, 404, 200]);
    expect(await list.json()).toMatchObject({
      MediaContainer: {
        size: 2,
        Directory: [{ key: '1', Location: [{ path: '/media/Movies' }] }, { key: '2' }],
      },
    });
  });

  test('autoscan answers 400 to a trigger without dir, and /health without credentials', async () => {
    const [noDir, health] = await Promise.all([
      fetch(`${autoscan.url}/triggers/manual`, {
        method: 'POST',
        headers: { Authorization: basic(AUTOSCAN_USER, AUTOSCAN_PASSWORD) },
      }),
      fetch(`${autoscan.url}/health`),
    ]);
    expect([noDir.status, health.status]).toEqual([400, 200]);
  });
});
