/**
 * Radarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Radarr's `src/NzbDrone.Core/Notifications/Webhook/`).
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

/** What vaultarr does about each Radarr event it acts on, by lowercased `eventType`. */
export const radarrWebhooks: WebhookApp = {
  download: using(RadarrDownloadSchema, (p) => [
    {
      kind: 'import',
      arrPath: p.movieFile.path,
      // Radarr sends year 0 for a movie whose year it does not know: no identity then.
      identity:
        p.movie.year >= 1888
          ? {
              kind: 'movie',
              title: p.movie.title,
              year: p.movie.year,
              ids: defined({ tmdbId: p.movie.tmdbId, imdbId: p.movie.imdbId }),
            }
          : undefined,
      replaces: replaced(p.deletedFiles),
    },
  ]),
  rename: using(RadarrRenameSchema, (p) => renames(p.renamedMovieFiles)),
  moviefiledelete: using(RadarrFileDeleteSchema, (p) => [
    {
      kind: 'delete',
      arrPath: p.movieFile.path,
      reason: `radarr MovieFileDelete (${p.deleteReason ?? 'unknown'})`,
    },
  ]),
  moviedelete: using(RadarrMovieDeleteSchema, (p) =>
    folderDeleted(p.deletedFiles, p.movie.folderPath, 'radarr MovieDelete'),
  ),
};
