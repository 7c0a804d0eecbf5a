/** The *arr activities with Radarr: adds, monitoring, failures. */
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../../domain/failures.js';
import { FakeRadarr } from '../fakes/radarr.js';
import type { FakeRequest, FakeResponse } from '../fakes/http-fake.js';
import {
  appSettings,
  arrActivities,
  calls,
  libraryFile,
  MATRIX,
  matrixNotification,
  MOVIE_CATALOG,
  notification,
  RADARR_KEY,
  radarr,
  useArrFakes,
} from '../helpers/arr-apps.js';
import { failureOf } from '../helpers/env.js';

useArrFakes();

describe('adding a peer item to Radarr', () => {
  test('an absent movie is added unmonitored with exactly the ARR.md body, then rescanned so its file shows', async () => {
    libraryFile('Movies/The Matrix (1999)/The Matrix (1999).mkv');
    const { addToArrUnmonitored } = arrActivities();

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
    const { addToArrUnmonitored } = arrActivities();

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
    const { addToArrUnmonitored } = arrActivities(appSettings('radarr', { unmonitorExisting: true }));

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
    const { addToArrUnmonitored } = arrActivities();

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
    const { addToArrUnmonitored } = arrActivities();

    const err = await failureOf(
      addToArrUnmonitored({ notification: notification({ title: 'The Matrix Revisited', ids: {} }) }),
    );

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FailureType.NO_MEDIA_MATCH, nonRetryable: true });
    expect(err.message).toContain('[Radarr] failed to add movie: lookup of "The Matrix Revisited 1999"');
    expect(radarr.requestsTo('POST', '/api/v3/movie')).toEqual([]);
  });

  test('a wrong API key is a non-retryable ARR_AUTH_FAILED whose message never shows the key', async () => {
    const { addToArrUnmonitored } = arrActivities(appSettings('radarr', { apiKey: 'wrong-key-0123456789' }));

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
    const { addToArrUnmonitored } = arrActivities(
      appSettings('radarr', { qualityProfileId: 7, rootFolderPath: '/nowhere' }),
    );

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
      const { addToArrUnmonitored } = arrActivities(appSettings('radarr', { url: raced.url }));

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
    const { addToArrUnmonitored } = arrActivities();

    const err = await failureOf(addToArrUnmonitored({ notification: matrixNotification() }));

    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err.message).toBe('[Radarr] failed to find movie with tmdbId 603: GET /api/v3/movie answered 503');
  });

  test('Radarr not answering in time is a plain, retryable error', async () => {
    radarr.setLatency(500);
    const { addToArrUnmonitored } = arrActivities({}, 100);

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
