/** The *arr activities with Sonarr: a series added with every season unmonitored, monitoring. */
import { createArrActivities } from '../../activities/arr/activities.js';
import {
  arrConfig,
  calls,
  libraryFile,
  SEVERANCE,
  severanceNotification,
  sonarr,
  useArrFakes,
} from '../helpers/arr-apps.js';

useArrFakes();

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
