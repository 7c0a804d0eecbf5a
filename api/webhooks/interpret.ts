/**
 * Turns an *arr webhook payload into what vaultarr should do about it: a pure function, so every
 * event type of every app is unit-testable without servers.
 */
import type { z } from 'zod';
import type { MediaIdentity } from '../../domain/media.js';
import type { MediaIds } from '../../domain/peers.js';
import * as s from './schemas.js';

/** The *arr apps that post webhooks to vaultarr. */
export const ARR_APPS = ['radarr', 'sonarr', 'lidarr', 'readarr'] as const;
/** One of {@link ARR_APPS}. */
export type ArrApp = (typeof ARR_APPS)[number];

/** One thing a webhook asks for; paths are the *arr's absolute paths, mapped later. */
export type WebhookIntent =
  | { kind: 'import'; arrPath: string; identity?: MediaIdentity; replaces: string[] }
  | { kind: 'rename'; fromArrPath: string; toArrPath: string }
  | { kind: 'delete'; arrPath: string; reason: string }
  | { kind: 'delete-folder'; arrPath: string; reason: string };

/** The interpretation of a webhook. */
export type Interpretation =
  | { ok: true; eventType: string; test: boolean; intents: WebhookIntent[] }
  | { ok: false; problems: string[] };

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

type Parser = (body: unknown, eventType: string) => Interpretation;

function using<T extends z.ZodType>(
  schema: T,
  build: (payload: z.infer<T>, eventType: string) => WebhookIntent[],
): Parser {
  return (body, eventType) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    return { ok: true, eventType, test: false, intents: build(parsed.data, eventType) };
  };
}

/** The ids an *arr sent, without the absent ones. */
function defined(ids: MediaIds): MediaIds {
  return Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined && v !== '')) as MediaIds;
}

const replaced = (files?: Array<{ path: string }>) => (files ?? []).map((f) => f.path);

const PARSERS: Record<ArrApp, Record<string, Parser>> = {
  radarr: {
    download: using(s.RadarrDownloadSchema, (p) => [
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
    rename: using(s.RadarrRenameSchema, (p) =>
      p.renamedMovieFiles.map((f) => ({
        kind: 'rename' as const,
        fromArrPath: f.previousPath,
        toArrPath: f.path,
      })),
    ),
    moviefiledelete: using(s.RadarrFileDeleteSchema, (p) => [
      {
        kind: 'delete',
        arrPath: p.movieFile.path,
        reason: `radarr MovieFileDelete (${p.deleteReason ?? 'unknown'})`,
      },
    ]),
    moviedelete: using(s.RadarrMovieDeleteSchema, (p) =>
      p.deletedFiles
        ? [{ kind: 'delete-folder', arrPath: p.movie.folderPath, reason: 'radarr MovieDelete' }]
        : [],
    ),
  },
  sonarr: {
    download: using(s.SonarrDownloadSchema, (p) => {
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
    rename: using(s.SonarrRenameSchema, (p) =>
      p.renamedEpisodeFiles.map((f) => ({
        kind: 'rename' as const,
        fromArrPath: f.previousPath,
        toArrPath: f.path,
      })),
    ),
    episodefiledelete: using(s.SonarrFileDeleteSchema, (p) => [
      {
        kind: 'delete',
        arrPath: p.episodeFile.path,
        reason: `sonarr EpisodeFileDelete (${p.deleteReason ?? 'unknown'})`,
      },
    ]),
    seriesdelete: using(s.SonarrSeriesDeleteSchema, (p) =>
      p.deletedFiles
        ? [{ kind: 'delete-folder', arrPath: p.series.path, reason: 'sonarr SeriesDelete' }]
        : [],
    ),
  },
  lidarr: {
    download: using(s.LidarrDownloadSchema, (p) =>
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
    rename: using(s.LidarrRenameSchema, (p) =>
      (p.renamedTrackFiles ?? []).map((f) => ({
        kind: 'rename' as const,
        fromArrPath: f.previousPath,
        toArrPath: f.path,
      })),
    ),
    artistdelete: using(s.LidarrDeleteSchema, (p) =>
      p.deletedFiles
        ? [{ kind: 'delete-folder', arrPath: p.artist.path, reason: 'lidarr ArtistDelete' }]
        : [],
    ),
  },
  readarr: {
    download: using(s.ReadarrDownloadSchema, (p) =>
      p.bookFiles.map((f) => ({
        kind: 'import' as const,
        arrPath: f.path,
        identity: {
          kind: 'book' as const,
          author: p.author.name,
          book: p.book?.title,
          ids: defined({
            foreignAuthorId: p.author.goodreadsId?.toString(),
            foreignBookId: p.book?.goodreadsId?.toString(),
          }),
        },
        replaces: replaced(p.deletedFiles),
      })),
    ),
    rename: using(s.ReadarrRenameSchema, (p) =>
      (p.renamedBookFiles ?? []).map((f) => ({
        kind: 'rename' as const,
        fromArrPath: f.previousPath,
        toArrPath: f.path,
      })),
    ),
    bookfiledelete: using(s.ReadarrFileDeleteSchema, (p) => [
      { kind: 'delete', arrPath: p.bookFile.path, reason: 'readarr BookFileDelete' },
    ]),
    authordelete: using(s.ReadarrDeleteSchema, (p) =>
      p.deletedFiles
        ? [{ kind: 'delete-folder', arrPath: p.author.path, reason: 'readarr AuthorDelete' }]
        : [],
    ),
  },
};

/**
 * Interprets a webhook body of an *arr app.
 *
 * @param app - which app posted it (from the route)
 * @param body - the parsed JSON body
 * @returns `ok` with the event type and intents (none for events vaultarr only records, `test`
 *   for `Test`), or every problem as `path: message`
 */
export function interpretWebhook(app: ArrApp, body: unknown): Interpretation {
  const base = s.BaseEventSchema.safeParse(body);
  if (!base.success) return { ok: false, problems: problemsOf(base.error) };
  const eventType = base.data.eventType;
  const key = eventType.toLowerCase();
  if (key === 'test') return { ok: true, eventType, test: true, intents: [] };
  const parser = PARSERS[app][key];
  return parser ? parser(body, eventType) : { ok: true, eventType, test: false, intents: [] };
}
