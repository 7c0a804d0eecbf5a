/**
 * A fake Radarr v3 speaking the part of its API vaultarr uses (../shared/contracts/ARR.md, "APIs"),
 * every request validated against Radarr's own `openapi.json` (../shared/contracts/), answering the
 * real status codes where the spec says 200: `POST /movie` and `POST /command` → 201,
 * `PUT /movie/editor` → 202.
 *
 * Its library is in memory ({@link FakeRadarr.movies}); {@link FakeRadarr.catalog} is what its
 * TMDb lookup knows. A `RescanMovie` command sets the movie's `hasFile` from the `fileExists`
 * predicate (e.g. "is there a video in the movie's folder on disk") before answering; the real
 * server does it a moment later.
 */
import {
  ArrFake,
  commandResource,
  contractPath,
  nextId,
  OpenApiValidator,
  termMatches,
  validationErrors,
  validationFailure,
  type ArrFakeOptions,
  type ArrValidationFailure,
  type ExtraProperties,
} from './arr-fake-base.js';
import { empty, json, type FakeRequest, type FakeResponse } from './http-fake.js';

/** A movie TMDb knows (what Radarr's lookups answer). */
export interface TmdbMovie {
  tmdbId: number;
  title: string;
  year: number;
}

/** A movie in the fake's library. */
export interface FakeMovie extends TmdbMovie {
  id: number;
  monitored: boolean;
  hasFile: boolean;
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

/** A command received (201), in order. */
export interface FakeCommand {
  id: number;
  name: string;
  body: Record<string, unknown>;
}

/** Options of {@link FakeRadarr}. */
export interface FakeRadarrOptions extends ArrFakeOptions {
  /** What the TMDb lookup knows. */
  catalog?: TmdbMovie[];
  /** Existing quality profile ids; default `[1]`. */
  qualityProfileIds?: number[];
  /** Existing root folders; default `['/media/Movies']`. */
  rootFolders?: string[];
  /** Whether a movie's file is on disk, asked on `RescanMovie`; default: `hasFile` stays as it is. */
  fileExists?: (movie: FakeMovie) => boolean | Promise<boolean>;
}

/**
 * The fields of Radarr's commands that its spec cannot describe: `POST /api/v3/command` takes a
 * `CommandResource` (no extra properties allowed) but the server reads the body as the named
 * command's class (Radarr `RescanMovieCommand.MovieId`, `RefreshMovieCommand.MovieIds`).
 */
const COMMAND_FIELDS: Record<string, ExtraProperties> = {
  RescanMovie: { movieId: { type: 'integer', format: 'int32', nullable: true } },
  RefreshMovie: { movieIds: { type: 'array', items: { type: 'integer', format: 'int32' } } },
};

let radarrSpec: OpenApiValidator | undefined;

/** Fake Radarr v3; see the module comment. */
export class FakeRadarr extends ArrFake {
  /** The library; tests may change it while the fake runs. */
  readonly movies: FakeMovie[] = [];
  catalog: TmdbMovie[];
  /** Every command accepted, in order. */
  readonly commands: FakeCommand[] = [];
  fileExists?: (movie: FakeMovie) => boolean | Promise<boolean>;
  private readonly qualityProfileIds: number[];
  private readonly rootFolders: string[];
  protected readonly validator: OpenApiValidator;

  constructor(options: FakeRadarrOptions) {
    super(options);
    this.catalog = options.catalog ?? [];
    this.qualityProfileIds = options.qualityProfileIds ?? [1];
    this.rootFolders = options.rootFolders ?? ['/media/Movies'];
    this.fileExists = options.fileExists;
    radarrSpec ??= OpenApiValidator.load(contractPath('radarr-v3-openapi.json'), 'Radarr v3 spec');
    this.validator = radarrSpec;
  }

