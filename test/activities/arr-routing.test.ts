/** The *arr activities' routing by kind and rescans, and the fakes' own spec checks. */
import {
  arrActivities,
  calls,
  lidarr,
  MATRIX,
  matrixNotification,
  notification,
  RADARR_KEY,
  radarr,
  readarr,
  sonarr,
  useArrFakes,
} from '../helpers/arr-apps.js';

useArrFakes();

describe('routing and rescans', () => {
  test('an item whose app is not configured is skipped without a request', async () => {
    const { addToArrUnmonitored } = arrActivities({ radarr: undefined });

    const outcome = await addToArrUnmonitored({ notification: matrixNotification() });

    expect(outcome).toEqual({ action: 'skipped', reason: 'no radarr configured' });
    expect(radarr.received).toEqual([]);
  });

  test('an item of unknown kind is skipped without a request', async () => {
    const { addToArrUnmonitored } = arrActivities();

    const outcome = await addToArrUnmonitored({ notification: notification({ kind: 'unknown' }) });

    expect(outcome).toEqual({ action: 'skipped', reason: 'kind unknown has no *arr app' });
    for (const fake of [radarr, sonarr, lidarr, readarr]) expect(fake.received).toEqual([]);
  });

  test('a rescan of a movie Radarr does not have answers absent and sends no command', async () => {
    const { rescanArrItem } = arrActivities();

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
    const { rescanArrItem } = arrActivities();

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
