import { ApplicationFailure } from '@temporalio/activity';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createArrActivities } from '../../activities/arr/activities.js';
import { FailureType } from '../../domain/failures.js';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import { tempDir } from '../helpers/env.js';
import type { ArrFake } from '../fakes/arr-fake-base.js';
import { FakeLidarr } from '../fakes/lidarr.js';
import { FakeRadarr } from '../fakes/radarr.js';
import { FakeReadarr } from '../fakes/readarr.js';
import { FakeSonarr } from '../fakes/sonarr.js';
import type { FakeRequest, FakeResponse } from '../fakes/http-fake.js';
import { failureOf } from '../helpers/env.js';

const RADARR_KEY = 'radarr-key-0123456789abcdef';
const SONARR_KEY = 'sonarr-key-0123456789abcdef';
const LIDARR_KEY = 'lidarr-key-0123456789abcdef';
const READARR_KEY = 'readarr-key-0123456789abcdef';

/** Where the *arr apps see the library; the fakes' rescans look for files under the temp dir instead. */
const MEDIA = '/media';

const MATRIX = { tmdbId: 603, title: 'The Matrix', year: 1999 };
const MOVIE_CATALOG = [
  MATRIX,
  { tmdbId: 604, title: 'The Matrix Reloaded', year: 2003 },
  { tmdbId: 624860, title: 'The Matrix Resurrections', year: 2021 },
  { tmdbId: 9999001, title: 'The Matrix', year: 2031 },
];
const SEVERANCE = { tvdbId: 371980, title: 'Severance', year: 2022, seasons: [0, 1, 2] };
const RADIOHEAD = { foreignArtistId: 'a74b1b7f-71a5-4011-9441-d0b5e4122711', artistName: 'Radiohead' };
const LE_GUIN = { foreignAuthorId: '13325', authorName: 'Ursula K. Le Guin' };

let library: ReturnType<typeof tempDir>;
let radarr: FakeRadarr;
let sonarr: FakeSonarr;
let lidarr: FakeLidarr;
let readarr: FakeReadarr;

/** True when the item's folder (the app sees it under /media) holds a file in the temp library. */
function folderHasFile(item: { path: string }): boolean {
  const folder = path.join(library.dir, path.relative(MEDIA, item.path));
  return (
    existsSync(folder) &&
    readdirSync(folder, { recursive: true, withFileTypes: true }).some((e) => e.isFile())
  );
}

/** Puts a file into the temp library at a library-relative path. */
function libraryFile(relativePath: string): void {
  const file = path.join(library.dir, relativePath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'video');
}

function arrConfig(overrides: Partial<ArrConfig> = {}): ArrConfig {
  return {
    radarr: {
      url: radarr.url,
      apiKey: RADARR_KEY,
      qualityProfileId: 1,
      rootFolderPath: `${MEDIA}/Movies`,
      unmonitorExisting: false,
      minimumAvailability: 'released',
    },
    sonarr: {
      url: sonarr.url,
      apiKey: SONARR_KEY,
      qualityProfileId: 1,
      rootFolderPath: `${MEDIA}/Shows`,
      unmonitorExisting: false,
      seriesType: 'standard',
    },
    lidarr: {
      url: lidarr.url,
      apiKey: LIDARR_KEY,
      qualityProfileId: 1,
      metadataProfileId: 2,
      rootFolderPath: `${MEDIA}/Music`,
      unmonitorExisting: false,
    },
    readarr: {
      url: readarr.url,
      apiKey: READARR_KEY,
      qualityProfileId: 1,
      metadataProfileId: 3,
      rootFolderPath: `${MEDIA}/Books`,
      unmonitorExisting: false,
    },
    ...overrides,
  };
}

