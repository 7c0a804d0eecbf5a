/**
 * The fake Radarr, Sonarr, Lidarr and Readarr of the *arr activity tests (test/activities/arr-*),
 * a temp library their rescans look at, and the `arr` settings that point at them, parsed from the
 * config schema (its defaults plus the test's values). {@link useArrFakes} starts fresh fakes and a
 * fresh library for every test; the bindings below follow them.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createArrActivities } from '../../activities/arr/activities.js';
import type { PeerNotification } from '../../domain/peers.js';
import { ConfigSchema, type ArrConfig } from '../../lib/config.js';
import type { ArrFake } from '../fakes/arr-fake-base.js';
import { FakeLidarr } from '../fakes/lidarr.js';
import { FakeRadarr } from '../fakes/radarr.js';
import { FakeReadarr } from '../fakes/readarr.js';
import { FakeSonarr } from '../fakes/sonarr.js';
import { tempDir } from './env.js';

/** The fake Radarr's API key. */
export const RADARR_KEY = 'radarr-key-0123456789abcdef';
const SONARR_KEY = 'sonarr-key-0123456789abcdef';
const LIDARR_KEY = 'lidarr-key-0123456789abcdef';
const READARR_KEY = 'readarr-key-0123456789abcdef';

/** Where the *arr apps see the library; the fakes' rescans look for files under the temp dir instead. */
const MEDIA = '/media';

/** Movies, series, artists and authors the fakes' lookups know. */
export const MATRIX = { tmdbId: 603, title: 'The Matrix', year: 1999 };
export const MOVIE_CATALOG = [
  MATRIX,
  { tmdbId: 604, title: 'The Matrix Reloaded', year: 2003 },
  { tmdbId: 624860, title: 'The Matrix Resurrections', year: 2021 },
  { tmdbId: 9999001, title: 'The Matrix', year: 2031 },
];
export const SEVERANCE = { tvdbId: 371980, title: 'Severance', year: 2022, seasons: [0, 1, 2] };
export const RADIOHEAD = { foreignArtistId: 'a74b1b7f-71a5-4011-9441-d0b5e4122711', artistName: 'Radiohead' };
export const LE_GUIN = { foreignAuthorId: '13325', authorName: 'Ursula K. Le Guin' };

let library: ReturnType<typeof tempDir>;
/** This test's fake Radarr (a new one for every test). */
export let radarr: FakeRadarr;
/** This test's fake Sonarr. */
export let sonarr: FakeSonarr;
/** This test's fake Lidarr. */
export let lidarr: FakeLidarr;
/** This test's fake Readarr. */
export let readarr: FakeReadarr;

/** True when the item's folder (the app sees it under /media) holds a file in the temp library. */
function folderHasFile(item: { path: string }): boolean {
  const folder = path.join(library.dir, path.relative(MEDIA, item.path));
  return (
    existsSync(folder) &&
    readdirSync(folder, { recursive: true, withFileTypes: true }).some((e) => e.isFile())
  );
}

/** Puts a file into the temp library at a library-relative path. */
export function libraryFile(relativePath: string): void {
  const file = path.join(library.dir, relativePath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'video');
}

/**
 * The `arr` settings of the four fakes, parsed from the config schema (so its defaults apply:
 * `unmonitorExisting: false`, `minimumAvailability`, `seriesType`), with `overrides` per app.
 */
export function arrConfig(overrides: Partial<ArrConfig> = {}): ArrConfig {
  return {
    ...ConfigSchema.shape.arr.parse({
      radarr: { url: radarr.url, apiKey: RADARR_KEY, qualityProfileId: 1, rootFolderPath: `${MEDIA}/Movies` },
      sonarr: { url: sonarr.url, apiKey: SONARR_KEY, qualityProfileId: 1, rootFolderPath: `${MEDIA}/Shows` },
      lidarr: {
        url: lidarr.url,
        apiKey: LIDARR_KEY,
        qualityProfileId: 1,
        metadataProfileId: 2,
        rootFolderPath: `${MEDIA}/Music`,
      },
      readarr: {
        url: readarr.url,
        apiKey: READARR_KEY,
        qualityProfileId: 1,
        metadataProfileId: 3,
        rootFolderPath: `${MEDIA}/Books`,
      },
    }),
    ...overrides,
  };
}

/**
 * The *arr activities against the fakes: the {@link arrConfig} of `overrides`, and the per-request
 * timeout `fetchTimeoutMs` when given.
 */
export function arrActivities(overrides: Partial<ArrConfig> = {}, fetchTimeoutMs?: number) {
  return createArrActivities({
    arr: arrConfig(overrides),
    ...(fetchTimeoutMs === undefined ? {} : { fetchTimeoutMs }),
  });
}

/** `arr` overrides that change some of one app's settings, e.g. `appSettings('radarr', { unmonitorExisting: true })`. */
export function appSettings<A extends keyof ArrConfig>(
  app: A,
  settings: Partial<NonNullable<ArrConfig[A]>>,
): Partial<ArrConfig> {
  return { [app]: { ...arrConfig()[app]!, ...settings } };
}

/** A peer's notification of The Matrix (movie, tmdbId 603), with `extra` over it. */
export function notification(extra: Partial<PeerNotification>): PeerNotification {
  return {
    notificationId: 'media:abc#1',
    itemId: 'media:abc',
    seq: 1,
    event: 'imported',
    libraryPath: 'Movies/The Matrix (1999)/The Matrix (1999).mkv',
    kind: 'movie',
    title: 'The Matrix',
    year: 1999,
    ids: { tmdbId: 603 },
    ...extra,
  };
}

/** The Matrix, as a peer notifies it. */
export const matrixNotification = () => notification({});
/** Severance S01E01, as a peer notifies it (tvdbId). */
export const severanceNotification = () =>
  notification({
    kind: 'episode',
    libraryPath: 'Shows/Severance/Season 01/Severance - S01E01.mkv',
    title: 'Severance',
    year: undefined,
    season: 1,
    episodes: [1],
    ids: { tvdbId: SEVERANCE.tvdbId },
  });

/** `[method, path, status]` of every request a fake received. */
export const calls = (fake: ArrFake) => fake.received.map((r) => [r.method, r.path, r.status]);

/**
 * Starts fresh fakes and an empty temp library before every test (call it at the top of a test
 * file); after each test, checks that nothing any client sent fell outside the apps' specs.
 */
export function useArrFakes(): void {
  beforeEach(async () => {
    library = tempDir('vaultarr-arr-');
    radarr = new FakeRadarr({ apiKey: RADARR_KEY, catalog: MOVIE_CATALOG, fileExists: folderHasFile });
    sonarr = new FakeSonarr({ apiKey: SONARR_KEY, catalog: [SEVERANCE], fileExists: folderHasFile });
    lidarr = new FakeLidarr({ apiKey: LIDARR_KEY, catalog: [RADIOHEAD], fileExists: folderHasFile });
    readarr = new FakeReadarr({ apiKey: READARR_KEY, catalog: [LE_GUIN], fileExists: folderHasFile });
    for (const fake of [radarr, sonarr, lidarr, readarr]) await fake.start();
  });

  afterEach(async () => {
    for (const fake of [radarr, sonarr, lidarr, readarr]) {
      // Whatever a test did, nothing any client sent may fall outside the apps' specs.
      expect(fake.received.filter((r) => r.authorized && !r.spec?.valid)).toEqual([]);
      await fake.stop();
    }
    library.cleanup();
  });
}
