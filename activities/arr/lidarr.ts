/**
 * Lidarr's registry entry: artists by MusicBrainz id (`GET /api/v1/artist?mbId=`), a v1 app
 * (`v1.ts`). See docs/contracts/ARR.md ("APIs").
 */
import { v1App } from './v1.js';

/** Lidarr keeps music (by artist). */
export const lidarrApp = v1App({
  app: 'lidarr',
  kind: 'music',
  displayName: 'Lidarr',
  noun: 'artist',
  keyName: 'foreignArtistId',
  titleField: 'artistName',
  idsKey: 'musicBrainzArtistId',
  listFilter: 'mbId',
  existsCodes: ['ArtistExistsValidator'],
  editorIdsField: 'artistIds',
  rescanCommandName: 'RefreshArtist',
  rescanIdField: 'artistId',
  searchOption: 'searchForMissingAlbums',
});