function notification(extra: Partial<PeerNotification>): PeerNotification {
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

const matrixNotification = () => notification({});
const severanceNotification = () =>
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
const calls = (fake: ArrFake) => fake.received.map((r) => [r.method, r.path, r.status]);

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

describe('adding a peer item to Radarr', () => {
  test('an absent movie is added unmonitored with exactly the ARR.md body, then rescanned so its file shows', async () => {
    libraryFile('Movies/The Matrix (1999)/The Matrix (1999).mkv');
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

    const movie = radarr.movie(603)!;
    expect(outcome).toEqual({ app: 'radarr', action: 'added', id: movie.id, rescanned: true });
    expect(calls(radarr)).toEqual([
      ['GET', '/api/v3/movie', 200],
      ['GET', '/api/v3/movie/lookup/tmdb', 200],
      ['POST', '/api/v3/movie', 201],
      ['POST', '/api/v3/command', 201],
    ]);
    expect(radarr.received[0]!.query).toEqual({ tmdbId: ['603'] });
    expect(radarr.requestsTo('POST', '/api/v3/movie')[0]!.body).toEqual({
      tmdbId: 603,
      title: 'The Matrix',
      qualityProfileId: 1,
      rootFolderPath: '/media/Movies',
      monitored: false,
      minimumAvailability: 'released',
      tags: [],
      addOptions: { searchForMovie: false, monitor: 'none' },
    });
    expect(radarr.requestsTo('POST', '/api/v3/command')[0]!.body).toEqual({
      name: 'RescanMovie',
      movieId: movie.id,
    });
    expect(movie).toMatchObject({ monitored: false, hasFile: true, path: '/media/Movies/The Matrix (1999)' });
  });

  test('a movie Radarr already has keeps its monitoring: no add, no editor call, only a rescan', async () => {
    const existing = radarr.seedMovie({ ...MATRIX, monitored: true });
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

    expect(outcome).toEqual({ app: 'radarr', action: 'present', id: existing.id, rescanned: true });
    expect(calls(radarr)).toEqual([
      ['GET', '/api/v3/movie', 200],
      ['POST', '/api/v3/command', 201],
    ]);
    expect(radarr.movies).toHaveLength(1);
    expect(radarr.movie(603)!.monitored).toBe(true);
  });

  test('with unmonitorExisting, a monitored movie Radarr already has is set unmonitored through the editor', async () => {
    const existing = radarr.seedMovie({ ...MATRIX, monitored: true });
    const config = arrConfig();
    const { addToArrUnmonitored } = createArrActivities({
      arr: { ...config, radarr: { ...config.radarr!, unmonitorExisting: true } },
    });

    const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

    expect(outcome).toEqual({ app: 'radarr', action: 'unmonitored', id: existing.id, rescanned: true });
    expect(calls(radarr)).toEqual([
      ['GET', '/api/v3/movie', 200],
      ['PUT', '/api/v3/movie/editor', 202],
      ['POST', '/api/v3/command', 201],
    ]);
    expect(radarr.requestsTo('PUT', '/api/v3/movie/editor')[0]!.body).toEqual({
      movieIds: [existing.id],
      monitored: false,
    });
    expect(radarr.movie(603)!.monitored).toBe(false);
  });

  test('without a tmdbId the movie is looked up by "title year" and the exact title and year match is added', async () => {
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({ notification: notification({ ids: {} }) });

    expect(outcome).toMatchObject({ app: 'radarr', action: 'added' });
    expect(radarr.received[0]).toMatchObject({
      method: 'GET',
      path: '/api/v3/movie/lookup',
      query: { term: ['The Matrix 1999'] },
      status: 200,
    });
    expect(radarr.requestsTo('POST', '/api/v3/movie')[0]!.body).toMatchObject({
      tmdbId: 603,
      title: 'The Matrix',
    });
    expect(radarr.movies.map((m) => m.tmdbId)).toEqual([603]);
  });

  test('without a tmdbId and no exact title match the add fails as NO_MEDIA_MATCH, not retried', async () => {
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const err = await failureOf(
      addToArrUnmonitored({ notification: notification({ title: 'The Matrix Revisited', ids: {} }) }),
    );

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.NO_MEDIA_MATCH, nonRetryable: true });
    expect(err.message).toContain('[Radarr] failed to add movie: lookup of "The Matrix Revisited 1999"');
    expect(radarr.requestsTo('POST', '/api/v3/movie')).toEqual([]);
  });

  test('a wrong API key is a non-retryable ARR_AUTH_FAILED whose message never shows the key', async () => {
    const config = arrConfig();
    const { addToArrUnmonitored } = createArrActivities({
      arr: { ...config, radarr: { ...config.radarr!, apiKey: 'wrong-key-0123456789' } },
    });

    const err = await failureOf(addToArrUnmonitored({ notification: matrixNotification() }));

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.ARR_AUTH_FAILED, nonRetryable: true });
    expect(err.message).toBe(
      '[Radarr] failed to find movie with tmdbId 603: GET /api/v3/movie answered 401: the API key was refused (check arr.radarr.apiKey)',
    );
    expect(err.message).not.toContain('wrong-key');
    expect(calls(radarr)).toEqual([['GET', '/api/v3/movie', 401]]);
  });

  test('a 400 validation array is a non-retryable ARR_REJECTED listing each property and message', async () => {
    const config = arrConfig();
    const { addToArrUnmonitored } = createArrActivities({
      arr: { ...config, radarr: { ...config.radarr!, qualityProfileId: 7, rootFolderPath: '/nowhere' } },
    });

    const err = await failureOf(addToArrUnmonitored({ notification: matrixNotification() }));

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.ARR_REJECTED, nonRetryable: true });
    expect(err.message).toBe(
      '[Radarr] failed to add movie "The Matrix" (1999, tmdbId 603): ' +
        "QualityProfileId: Quality Profile does not exist; RootFolderPath: Root folder '/nowhere' does not exist",
    );
    expect(radarr.requestsTo('POST', '/api/v3/movie').map((r) => r.status)).toEqual([400]);
    expect(radarr.movies).toEqual([]);
  });

  test('a duplicate-add 400 (someone added the movie meanwhile) counts as present and the movie is left alone', async () => {
    const raced = new RacingRadarr({ apiKey: RADARR_KEY, catalog: MOVIE_CATALOG });
    await raced.start();
    try {
      const { addToArrUnmonitored } = createArrActivities({
        arr: arrConfig({ radarr: { ...arrConfig().radarr!, url: raced.url } }),
      });

      const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

      expect(outcome).toEqual({
        app: 'radarr',
        action: 'present',
        id: raced.movie(603)!.id,
        rescanned: true,
      });
      expect(calls(raced)).toEqual([
        ['GET', '/api/v3/movie', 200],
        ['GET', '/api/v3/movie/lookup/tmdb', 200],
        ['POST', '/api/v3/movie', 400],
        ['GET', '/api/v3/movie', 200],
        ['POST', '/api/v3/command', 201],
      ]);
      expect(raced.movies).toHaveLength(1);
      expect(raced.movie(603)!.monitored).toBe(true);
    } finally {
      await raced.stop();
    }
  });

  test('Radarr answering 503 is a plain, retryable error', async () => {
    await radarr.setDown(true, '503');
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const err = await failureOf(addToArrUnmonitored({ notification: matrixNotification() }));

    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toBe('[Radarr] failed to find movie with tmdbId 603: GET /api/v3/movie answered 503');
  });

  test('Radarr not answering in time is a plain, retryable error', async () => {
    radarr.setLatency(500);
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig(), fetchTimeoutMs: 100 });

    const err = await failureOf(addToArrUnmonitored({ notification: matrixNotification() }));

    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toBe(
      '[Radarr] failed to find movie with tmdbId 603: GET /api/v3/movie timed out after 100 ms',
    );
  });
});

