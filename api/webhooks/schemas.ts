/**
 * zod schemas of the *arr webhook payloads we act on, per docs/contracts/ARR.md (payload
 * classes under `src/NzbDrone.Core/Notifications/Webhook/` of Radarr, Sonarr, Lidarr, Readarr).
 * Only the fields vaultarr uses are required; unknown fields pass (the apps add fields between
 * versions); null fields are absent in real payloads, so `null` is rejected as malformed.
 */
import { z } from 'zod';

const absPath = z.string().min(1).max(4096);
const fileWithPath = z.looseObject({ path: absPath, size: z.number().int().nonnegative().optional() });
const deletedFiles = z
  .array(z.looseObject({ path: absPath }))
  .max(1000)
  .optional();

/** Every payload: `eventType` (PascalCase, matched case-insensitively). */
export const BaseEventSchema = z.looseObject({
  eventType: z.string().min(1).max(100),
  instanceName: z.string().max(500).optional(),
});

/** Radarr `movie`. */
const RadarrMovie = z.looseObject({
  id: z.number().int(),
  title: z.string().min(1).max(500),
  year: z.number().int(),
  folderPath: absPath,
  tmdbId: z.number().int().optional(),
  imdbId: z.string().optional(),
});

/** Radarr `WebhookImportPayload` (Download). */
export const RadarrDownloadSchema = BaseEventSchema.extend({
  movie: RadarrMovie,
  movieFile: fileWithPath.extend({ relativePath: z.string().optional() }),
  isUpgrade: z.boolean().optional(),
  deletedFiles,
});
/** Radarr `WebhookRenamePayload`. */
export const RadarrRenameSchema = BaseEventSchema.extend({
  movie: RadarrMovie,
  renamedMovieFiles: z.array(fileWithPath.extend({ previousPath: absPath })).max(1000),
});
/** Radarr `WebhookMovieFileDeletePayload`. */
export const RadarrFileDeleteSchema = BaseEventSchema.extend({
  movie: RadarrMovie,
  movieFile: fileWithPath,
  deleteReason: z.string().optional(),
});
/** Radarr `WebhookMovieDeletePayload`. */
export const RadarrMovieDeleteSchema = BaseEventSchema.extend({
  movie: RadarrMovie,
  deletedFiles: z.boolean(),
});

/** Sonarr `series`. */
const SonarrSeries = z.looseObject({
  id: z.number().int(),
  title: z.string().min(1).max(500),
  path: absPath,
  tvdbId: z.number().int().optional(),
  tmdbId: z.number().int().optional(),
  imdbId: z.string().optional(),
  year: z.number().int().optional(),
});
const SonarrEpisode = z.looseObject({
  episodeNumber: z.number().int().min(0),
  seasonNumber: z.number().int().min(0),
});

/** Sonarr Download, both shapes: per file (`episodeFile`) and import-complete (`episodeFiles[]`). */
export const SonarrDownloadSchema = BaseEventSchema.extend({
  series: SonarrSeries,
  episodes: z.array(SonarrEpisode).min(1, 'a Download names at least one episode').max(1000),
  episodeFile: fileWithPath.optional(),
  episodeFiles: z.array(fileWithPath).max(1000).optional(),
  isUpgrade: z.boolean().optional(),
  deletedFiles,
}).refine((p) => Boolean(p.episodeFile) !== Boolean(p.episodeFiles), {
  message: 'a Download needs episodeFile or episodeFiles (one of them)',
  path: ['episodeFile'],
});
/** Sonarr `WebhookRenamePayload`. */
export const SonarrRenameSchema = BaseEventSchema.extend({
  series: SonarrSeries,
  renamedEpisodeFiles: z.array(fileWithPath.extend({ previousPath: absPath })).max(1000),
});
/** Sonarr `WebhookEpisodeFileDeletePayload`. */
export const SonarrFileDeleteSchema = BaseEventSchema.extend({
  series: SonarrSeries,
  episodeFile: fileWithPath,
  deleteReason: z.string().optional(),
});
/** Sonarr `WebhookSeriesDeletePayload`. */
export const SonarrSeriesDeleteSchema = BaseEventSchema.extend({
  series: SonarrSeries,
  deletedFiles: z.boolean(),
});

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

const ReadarrAuthor = z.looseObject({
  id: z.number().int(),
  name: z.string().min(1).max(500),
  path: absPath,
  /** Readarr's foreign author id (Goodreads). */
  goodreadsId: z.union([z.string(), z.number()]).optional(),
});
/** Readarr Download (`bookFiles[]`). */
export const ReadarrDownloadSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  book: z
    .looseObject({
      title: z.string().max(500).optional(),
      goodreadsId: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
  bookFiles: z.array(fileWithPath).min(1).max(1000),
  isUpgrade: z.boolean().optional(),
  deletedFiles,
});
/** Readarr Rename (when it lists files). */
export const ReadarrRenameSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  renamedBookFiles: z
    .array(fileWithPath.extend({ previousPath: absPath }))
    .max(1000)
    .optional(),
});
/** Readarr BookFileDelete. */
export const ReadarrFileDeleteSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  bookFile: fileWithPath,
});
/** Readarr AuthorDelete / BookDelete. */
export const ReadarrDeleteSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  book: z.looseObject({ title: z.string().optional() }).optional(),
  deletedFiles: z.boolean(),
});
