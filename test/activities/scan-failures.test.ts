/** How scans fail: servers down, slow, refusing, redirecting; unknown targets and bad folders. */
import { ApplicationFailure } from '@temporalio/activity';
import type { ScanMediaServerInput } from '../../activities/scan/activities.js';
import { FailureType } from '../../domain/failures.js';
import { HttpFake } from '../fakes/http-fake.js';
import { failureOf } from '../helpers/env.js';
import {
  activities,
  autoscan,
  emby,
  fakeOf,
  jellyfin,
  plex,
  scannerOf,
  serverConfig,
  wrongCredentials,
  useScanFakes,
} from '../helpers/scan-fakes.js';

useScanFakes();

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
    const scan = scannerOf('emby');
    const results = await Promise.allSettled(
      ['Movies/Alien (1979)', 'Movies/Aliens (1986)', 'Movies/Alien 3 (1992)'].map((folder) =>
        scan([folder]),
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
    const err = await failureOf(scannerOf('plex')(['Movies/Alien (1979)'], 'Created', 'kodi'));
    expect(err).toMatchObject({ type: FailureType.INVALID_INPUT, nonRetryable: true });
    expect(err.message).toBe('unknown media server "kodi" (configured: "plex")');
  });

  test('a folder climbing out of the library fails with INVALID_INPUT and sends nothing', async () => {
    const err = await failureOf(scannerOf('autoscan')(['Movies/../../etc']));
    expect(err).toMatchObject({ type: FailureType.INVALID_INPUT, nonRetryable: true });
    expect(autoscan.requests).toHaveLength(0);
  });
});