/** A Radarr where a human adds the movie (monitored) just before our add arrives. */
class RacingRadarr extends FakeRadarr {
  protected override route(req: FakeRequest): Promise<FakeResponse> {
    if (req.method === 'POST' && req.path === '/api/v3/movie' && !this.movie(603))
      this.seedMovie({ ...MATRIX, monitored: true });
    return super.route(req);
  }
}

describe('adding a peer item to Sonarr', () => {
  test('an absent series is added with the series and every season unmonitored, then rescanned', async () => {
    libraryFile('Shows/Severance/Season 01/Severance - S01E01.mkv');
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({ notification: severanceNotification() });

    const series = sonarr.byTvdbId(SEVERANCE.tvdbId)!;
    expect(outcome).toEqual({ app: 'sonarr', action: 'added', id: series.id, rescanned: true });
    expect(calls(sonarr)).toEqual([
      ['GET', '/api/v3/series', 200],
      ['GET', '/api/v3/series/lookup', 200],
      ['POST', '/api/v3/series', 201],
      ['POST', '/api/v3/command', 201],
    ]);
    expect(sonarr.received[1]!.query).toEqual({ term: ['tvdb:371980'] });
    expect(sonarr.requestsTo('POST', '/api/v3/series')[0]!.body).toEqual({
      tvdbId: 371980,
      title: 'Severance',
      qualityProfileId: 1,
      rootFolderPath: '/media/Shows',
      monitored: false,
      monitorNewItems: 'none',
      seasonFolder: true,
      seriesType: 'standard',
      seasons: [
        { seasonNumber: 0, monitored: false },
        { seasonNumber: 1, monitored: false },
        { seasonNumber: 2, monitored: false },
      ],
      addOptions: { monitor: 'none', searchForMissingEpisodes: false, searchForCutoffUnmetEpisodes: false },
    });
    expect(sonarr.requestsTo('POST', '/api/v3/command')[0]!.body).toEqual({
      name: 'RescanSeries',
      seriesId: series.id,
    });
    expect(series).toMatchObject({ monitored: false, monitorNewItems: 'none', hasFile: true });
    expect(series.seasons.every((s) => !s.monitored)).toBe(true);
  });

  test('with unmonitorExisting, a monitored series Sonarr already has is set unmonitored through the editor', async () => {
    const existing = sonarr.seedSeries({ ...SEVERANCE, seasons: undefined });
    const config = arrConfig();
    const { addToArrUnmonitored } = createArrActivities({
      arr: { ...config, sonarr: { ...config.sonarr!, unmonitorExisting: true } },
    });

    const outcome = await addToArrUnmonitored({ notification: severanceNotification() });

    expect(outcome).toEqual({ app: 'sonarr', action: 'unmonitored', id: existing.id, rescanned: true });
    expect(sonarr.requestsTo('PUT', '/api/v3/series/editor')[0]).toMatchObject({
      body: { seriesIds: [existing.id], monitored: false },
      status: 202,
    });
    expect(sonarr.requestsTo('POST', '/api/v3/series')).toEqual([]);
    expect(existing.monitored).toBe(false);
  });
});

