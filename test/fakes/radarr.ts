/**
 * A fake Radarr v3 speaking the part of its API vaultarr uses (docs/contracts/ARR.md, "APIs"),
 * every request validated against Radarr's own `openapi.json` (docs/contracts/), answering the
 * real status codes where the spec says 200: `POST /movie` and `POST /command` → 201,
 * `PUT /movie/editor` → 202.
 *
 * Its library is in memory ({@link FakeRadarr.movies}); {@link FakeRadarr.catalog} is what its
 * TMDb lookup knows. A `RescanMovie` command sets the movie's `hasFile` from the `fileExists`
 * predicate (e.g. "is there a video in the movie's folder on disk") before answering; the real
 * server does it a moment later.
 */
import {
  arrCleanTitle,
  nextId,
  V3ArrFake,
  validationErrors,
  type FakeLibraryItem,
  type V3FakeOptions,
} from './arr-fake-base.js';
import { contractValidator, type ExtraProperties } from './openapi-validator.js';
import { empty, json, type FakeRequest, type FakeResponse } from './http-fake.js';

export type { FakeCommand } from './arr-fake-base.js';

/** A movie TMDb knows (what Radarr's lookups answer). */
export interface TmdbMovie {
  tmdbId: number;
  title: string;
  year: number;
}

/** A movie in the fake's library. */
export interface FakeMovie extends TmdbMovie, FakeLibraryItem {
  qualityProfileId: number;
  rootFolderPath: string;
  /** `<rootFolderPath>/<title> (<year>)`. */
  path: string;
  minimumAvailability: string;
  tags: number[];
  added: string;
  /** The `addOptions` it was added with. */
  addOptions?: Record<string, unknown>;
}

/** Options of {@link FakeRadarr}: what the TMDb lookup knows, the existing quality profiles and root folders (default `['/media/Movies']`), whether a movie's file is on disk (asked on `RescanMovie`). */
export type FakeRadarrOptions = V3FakeOptions<FakeMovie, TmdbMovie>;

/**
 * The fields of Radarr's commands that its spec cannot describe: `POST /api/v3/command` takes a
 * `CommandResource` (no extra properties allowed) but the server reads the body as the named
 * command's class (Radarr `RescanMovieCommand.MovieId`, `RefreshMovieCommand.MovieIds`).
 */
const COMMAND_FIELDS: Record<string, ExtraProperties> = {
  RescanMovie: { movieId: { type: 'integer', format: 'int32', nullable: true } },
  RefreshMovie: { movieIds: { type: 'array', items: { type: 'integer', format: 'int32' } } },
};

/** Fake Radarr v3; see the module comment. */
export class FakeRadarr extends V3ArrFake<FakeMovie, TmdbMovie> {
  protected readonly validator = contractValidator('radarr-v3-openapi.json', 'Radarr v3 spec');
  protected readonly keyField = 'tmdbId';
  protected readonly nameField = 'title';
  protected readonly commandFields = COMMAND_FIELDS;
  protected readonly alreadyAdded = {
    errorMessage: 'This movie has already been added',
    errorCode: 'MovieExistsValidator',
  };

  constructor(options: FakeRadarrOptions) {
    super(options, '/media/Movies');
  }

  /** The library; tests may change it while the fake runs. */
  get movies(): FakeMovie[] {
    return this.library;
  }

  /** Puts a movie in the library as if added earlier (monitored unless said otherwise). */
  seedMovie(movie: TmdbMovie & Partial<FakeMovie>): FakeMovie {
    const rootFolderPath = movie.rootFolderPath ?? this.rootFolders[0]!;
    const seeded: FakeMovie = {
      id: nextId(this.library),
      monitored: true,
      hasFile: false,
      qualityProfileId: this.qualityProfileIds[0]!,
      rootFolderPath,
      path: `${rootFolderPath}/${movie.title} (${movie.year})`,
      minimumAvailability: 'released',
      tags: [],
      added: new Date().toISOString(),
      ...movie,
    };
    this.library.push(seeded);
    return seeded;
  }

  /** The movie with this TMDb id, if the library has it. */
  movie(tmdbId: number): FakeMovie | undefined {
    return this.inLibrary(tmdbId);
  }

