/**
 * The fake Plex, Jellyfin, Emby and autoscan of the scan tests, with a config entry for each and
 * the scan activities built on them. A test file calls {@link useScanFakes} once at its top.
 */
import {
  createScanActivities,
  type ScanDeps,
  type ScanMediaServerInput,
} from '../../activities/scan/activities.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { FakeAutoscan } from '../fakes/autoscan.js';
import { FakeEmby } from '../fakes/emby.js';
import { FakeJellyfin } from '../fakes/jellyfin.js';
import { FakePlex } from '../fakes/plex.js';

/** The credentials each fake takes. */
export const PLEX_TOKEN = 'plex-token-0123456789';
export const JELLYFIN_KEY = 'jellyfin-key-0123456789';
export const EMBY_KEY = 'emby-key-0123456789';
export const AUTOSCAN_USER = 'vaultarr';
export const AUTOSCAN_PASSWORD = 'autoscan-password-0123456789';

/** The fakes, one per server type; {@link useScanFakes} starts them. */
export const plex = new FakePlex({
  token: PLEX_TOKEN,
  sections: [
    { key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] },
    { key: '2', title: 'TV Shows', type: 'show', locations: ['/media/Shows'] },
  ],
});
/** Plex's sections as each test starts with them. */
export const plexSections = [...plex.sections];
export const jellyfin = new FakeJellyfin({
  apiKey: JELLYFIN_KEY,
  libraries: [{ name: 'Movies', collectionType: 'movies', locations: ['/media/Movies'] }],
});
export const emby = new FakeEmby({ apiKey: EMBY_KEY });
export const autoscan = new FakeAutoscan({ username: AUTOSCAN_USER, password: AUTOSCAN_PASSWORD });
const fakes = [plex, jellyfin, emby, autoscan];

/** A `mediaServers[].type`. */
export type ServerType = MediaServerConfig['type'];

/** A config entry for the fake of a type, named after the type. */
export function serverConfig(type: ServerType, extra: Partial<MediaServerConfig> = {}): MediaServerConfig {
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
export const wrongCredentials: Record<ServerType, Partial<MediaServerConfig>> = {
  plex: { token: 'wrong-plex-token' },
  jellyfin: { token: 'wrong-jellyfin-key' },
  emby: { token: 'wrong-emby-key' },
  autoscan: { password: 'wrong-autoscan-password' },
};

/** The fake of each server type. */
export const fakeOf = { plex, jellyfin, emby, autoscan } as const;

/** The scan activities for `servers`, merging within 50 ms unless `extra` says otherwise. */
export function activities(servers: MediaServerConfig[], extra: Partial<ScanDeps> = {}) {
  return createScanActivities({ servers, defaultLibraryRoot: '/union', mergeWindowMs: 50, ...extra });
}

/**
 * Scans on the fake of `type` alone (its {@link serverConfig} entry): `scan(folders, updateType,
 * target)`, `Created` on the server named after the type unless said otherwise; every call goes
 * through the same activities, so their merge window and caches carry over.
 */
export function scannerOf(type: ServerType) {
  const { scanMediaServer } = activities([serverConfig(type)]);
  return (
    folders: string[],
    updateType: ScanMediaServerInput['updateType'] = 'Created',
    target: string = type,
  ) => scanMediaServer({ target, folders, updateType });
}

/** The `Authorization` header of basic auth. */
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the fakes before the file's tests, resets them after each, stops them after all. */
export function useScanFakes(): void {
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
}
