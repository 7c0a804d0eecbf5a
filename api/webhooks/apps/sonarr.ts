/**
 * Sonarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Sonarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import type { MediaIdentity } from '../../../domain/media.js';
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

/** What vaultarr does about each Sonarr event it acts on, by lowercased `eventType`. */
export const sonarrWebhooks: WebhookApp = {
  download: using(SonarrDownloadSchema, (p) => {
    const files = p.episodeFile ? [p.episodeFile] : (p.episodeFiles ?? []);
    const seasons = [...new Set(p.episodes.map((e) => e.seasonNumber))];
    const identity: MediaIdentity | undefined =
      files.length === 1 && seasons.length === 1 && p.episodes.length > 0
        ? {
            kind: 'episode',
            series: p.series.title,
            season: seasons[0]!,
            episodes: [...new Set(p.episodes.map((e) => e.episodeNumber))].sort((a, b) => a - b),
            ids: defined({ tvdbId: p.series.tvdbId, tmdbId: p.series.tmdbId, imdbId: p.series.imdbId }),
          }
        : undefined;
    return files.map((f) => ({
      kind: 'import' as const,
      arrPath: f.path,
      identity,
      replaces: replaced(p.deletedFiles),
    }));
  }),
  rename: using(SonarrRenameSchema, (p) => renames(p.renamedEpisodeFiles)),
  episodefiledelete: using(SonarrFileDeleteSchema, (p) => [
    {
      kind: 'delete',
      arrPath: p.episodeFile.path,
      reason: `sonarr EpisodeFileDelete (${p.deleteReason ?? 'unknown'})`,
    },
  ]),
  seriesdelete: using(SonarrSeriesDeleteSchema, (p) =>
    folderDeleted(p.deletedFiles, p.series.path, 'sonarr SeriesDelete'),
  ),
};