  protected commandTargets(name: string, body: Record<string, unknown>): unknown[] {
    return name === 'RescanMovie'
      ? [body.movieId]
      : ((body.movieIds as number[] | undefined) ?? this.movies.map((m) => m.id));
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /api/v3/movie':
        return json(this.listed(req.query.tmdbId?.[0]).map((m) => this.resource(m)));
      case 'GET /api/v3/movie/lookup':
        return json(this.searchCatalog(req.query.term?.[0] ?? '').map((c) => this.lookupResource(c)));
      case 'GET /api/v3/movie/lookup/tmdb': {
        const known = this.catalog.find((c) => c.tmdbId === Number(req.query.tmdbId?.[0]));
        return known ? json(this.lookupResource(known)) : json({ message: 'Movie not found' }, 404);
      }
      case 'POST /api/v3/movie':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v3/movie/editor':
        return json(
          this.setMonitored(req.body, 'movieIds').map((m) => this.resource(m)),
          202,
        );
      case 'POST /api/v3/command':
        return this.command(req.body as Record<string, unknown>);
      case 'GET /api/v3/parse':
        return json(this.parseResource(req.query.title?.[0] ?? ''));
      default:
        return empty(404);
    }
  }

  /**
   * Radarr's `ParseResource` for a release title: the words before the first year are the title;
   * `movie` when a library movie has that title (cleaned as Radarr cleans titles) and that year.
   */
  private parseResource(title: string): Record<string, unknown> {
    const m = /^(.*?)[ ._([-]+((?:19|20)\d{2})(?:[ ._)\]-]|$)/.exec(title);
    if (!m) return { title };
    const movieTitle = m[1]!.replace(/[._]/g, ' ').trim();
    const year = Number(m[2]);
    const movie = this.movies.find(
      (x) => x.year === year && arrCleanTitle(x.title) === arrCleanTitle(movieTitle),
    );
    return {
      title,
      parsedMovieInfo: { movieTitles: [movieTitle], releaseTitle: title, year, languages: [] },
      ...(movie ? { movie: this.resource(movie) } : {}),
    };
  }

  private add(body: Record<string, unknown>): FakeResponse {
    const failures = this.addFailures(body);
    if (failures.length > 0) return validationErrors(failures);
    const tmdbId = body.tmdbId as number;
    const known = this.catalog.find((c) => c.tmdbId === tmdbId);
    const movie = this.seedMovie({
      tmdbId,
      title: body.title as string,
      year: known?.year ?? 0,
      rootFolderPath: body.rootFolderPath as string,
      qualityProfileId: body.qualityProfileId as number,
      // Radarr defaults `monitored` to true when the body leaves it out.
      monitored: (body.monitored as boolean | undefined) ?? true,
      minimumAvailability: (body.minimumAvailability as string | undefined) ?? 'released',
      tags: (body.tags as number[] | undefined) ?? [],
      addOptions: body.addOptions as Record<string, unknown> | undefined,
    });
    return json(this.resource(movie), 201);
  }

  private resource(m: FakeMovie): Record<string, unknown> {
    return {
      id: m.id,
      title: m.title,
      sortTitle: m.title.toLowerCase(),
      year: m.year,
      tmdbId: m.tmdbId,
      status: 'released',
      monitored: m.monitored,
      hasFile: m.hasFile,
      isAvailable: true,
      qualityProfileId: m.qualityProfileId,
      rootFolderPath: m.rootFolderPath,
      path: m.path,
      folderName: m.path,
      minimumAvailability: m.minimumAvailability,
      tags: m.tags,
      added: m.added,
      images: [],
      genres: [],
      sizeOnDisk: 0,
    };
  }

  private lookupResource(c: TmdbMovie): Record<string, unknown> {
    const inLibrary = this.movie(c.tmdbId);
    if (inLibrary) return this.resource(inLibrary);
    return {
      title: c.title,
      sortTitle: c.title.toLowerCase(),
      year: c.year,
      tmdbId: c.tmdbId,
      status: 'released',
      monitored: false,
      hasFile: false,
      isAvailable: true,
      folder: `${c.title} (${c.year})`,
      images: [],
      genres: [],
      added: '0001-01-01T00:00:00Z',
    };
  }
}
