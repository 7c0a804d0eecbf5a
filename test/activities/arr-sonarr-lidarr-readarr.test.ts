/**
 * The *arr activities with Sonarr (a series added with every season unmonitored, monitoring),
 * Lidarr and Readarr (artists and authors added unmonitored).
 */
import { createArrActivities } from '../../activities/arr/activities.js';
import {
  arrConfig,
  calls,
  LE_GUIN,
  libraryFile,
  lidarr,
  notification,
  RADIOHEAD,
  readarr,
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
