/** The *arr activities with Lidarr and Readarr: artists and authors added unmonitored. */
import { createArrActivities } from '../../activities/arr/activities.js';
import {
  arrConfig,
  LE_GUIN,
  libraryFile,
  lidarr,
  notification,
  RADIOHEAD,
  readarr,
  useArrFakes,
} from '../helpers/arr-apps.js';

useArrFakes();

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
