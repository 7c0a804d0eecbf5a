/**
 * Lidarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Lidarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import { absPath, defined, fileWithPath, itemName, owner, type WebhookApp } from './common.js';

/** Lidarr `artist`, in its folder `path`; `mbId` is its MusicBrainz id. */
const artist = owner(
  'artist',
  { name: itemName, path: absPath, mbId: z.string().max(100).optional() },
  (a) => a.path,
);

/**
 * What vaultarr does about each Lidarr event it acts on, by lowercased `eventType`: Download
 * (`trackFiles[]` with absolute paths), Rename (`renamedTrackFiles`, when it lists files),
 * ArtistDelete (with `album` for an AlbumDelete).
 */
export const lidarrWebhooks: WebhookApp = {
  download: artist.download(
    {
      album: z
        .looseObject({ title: z.string().max(500).optional(), mbId: z.string().max(100).optional() })
        .optional(),
      trackFiles: z.array(fileWithPath).min(1).max(1000),
    },
    (p) => p.trackFiles,
    (p) => ({
      kind: 'music',
      artist: p.artist.name,
      album: p.album?.title,
      ids: defined({ musicBrainzArtistId: p.artist.mbId, musicBrainzAlbumId: p.album?.mbId }),
    }),
  ),
  rename: artist.rename('renamedTrackFiles', true),
  artistdelete: artist.deleted('lidarr ArtistDelete', {
    album: z.looseObject({ title: z.string().optional(), path: absPath.optional() }).optional(),
  }),
};
