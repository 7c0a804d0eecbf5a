/** The fake media servers refuse what the real ones refuse (docs/contracts/ARR.md). */
import {
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
  useScanFakes,
} from '../helpers/scan-fakes.js';

useScanFakes();

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
