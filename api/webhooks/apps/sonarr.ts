/**
 * Sonarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Sonarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import { absPath, defined, fileWithPath, itemName, owner, type WebhookApp } from './common.js';

/** Sonarr `series`, in its folder `path`. */
const series = owner(
  'series',
  {
    title: itemName,
    path: absPath,
    tvdbId: z.number().int().optional(),
    tmdbId: z.number().int().optional(),
    imdbId: z.string().optional(),
    year: z.number().int().optional(),
  },
  (x) => x.path,
);
/** Sonarr `episodes[]`. */
const SonarrEpisode = z.looseObject({
  episodeNumber: z.number().int().min(0),
  seasonNumber: z.number().int().min(0),
});

type SonarrFile = z.infer<typeof fileWithPath>;
/** A Download's files: per file (`episodeFile`) or import-complete (`episodeFiles[]`). */
const downloadedFiles = (p: { episodeFile?: SonarrFile; episodeFiles?: SonarrFile[] }) =>
  p.episodeFile ? [p.episodeFile] : (p.episodeFiles ?? []);

/**
 * What vaultarr does about each Sonarr event it acts on, by lowercased `eventType`: Download (both
 * shapes, with `episodes[]`), `WebhookRenamePayload`, `WebhookEpisodeFileDeletePayload` (with
 * `deleteReason`), `WebhookSeriesDeletePayload`.
 */
export const sonarrWebhooks: WebhookApp = {
  download: series.download(
    {
      episodes: z.array(SonarrEpisode).min(1, 'a Download names at least one episode').max(1000),
      episodeFile: fileWithPath.optional(),
      episodeFiles: z.array(fileWithPath).max(1000).optional(),
    },
    downloadedFiles,
    (p) => {
      const seasons = [...new Set(p.episodes.map((e) => e.seasonNumber))];
      return downloadedFiles(p).length === 1 && seasons.length === 1 && p.episodes.length > 0
        ? {
            kind: 'episode',
            series: p.series.title,
            season: seasons[0]!,
            episodes: [...new Set(p.episodes.map((e) => e.episodeNumber))].sort((a, b) => a - b),
            ids: defined({ tvdbId: p.series.tvdbId, tmdbId: p.series.tmdbId, imdbId: p.series.imdbId }),
          }
        : undefined;
    },
    (schema) =>
      schema.refine((p) => Boolean(p.episodeFile) !== Boolean(p.episodeFiles), {
        message: 'a Download needs episodeFile or episodeFiles (one of them)',
        path: ['episodeFile'],
      }),
  ),
  rename: series.rename('renamedEpisodeFiles'),
  episodefiledelete: series.fileDelete('episodeFile', 'sonarr EpisodeFileDelete', true),
  seriesdelete: series.deleted('sonarr SeriesDelete'),
};