  /** Puts a movie in the library as if added earlier (monitored unless said otherwise). */
  seedMovie(movie: TmdbMovie & Partial<FakeMovie>): FakeMovie {
    const rootFolderPath = movie.rootFolderPath ?? this.rootFolders[0]!;
    const seeded: FakeMovie = {
      id: nextId(this.movies),
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
    this.movies.push(seeded);
    return seeded;
  }

  /** The movie with this TMDb id, if the library has it. */
  movie(tmdbId: number): FakeMovie | undefined {
    return this.movies.find((m) => m.tmdbId === tmdbId);
  }

  protected override extraBodyProperties(req: FakeRequest): ExtraProperties | undefined {
    if (req.method !== 'POST' || req.path !== '/api/v3/command') return undefined;
    const name = (req.body as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? COMMAND_FIELDS[name] : undefined;
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /api/v3/movie': {
        const tmdbId = req.query.tmdbId?.[0];
        const found =
          tmdbId === undefined ? this.movies : this.movies.filter((m) => m.tmdbId === Number(tmdbId));
        return json(found.map((m) => this.resource(m)));
      }
      case 'GET /api/v3/movie/lookup': {
        const term = req.query.term?.[0] ?? '';
        return json(
          this.catalog.filter((c) => termMatches(term, c.title)).map((c) => this.lookupResource(c)),
        );
      }
      case 'GET /api/v3/movie/lookup/tmdb': {
        const known = this.catalog.find((c) => c.tmdbId === Number(req.query.tmdbId?.[0]));
        return known ? json(this.lookupResource(known)) : json({ message: 'Movie not found' }, 404);
      }
      case 'POST /api/v3/movie':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v3/movie/editor': {
        const body = req.body as { movieIds?: number[] | null; monitored?: boolean | null };
        const changed = this.movies.filter((m) => body.movieIds?.includes(m.id));
        for (const m of changed) if (typeof body.monitored === 'boolean') m.monitored = body.monitored;
        return json(
          changed.map((m) => this.resource(m)),
          202,
        );
      }
      case 'POST /api/v3/command':
        return this.command(req.body as Record<string, unknown>);
      default:
        return empty(404);
    }
  }

  private add(body: Record<string, unknown>): FakeResponse {
    const failures: ArrValidationFailure[] = [];
    const tmdbId = body.tmdbId as number | undefined;
    const title = body.title as string | null | undefined;
    if (!tmdbId || tmdbId <= 0)
      failures.push(
        validationFailure('TmdbId', "'Tmdb Id' must not be empty.", tmdbId ?? 0, 'NotEmptyValidator'),
      );
    if (!title)
      failures.push(
        validationFailure('Title', "'Title' must not be empty.", title ?? null, 'NotEmptyValidator'),
      );
    if (!this.qualityProfileIds.includes(body.qualityProfileId as number))
      failures.push(
        validationFailure(
          'QualityProfileId',
          'Quality Profile does not exist',
          body.qualityProfileId,
          'QualityProfileExistsValidator',
        ),
      );
    const rootFolderPath = body.rootFolderPath as string | undefined;
    if (!rootFolderPath || !this.rootFolders.includes(rootFolderPath))
      failures.push(
        validationFailure(
          'RootFolderPath',
          `Root folder '${rootFolderPath ?? ''}' does not exist`,
          rootFolderPath,
          'RootFolderExistsValidator',
        ),
      );
    if (tmdbId && this.movie(tmdbId))
      failures.push(
        validationFailure('TmdbId', 'This movie has already been added', tmdbId, 'MovieExistsValidator'),
      );
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => c.tmdbId === tmdbId);
    const movie = this.seedMovie({
      tmdbId: tmdbId!,
      title: title!,
      year: known?.year ?? 0,
      rootFolderPath,
      qualityProfileId: body.qualityProfileId as number,
      // Radarr defaults `monitored` to true when the body leaves it out.
      monitored: (body.monitored as boolean | undefined) ?? true,
      minimumAvailability: (body.minimumAvailability as string | undefined) ?? 'released',
      tags: (body.tags as number[] | undefined) ?? [],
      addOptions: body.addOptions as Record<string, unknown> | undefined,
    });
    return json(this.resource(movie), 201);
  }

  private async command(body: Record<string, unknown>): Promise<FakeResponse> {
    const name = body.name;
    if (typeof name !== 'string' || !(name in COMMAND_FIELDS))
      return json({ message: `Unknown command: ${String(name)}` }, 400);
    const id = this.commands.length + 1;
    this.commands.push({ id, name, body });
    const ids =
      name === 'RescanMovie'
        ? [body.movieId as number]
        : ((body.movieIds as number[] | undefined) ?? this.movies.map((m) => m.id));
    if (this.fileExists)
      for (const movie of this.movies.filter((m) => ids.includes(m.id)))
        movie.hasFile = await this.fileExists(movie);
    return json(commandResource(id, body), 201);
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