describe('adding peer items to Lidarr and Readarr', () => {
  test('an absent artist is added to Lidarr unmonitored with its MusicBrainz id, then refreshed', async () => {
    libraryFile('Music/Radiohead/OK Computer/01 Airbag.flac');
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({
      notification: notification({
        kind: 'music',
        libraryPath: 'Music/Radiohead/OK Computer/01 Airbag.flac',
        title: 'Radiohead',
        album: 'OK Computer',
        year: 1997,
        ids: { musicBrainzArtistId: RADIOHEAD.foreignArtistId },
      }),
    });

    const artist = lidarr.artist(RADIOHEAD.foreignArtistId)!;
    expect(outcome).toEqual({ app: 'lidarr', action: 'added', id: artist.id, rescanned: true });
    expect(lidarr.received[0]).toMatchObject({
      path: '/api/v1/artist',
      query: { mbId: [RADIOHEAD.foreignArtistId] },
    });
    expect(lidarr.requestsTo('POST', '/api/v1/artist')[0]).toMatchObject({
      status: 201,
      body: {
        artistName: 'Radiohead',
        foreignArtistId: RADIOHEAD.foreignArtistId,
        qualityProfileId: 1,
        metadataProfileId: 2,
        rootFolderPath: '/media/Music',
        monitored: false,
        addOptions: { monitor: 'none', searchForMissingAlbums: false },
      },
    });
    expect(lidarr.requestsTo('POST', '/api/v1/command')[0]!.body).toEqual({
      name: 'RefreshArtist',
      artistId: artist.id,
    });
    expect(artist).toMatchObject({ monitored: false, hasFile: true });
  });

  test('an absent author is added to Readarr unmonitored with its foreign id, then refreshed', async () => {
    libraryFile('Books/Ursula K. Le Guin/A Wizard of Earthsea/A Wizard of Earthsea.epub');
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({
      notification: notification({
        kind: 'book',
        libraryPath: 'Books/Ursula K. Le Guin/A Wizard of Earthsea/A Wizard of Earthsea.epub',
        title: 'Ursula K. Le Guin',
        book: 'A Wizard of Earthsea',
        year: 1968,
        ids: { foreignAuthorId: LE_GUIN.foreignAuthorId },
      }),
    });

    const author = readarr.author(LE_GUIN.foreignAuthorId)!;
    expect(outcome).toEqual({ app: 'readarr', action: 'added', id: author.id, rescanned: true });
    expect(readarr.requestsTo('POST', '/api/v1/author')[0]).toMatchObject({
      status: 201,
      body: {
        authorName: 'Ursula K. Le Guin',
        foreignAuthorId: LE_GUIN.foreignAuthorId,
        qualityProfileId: 1,
        metadataProfileId: 3,
        rootFolderPath: '/media/Books',
        monitored: false,
        addOptions: { monitor: 'none', searchForMissingBooks: false },
      },
    });
    expect(readarr.requestsTo('POST', '/api/v1/command')[0]!.body).toEqual({
      name: 'RefreshAuthor',
      authorId: author.id,
    });
    expect(author).toMatchObject({ monitored: false, hasFile: true });
  });
});

