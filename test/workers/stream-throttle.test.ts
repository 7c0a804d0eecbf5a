import { createMediaServer, isLanAddress } from '../../activities/scan/servers/index.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { waitFor } from '../../lib/infra/wait.js';
import { bwLimitAt, StreamThrottle, throttleSettings } from '../../workers/stream-throttle.js';
import { testConfig } from '../helpers/config.js';
import { FakeEmby } from '../fakes/emby.js';
import { FakeJellyfin } from '../fakes/jellyfin.js';
import { FakePlex } from '../fakes/plex.js';
import type { FakeStream } from '../fakes/sessions.js';
import { tempDir } from '../helpers/env.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';

const plex = new FakePlex({ token: 'plex-token-0123456789', sections: [] });
const jellyfin = new FakeJellyfin({ apiKey: 'jellyfin-key-0123456789' });
const emby = new FakeEmby({ apiKey: 'emby-key-0123456789' });
const fakes = [plex, jellyfin, emby];

const servers = () =>
  (
    [
      { name: 'plex', type: 'plex', url: plex.url, token: 'plex-token-0123456789' },
      { name: 'jellyfin', type: 'jellyfin', url: jellyfin.url, token: 'jellyfin-key-0123456789' },
      { name: 'emby', type: 'emby', url: emby.url, token: 'emby-key-0123456789' },
    ] as const
  ).map((c) => createMediaServer({ ...c, pathRewrites: [] } as MediaServerConfig));

const remotePlaying: FakeStream = { user: 'alice', title: 'Heat', remote: true, state: 'playing' };
const remotePaused: FakeStream = { user: 'bob', title: 'Ronin', remote: true, state: 'paused' };
const localPlaying: FakeStream = { user: 'carol', title: 'Alien', remote: false, state: 'playing' };

let vault: ReturnType<typeof tempDir>;
let rclone: Rclone;

beforeAll(async () => {
  await Promise.all(fakes.map((f) => f.start()));
  vault = tempDir('vaultarr-throttle-');
});

beforeEach(() => {
  for (const f of fakes) f.streams = [];
});

afterEach(async () => {
  await rclone?.close();
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
  vault.cleanup();
});

describe('media servers report their remote streams', () => {
  test.each(['plex', 'jellyfin', 'emby'] as const)(
    '%s counts a remote stream that plays, not a paused or a local one',
    async (type) => {
      const fake = { plex, jellyfin, emby }[type];
      fake.streams = [remotePlaying, remotePaused, localPlaying];
      const server = servers().find((s) => s.type === type)!;
      expect(await server.remoteStreams!()).toBe(1);
      fake.streams = [];
      expect(await server.remoteStreams!()).toBe(0);
    },
  );

  test('LAN addresses are loopback, private, link-local and their IPv6 forms', () => {
    for (const lan of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.5',
      '192.168.1.10',
      '::1',
      'fd00::1',
      '::ffff:192.168.0.2',
    ])
      expect(isLanAddress(lan)).toBe(true);
    for (const wan of ['203.0.113.7', '172.32.0.1', '2001:db8::1', '']) expect(isLanAddress(wan)).toBe(false);
  });
});

describe('stream-aware throttling of the rclone daemon', () => {
  test('a remote Plex stream throttles the daemon to vault.throttle.bwLimit; its end restores vault.bwLimit', async () => {
    rclone = new Rclone(testRcloneSettings({ remote: vault.dir, bwLimit: '8M' }));
    const throttle = new StreamThrottle({
      servers: servers(),
      control: rclone,
      settings: throttleSettings(
        testConfig({ vault: { bwLimit: '8M', throttle: { minStreams: 1, bwLimit: '1M', pollSeconds: 60 } } }),
      )!,
    });
    expect(await rclone.bwLimit()).toBe('8Mi');

    plex.streams = [remotePlaying];
    expect(await throttle.check()).toMatchObject({ throttled: true, totalStreams: 1, streams: { plex: 1 } });
    expect(await rclone.bwLimit()).toBe('1Mi');

    plex.streams = [];
    expect(await throttle.check()).toMatchObject({ throttled: false, totalStreams: 0 });
    expect(await rclone.bwLimit()).toBe('8Mi');
  });

  test('minStreams counts the streams of Jellyfin and Emby together, and paused streams do not count', async () => {
    rclone = new Rclone(testRcloneSettings({ remote: vault.dir }));
    const throttle = new StreamThrottle({
      servers: servers(),
      control: rclone,
      settings: throttleSettings(
        testConfig({ vault: { throttle: { minStreams: 2, bwLimit: '512K', pollSeconds: 60 } } }),
      )!,
    });
    jellyfin.streams = [remotePlaying];
    expect((await throttle.check()).throttled).toBe(false);
    expect(await rclone.bwLimit()).toBe('off');

    emby.streams = [remotePlaying];
    expect((await throttle.check()).throttled).toBe(true);
    expect(await rclone.bwLimit()).toBe('512Ki');

    emby.streams = [remotePaused];
    expect((await throttle.check()).throttled).toBe(false);
    expect(await rclone.bwLimit()).toBe('off');
  });

  test('the started poller throttles on its own, counts a server that is down as 0, and stop() restores the limit', async () => {
    rclone = new Rclone(testRcloneSettings({ remote: vault.dir }));
    const throttle = new StreamThrottle({
      servers: servers(),
      control: rclone,
      settings: throttleSettings(
        testConfig({ vault: { throttle: { minStreams: 1, bwLimit: '2M', pollSeconds: 0.1 } } }),
      )!,
    });
    await jellyfin.setDown(true);
    try {
      throttle.start();
      emby.streams = [remotePlaying];
      // The poll records its state once the daemon took the rate: wait for both.
      await waitFor(
        'the daemon to be throttled',
        async () => (await rclone.bwLimit()) === '2Mi' && throttle.state.throttled,
        10_000,
      );
      expect(throttle.state.streams).toEqual({ plex: 0, jellyfin: 0, emby: 1 });
      await throttle.stop();
      expect(await rclone.bwLimit()).toBe('off');
    } finally {
      await throttle.stop();
      await jellyfin.setDown(false);
    }
  });
});

describe('bwLimitAt', () => {
  test('a single rate is itself', () => {
    expect(bwLimitAt('8M', new Date(2026, 10, 30, 12, 0))).toBe('8M');
  });

  test('a daily timetable gives the slot that began last, wrapping past midnight', () => {
    const table = '08:00,2M 23:00,off';
    expect(bwLimitAt(table, new Date(2026, 10, 30, 9, 0))).toBe('2M');
    expect(bwLimitAt(table, new Date(2026, 10, 30, 23, 30))).toBe('off');
    expect(bwLimitAt(table, new Date(2026, 10, 30, 7, 59))).toBe('off');
  });

  test('weekday slots hold until the next one, across the week', () => {
    const table = 'Mon-08:00,2M Fri-18:00,off';
    // 30 Nov 2026 is a Monday.
    expect(bwLimitAt(table, new Date(2026, 10, 30, 7, 0))).toBe('off');
    expect(bwLimitAt(table, new Date(2026, 11, 2, 12, 0))).toBe('2M');
    expect(bwLimitAt(table, new Date(2026, 11, 5, 10, 0))).toBe('off');
  });
});
