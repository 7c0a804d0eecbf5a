/**
 * The *arr activities with Sonarr (a series added with every season unmonitored, monitoring),
 * Lidarr and Readarr (artists and authors added unmonitored).
 */
import {
  appSettings,
  arrActivities,
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
    const { addToArrUnmonitored } = arrActivities();

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
    const { addToArrUnmonitored } = arrActivities(appSettings('sonarr', { unmonitorExisting: true }));

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
  test.each([
    {
      name: 'an absent artist is added to Lidarr unmonitored with its MusicBrainz id, then refreshed',
      app: 'lidarr',
      key: RADIOHEAD.foreignArtistId,
      notification: {
        kind: 'music',
        libraryPath: 'Music/Radiohead/OK Computer/01 Airbag.flac',
        title: 'Radiohead',
        album: 'OK Computer',
        year: 1997,
        ids: { musicBrainzArtistId: RADIOHEAD.foreignArtistId },
      },
      // Lidarr finds the artist by its MusicBrainz id; Readarr has no filter and searches its list.
      firstRequest: { path: '/api/v1/artist', query: { mbId: [RADIOHEAD.foreignArtistId] } },
      addPath: '/api/v1/artist',
      body: {
        artistName: 'Radiohead',
        foreignArtistId: RADIOHEAD.foreignArtistId,
        metadataProfileId: 2,
        rootFolderPath: '/media/Music',
      },
      searchOption: 'searchForMissingAlbums',
      command: { name: 'RefreshArtist', idField: 'artistId' },
    },
    {
      name: 'an absent author is added to Readarr unmonitored with its foreign id, then refreshed',
      app: 'readarr',
      key: LE_GUIN.foreignAuthorId,
      notification: {
        kind: 'book',
        libraryPath: 'Books/Ursula K. Le Guin/A Wizard of Earthsea/A Wizard of Earthsea.epub',
        title: 'Ursula K. Le Guin',
        book: 'A Wizard of Earthsea',
        year: 1968,
        ids: { foreignAuthorId: LE_GUIN.foreignAuthorId },
      },
      firstRequest: { path: '/api/v1/author' },
      addPath: '/api/v1/author',
      body: {
        authorName: 'Ursula K. Le Guin',
        foreignAuthorId: LE_GUIN.foreignAuthorId,
        metadataProfileId: 3,
        rootFolderPath: '/media/Books',
      },
      searchOption: 'searchForMissingBooks',
      command: { name: 'RefreshAuthor', idField: 'authorId' },
    },
  ] as const)('$name', async (row) => {
    libraryFile(row.notification.libraryPath);
    const { addToArrUnmonitored } = arrActivities();

    const outcome = await addToArrUnmonitored({ notification: notification(row.notification) });

    const fake = { lidarr, readarr }[row.app];
    const item = fake.item(row.key)!;
    expect(outcome).toEqual({ app: row.app, action: 'added', id: item.id, rescanned: true });
    expect(fake.received[0]).toMatchObject(row.firstRequest);
    expect(fake.requestsTo('POST', row.addPath)[0]).toMatchObject({
      status: 201,
      body: {
        ...row.body,
        qualityProfileId: 1,
        monitored: false,
        addOptions: { monitor: 'none', [row.searchOption]: false },
      },
    });
    expect(fake.requestsTo('POST', '/api/v1/command')[0]!.body).toEqual({
      name: row.command.name,
      [row.command.idField]: item.id,
    });
    expect(item).toMatchObject({ monitored: false, hasFile: true });
  });
});