describe('routing and rescans', () => {
  test('an item whose app is not configured is skipped without a request', async () => {
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig({ radarr: undefined }) });

    const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

    expect(outcome).toEqual({ action: 'skipped', reason: 'no radarr configured' });
    expect(radarr.received).toEqual([]);
  });

  test('an item of unknown kind is skipped without a request', async () => {
    const { addToArrUnmonitored } = createArrActivities({ arr: arrConfig() });

    const outcome = await addToArrUnmonitored({ notification: notification({ kind: 'unknown' }) });

    expect(outcome).toEqual({ action: 'skipped', reason: 'kind unknown has no *arr app' });
    for (const fake of [radarr, sonarr, lidarr, readarr]) expect(fake.received).toEqual([]);
  });

  test('a rescan of a movie Radarr does not have answers absent and sends no command', async () => {
    const { rescanArrItem } = createArrActivities({ arr: arrConfig() });

    const outcome = await rescanArrItem({ notification: notification({ event: 'deleted' }) });

    expect(outcome).toEqual({
      app: 'radarr',
      action: 'absent',
      reason: 'no movie with tmdbId 603 in Radarr',
    });
    expect(calls(radarr)).toEqual([['GET', '/api/v3/movie', 200]]);
  });

  test('a rescan of a deleted movie Radarr has makes it see the file gone', async () => {
    const existing = radarr.seedMovie({ ...MATRIX, hasFile: true });
    const { rescanArrItem } = createArrActivities({ arr: arrConfig() });

    const outcome = await rescanArrItem({ notification: notification({ event: 'deleted' }) });

    expect(outcome).toEqual({ app: 'radarr', action: 'rescanned', id: existing.id, rescanned: true });
    expect(radarr.requestsTo('POST', '/api/v3/command')[0]!.body).toEqual({
      name: 'RescanMovie',
      movieId: existing.id,
    });
    expect(existing.hasFile).toBe(false);
  });
});

describe('the fake *arr apps hold requests to the OpenAPI specs', () => {
  test('a body the Radarr spec refuses is answered 400 with the problems and logged as outside the spec', async () => {
    const res = await fetch(`${radarr.url}/api/v3/movie`, {
      method: 'POST',
      headers: { 'X-Api-Key': RADARR_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tmdbId: 603, title: 'The Matrix', addOptions: { searchForMovies: false } }),
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([
      {
        propertyName: 'body.addOptions',
        errorMessage: 'has unknown property "searchForMovies"',
        attemptedValue: null,
        severity: 'error',
        errorCode: 'OpenApiSpec',
      },
    ]);
    expect(radarr.received[0]!.spec).toEqual({
      operation: 'POST /api/v3/movie',
      valid: false,
      problems: ['body.addOptions: has unknown property "searchForMovies"'],
    });
    expect(radarr.movies).toEqual([]);
    radarr.reset();
  });

  test('a key in ?apikey= is accepted like the header, a wrong one is answered 401 with an empty body', async () => {
    const ok = await fetch(`${radarr.url}/api/v3/movie?apikey=${RADARR_KEY}`);
    const refused = await fetch(`${radarr.url}/api/v3/movie?apikey=nope`);

    expect(ok.status).toBe(200);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe('');
  });
});
