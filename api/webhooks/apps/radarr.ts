/**
 * Radarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Radarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import { absPath, defined, fileWithPath, itemName, owner, type WebhookApp } from './common.js';

/** Radarr `movie`, in its folder `folderPath`. */
const movie = owner(
  'movie',
  {
    title: itemName,
    year: z.number().int(),
    folderPath: absPath,
    tmdbId: z.number().int().optional(),
    imdbId: z.string().optional(),
  },
  (m) => m.folderPath,
);

/**
 * What vaultarr does about each Radarr event it acts on, by lowercased `eventType`:
 * `WebhookImportPayload` (Download, `movieFile`), `WebhookRenamePayload`,
 * `WebhookMovieFileDeletePayload` (with `deleteReason`), `WebhookMovieDeletePayload`.
 */
export const radarrWebhooks: WebhookApp = {
  download: movie.download(
    { movieFile: fileWithPath.extend({ relativePath: z.string().optional() }) },
    (p) => [p.movieFile],
    // Radarr sends year 0 for a movie whose year it does not know: no identity then.
    (p) =>
      p.movie.year >= 1888
        ? {
            kind: 'movie',
            title: p.movie.title,
            year: p.movie.year,
            ids: defined({ tmdbId: p.movie.tmdbId, imdbId: p.movie.imdbId }),
          }
        : undefined,
  ),
  rename: movie.rename('renamedMovieFiles'),
  moviefiledelete: movie.fileDelete('movieFile', 'radarr MovieFileDelete', true),
  moviedelete: movie.deleted('radarr MovieDelete'),
};
