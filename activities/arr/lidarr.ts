/** Lidarr's client and registry entry: artists by MusicBrainz id. See docs/contracts/ARR.md ("APIs"). */
import { z } from 'zod';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import { ArrClient, arrApp, libraryItemSchema, sameTitle, type ForeignKey } from './base.js';

/** `arr.lidarr` of the config: connection, quality and metadata profiles, root folder. */
export type LidarrSettings = NonNullable<ArrConfig['lidarr']>;

const lidarrArtistSchema = libraryItemSchema.extend({ foreignArtistId: z.string() });
const lidarrCandidateSchema = z.object({ foreignArtistId: z.string().min(1), artistName: z.string() });
type LidarrCandidate = z.infer<typeof lidarrCandidateSchema>;

/**
 * Lidarr v1 (ARR.md): artists by MusicBrainz id (`GET /api/v1/artist?mbId=`), lookups by term,
 * adds to `POST /api/v1/artist` unmonitored, `PUT /api/v1/artist/editor` and `RefreshArtist`
 * commands (which rescan the artist's folder).
 */
export class LidarrClient extends ArrClient<LidarrSettings, LidarrCandidate> {
  readonly app = 'lidarr' as const;
  protected readonly displayName = 'Lidarr';
  protected readonly noun = 'artist';
  protected readonly keyName = 'foreignArtistId';
  protected readonly titleField = 'artistName';
  protected readonly idsKey = 'musicBrainzArtistId';
  protected readonly listFilter = 'mbId';
  protected readonly itemSchema = lidarrArtistSchema;
  protected readonly apiRoot = '/api/v1';
  protected readonly existsCodes = ['ArtistExistsValidator'];
  protected readonly candidateSchema = lidarrCandidateSchema;
  protected readonly editorIdsField = 'artistIds';
  protected readonly rescanCommandName = 'RefreshArtist';
  protected readonly rescanIdField = 'artistId';

  protected isExactMatch(c: LidarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.artistName, n);
  }

  /** The notification's name when it has one (Lidarr fetches the rest on add), else `lidarr:<mbid>`. */
  protected async candidateByKey(key: ForeignKey, n: PeerNotification): Promise<LidarrCandidate | undefined> {
    if (n.title) return { foreignArtistId: String(key), artistName: n.title };
    return this.lookupByKey(key, `lidarr:${key}`);
  }

  protected addBody(c: LidarrCandidate, s: LidarrSettings): Record<string, unknown> {
    return {
      artistName: c.artistName,
      foreignArtistId: c.foreignArtistId,
      qualityProfileId: s.qualityProfileId,
      metadataProfileId: s.metadataProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      tags: [],
      addOptions: { monitor: 'none', searchForMissingAlbums: false },
    };
  }
}

/** Lidarr keeps music (by artist). */
export const lidarrApp = arrApp<'lidarr'>('music', LidarrClient);
