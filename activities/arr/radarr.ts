/**
 * Radarr's client and registry entry: movies by `tmdbId`, and what the sort asks of Radarr (its
 * movies, its reading of a release name). See docs/contracts/ARR.md ("APIs") and the Radarr v3
 * OpenAPI spec beside it.
 */
import { z } from 'zod';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import {
  ArrClient,
  arrApp,
  arrListedSchema,
  libraryItemSchema,
  sameTitle,
  type ArrApi,
  type ArrTitle,
  type ForeignKey,
} from './base.js';

/** `arr.radarr` of the config: connection, quality profile, root folder, `minimumAvailability`. */
export type RadarrSettings = NonNullable<ArrConfig['radarr']>;

const radarrMovieSchema = libraryItemSchema.extend({ tmdbId: z.number().int() });
const radarrListedSchema = arrListedSchema.extend({ title: z.string() });
/** Radarr's `ParseResource`: `movie` is set when the name is one of its movies. */
const radarrParseSchema = z.object({ movie: arrListedSchema.nullish() });
const radarrCandidateSchema = z.object({
  tmdbId: z.number().int().positive(),
  title: z.string(),
  year: z.number().int().optional(),
});
type RadarrCandidate = z.infer<typeof radarrCandidateSchema>;

/**
 * Radarr v3 (ARR.md; Radarr `openapi.json`): movies by `tmdbId`, lookups by term (`<title> <year>`)
 * or `lookup/tmdb`, adds to `POST /api/v3/movie` (201), `PUT /api/v3/movie/editor` (202) and
 * `RescanMovie` commands (201).
 */
export class RadarrClient extends ArrClient<RadarrSettings, RadarrCandidate> {
  readonly app = 'radarr' as const;
  protected readonly api: ArrApi<RadarrCandidate> = {
    displayName: 'Radarr',
    noun: 'movie',
    keyName: 'tmdbId',
    titleField: 'title',
    idsKey: 'tmdbId',
    listFilter: 'tmdbId',
    itemSchema: radarrMovieSchema,
    apiRoot: '/api/v3',
    existsCodes: ['MovieExistsValidator'],
    candidateSchema: radarrCandidateSchema,
    editorIdsField: 'movieIds',
    rescanCommandName: 'RescanMovie',
    rescanIdField: 'movieId',
  };

  /** `<title> <year>`: Radarr's lookup ranks by both. */
  protected override searchTerm(n: PeerNotification): string | undefined {
    return n.title ? [n.title, n.year].filter(Boolean).join(' ') : undefined;
  }

  protected isExactMatch(c: RadarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.title, n) && (n.year === undefined || c.year === n.year);
  }

  protected async candidateByKey(key: ForeignKey): Promise<RadarrCandidate | undefined> {
    const what = `look up movie with tmdbId ${key}`;
    const answer = await this.send('GET', '/api/v3/movie/lookup/tmdb', {
      what,
      query: [['tmdbId', String(key)]],
      notFoundOk: true,
    });
    if (answer.kind !== 'ok' || answer.json === null) return undefined;
    return this.parse(radarrCandidateSchema, answer.json, what);
  }

  /**
   * Every movie Radarr has (`GET /api/v3/movie`): its title and year, for the sort's known titles.
   *
   * @throws see {@link ArrClient}
   */
  async listMovies(): Promise<ArrTitle[]> {
    const movies = await this.listAll(radarrListedSchema, 'list movies');
    return movies.map((m) => ({ title: m.title, year: m.year ?? undefined, path: m.path ?? undefined }));
  }

  /**
   * What Radarr makes of a release name (`GET /api/v3/parse?title=`): the movie it names when it is
   * one of Radarr's own, else `undefined`.
   *
   * @param title - a release, folder or file name
   * @throws see {@link ArrClient}
   */
  async parseRelease(title: string): Promise<ArrTitle | undefined> {
    const parsed = await this.parseName(radarrParseSchema, title);
    const movie = parsed.movie;
    if (!movie?.id || !movie.title || !movie.year) return undefined;
    return { title: movie.title, year: movie.year, path: movie.path ?? undefined };
  }

  /** ARR.md's unmonitored add: `monitored` always sent (Radarr defaults it to true), no search. */
  protected addBody(c: RadarrCandidate, s: RadarrSettings): Record<string, unknown> {
    return {
      tmdbId: c.tmdbId,
      title: c.title,
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      minimumAvailability: s.minimumAvailability,
      tags: [],
      addOptions: { searchForMovie: false, monitor: 'none' },
    };
  }
}

/** Radarr keeps movies. */
export const radarrApp = arrApp<'radarr'>('movie', RadarrClient);
