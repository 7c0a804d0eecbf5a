/**
 * Lidarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Lidarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import {
  absPath,
  BaseEventSchema,
  defined,
  deletedFiles,
  fileWithPath,
  folderDeleted,
  renames,
  replaced,
  using,
  type WebhookApp,
} from './common.js';

const LidarrArtist = z.looseObject({
  id: z.number().int(),
  name: z.string().min(1).max(500),
  path: absPath,
  /** MusicBrainz artist id. */
  mbId: z.string().max(100).optional(),
});
/** Lidarr Download (`trackFiles[]` with absolute paths). */
export const LidarrDownloadSchema = BaseEventSchema.extend({
  artist: LidarrArtist,
  album: z
    .looseObject({ title: z.string().max(500).optional(), mbId: z.string().max(100).optional() })
    .optional(),
  trackFiles: z.array(fileWithPath).min(1).max(1000),
  isUpgrade: z.boolean().optional(),
  deletedFiles,
});
/** Lidarr Rename (when it lists files). */
export const LidarrRenameSchema = BaseEventSchema.extend({
  artist: LidarrArtist,
  renamedTrackFiles: z
    .array(fileWithPath.extend({ previousPath: absPath }))
    .max(1000)
    .optional(),
});
/** Lidarr ArtistDelete / AlbumDelete. */
export const LidarrDeleteSchema = BaseEventSchema.extend({
  artist: LidarrArtist,
  album: z.looseObject({ title: z.string().optional(), path: absPath.optional() }).optional(),
  deletedFiles: z.boolean(),
});

/** What vaultarr does about each Lidarr event it acts on, by lowercased `eventType`. */
export const lidarrWebhooks: WebhookApp = {
  download: using(LidarrDownloadSchema, (p) =>
    p.trackFiles.map((f) => ({
      kind: 'import' as const,
      arrPath: f.path,
      identity: {
        kind: 'music' as const,
        artist: p.artist.name,
        album: p.album?.title,
        ids: defined({ musicBrainzArtistId: p.artist.mbId, musicBrainzAlbumId: p.album?.mbId }),
      },
      replaces: replaced(p.deletedFiles),
    })),
  ),
  rename: using(LidarrRenameSchema, (p) => renames(p.renamedTrackFiles)),
  artistdelete: using(LidarrDeleteSchema, (p) =>
    folderDeleted(p.deletedFiles, p.artist.path, 'lidarr ArtistDelete'),
  ),
};
