/** Scans of one media server within the merge window go out as one request. */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ScanHeartbeat, ScanMediaServerInput } from '../../activities/scan/activities.js';
import {
  activities,
  autoscan,
  fakeOf,
  jellyfin,
  serverConfig,
  sleep,
  useScanFakes,
} from '../helpers/scan-fakes.js';

useScanFakes();

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
