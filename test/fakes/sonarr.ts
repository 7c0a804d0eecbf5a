/**
 * A fake Sonarr v3 speaking the part of its API vaultarr uses (../shared/contracts/ARR.md, "APIs"),
 * every request validated against Sonarr's own `openapi.json` (../shared/contracts/), answering the
 * real status codes where the spec says 200: `POST /series` and `POST /command` → 201,
 * `PUT /series/editor` → 202.
 *
 * Its library is in memory ({@link FakeSonarr.series}); {@link FakeSonarr.catalog} is what its
 * TVDB lookup knows (`term=tvdb:<id>` or words of the title). A season the catalog knows but an add
 * leaves out of `seasons` is created monitored (pessimistic: a client must list every season to
 * have them all unmonitored). A `RescanSeries` command sets `hasFile` from the `fileExists`
 * predicate before answering.
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
import type { FakeCommand } from './radarr.js';
import { empty, json, type FakeRequest, type FakeResponse } from './http-fake.js';

/** A series TVDB knows (what Sonarr's lookups answer). */
export interface TvdbSeries {
  tvdbId: number;
  title: string;
  year: number;
  /** Season numbers, 0 for specials. */
  seasons: number[];
}

/** A season of a series in the library. */
export interface FakeSeason {
  seasonNumber: number;
  monitored: boolean;
}

/** A series in the fake's library. */
export interface FakeSeries {
  id: number;
  tvdbId: number;
  title: string;
  year: number;
  monitored: boolean;
  monitorNewItems: string;
  seasonFolder: boolean;
  seriesType: string;
  seasons: FakeSeason[];
  /** True once a rescan found a file (the fake does not track single episodes). */
  hasFile: boolean;
  qualityProfileId: number;
  rootFolderPath: string;
  /** `<rootFolderPath>/<title>`. */
  path: string;
  tags: number[];
  added: string;
  addOptions?: Record<string, unknown>;
}

/** Options of {@link FakeSonarr}. */
export interface FakeSonarrOptions extends ArrFakeOptions {
  catalog?: TvdbSeries[];
  /** Existing quality profile ids; default `[1]`. */
  qualityProfileIds?: number[];
  /** Existing root folders; default `['/media/Shows']`. */
  rootFolders?: string[];
  /** Whether the series has files on disk, asked on `RescanSeries`. */
  fileExists?: (series: FakeSeries) => boolean | Promise<boolean>;
}

/**
 * The fields of Sonarr's commands its spec cannot describe (`CommandResource` allows no extra
 * properties; the server reads the named command's class: `RescanSeriesCommand.SeriesId`,
 * `RefreshSeriesCommand.SeriesId`/`SeriesIds`).
 */
const COMMAND_FIELDS: Record<string, ExtraProperties> = {
  RescanSeries: { seriesId: { type: 'integer', format: 'int32', nullable: true } },
  RefreshSeries: {
    seriesId: { type: 'integer', format: 'int32', nullable: true },
    seriesIds: { type: 'array', items: { type: 'integer', format: 'int32' } },
  },
};

let sonarrSpec: OpenApiValidator | undefined;

/** Fake Sonarr v3; see the module comment. */
export class FakeSonarr extends ArrFake {
  readonly series: FakeSeries[] = [];
  catalog: TvdbSeries[];
  readonly commands: FakeCommand[] = [];
  fileExists?: (series: FakeSeries) => boolean | Promise<boolean>;
  private readonly qualityProfileIds: number[];
  private readonly rootFolders: string[];
  protected readonly validator: OpenApiValidator;

  constructor(options: FakeSonarrOptions) {
    super(options);
    this.catalog = options.catalog ?? [];
    this.qualityProfileIds = options.qualityProfileIds ?? [1];
    this.rootFolders = options.rootFolders ?? ['/media/Shows'];
    this.fileExists = options.fileExists;
    sonarrSpec ??= OpenApiValidator.load(contractPath('sonarr-v3-openapi.json'), 'Sonarr v3 spec');
    this.validator = sonarrSpec;
  }

  /** Puts a series in the library as if added earlier (monitored, every season monitored, unless said otherwise). */
  seedSeries(
    series: Omit<TvdbSeries, 'seasons'> & Partial<FakeSeries> & { seasons?: FakeSeason[] },
  ): FakeSeries {
    const rootFolderPath = series.rootFolderPath ?? this.rootFolders[0]!;
    const known = this.catalog.find((c) => c.tvdbId === series.tvdbId);
    const seeded: FakeSeries = {
      id: nextId(this.series),
      monitored: true,
      monitorNewItems: 'all',
      seasonFolder: true,
      seriesType: 'standard',
      hasFile: false,
      qualityProfileId: this.qualityProfileIds[0]!,
      rootFolderPath,
      path: `${rootFolderPath}/${series.title}`,
      tags: [],
      added: new Date().toISOString(),
      ...series,
      seasons:
        series.seasons ?? (known?.seasons ?? []).map((seasonNumber) => ({ seasonNumber, monitored: true })),
    };
    this.series.push(seeded);
    return seeded;
  }

  /** The series with this TVDB id, if the library has it. */
  byTvdbId(tvdbId: number): FakeSeries | undefined {
    return this.series.find((s) => s.tvdbId === tvdbId);
  }

  protected override extraBodyProperties(req: FakeRequest): ExtraProperties | undefined {
    if (req.method !== 'POST' || req.path !== '/api/v3/command') return undefined;
    const name = (req.body as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? COMMAND_FIELDS[name] : undefined;
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/v3/series': {
        const tvdbId = req.query.tvdbId?.[0];
        const found =
          tvdbId === undefined ? this.series : this.series.filter((s) => s.tvdbId === Number(tvdbId));
        return json(found.map((s) => this.resource(s)));
      }
      case 'GET /api/v3/series/lookup': {
        const term = req.query.term?.[0] ?? '';
        const byId = /^tvdb:\s*(\d+)$/i.exec(term);
        const found = byId
          ? this.catalog.filter((c) => c.tvdbId === Number(byId[1]))
          : this.catalog.filter((c) => termMatches(term, c.title));
        return json(found.map((c) => this.lookupResource(c)));
      }
      case 'POST /api/v3/series':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v3/series/editor': {
        const body = req.body as { seriesIds?: number[] | null; monitored?: boolean | null };
        const changed = this.series.filter((s) => body.seriesIds?.includes(s.id));
        for (const s of changed) if (typeof body.monitored === 'boolean') s.monitored = body.monitored;
        return json(
          changed.map((s) => this.resource(s)),
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
    const tvdbId = body.tvdbId as number | undefined;
    const title = body.title as string | null | undefined;
    if (!tvdbId || tvdbId <= 0)
      failures.push(
        validationFailure('TvdbId', "'Tvdb Id' must not be empty.", tvdbId ?? 0, 'NotEmptyValidator'),
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
    if (tvdbId && this.byTvdbId(tvdbId))
      failures.push(
        validationFailure('TvdbId', 'This series has already been added', tvdbId, 'SeriesExistsValidator'),
      );
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => c.tvdbId === tvdbId);
    const given = (body.seasons as FakeSeason[] | null | undefined) ?? [];
    const seasons = [...given.map((s) => ({ seasonNumber: s.seasonNumber, monitored: s.monitored }))];
    for (const seasonNumber of known?.seasons ?? [])
      if (!seasons.some((s) => s.seasonNumber === seasonNumber))
        seasons.push({ seasonNumber, monitored: true });
    const series = this.seedSeries({
      tvdbId: tvdbId!,
      title: title!,
      year: known?.year ?? 0,
      rootFolderPath,
      qualityProfileId: body.qualityProfileId as number,
      monitored: (body.monitored as boolean | undefined) ?? true,
      monitorNewItems: (body.monitorNewItems as string | undefined) ?? 'all',
      seasonFolder: (body.seasonFolder as boolean | undefined) ?? true,
      seriesType: (body.seriesType as string | undefined) ?? 'standard',
      tags: (body.tags as number[] | undefined) ?? [],
      seasons: seasons.sort((a, b) => a.seasonNumber - b.seasonNumber),
      addOptions: body.addOptions as Record<string, unknown> | undefined,
    });
    return json(this.resource(series), 201);
  }

  private async command(body: Record<string, unknown>): Promise<FakeResponse> {
    const name = body.name;
    if (typeof name !== 'string' || !(name in COMMAND_FIELDS))
      return json({ message: `Unknown command: ${String(name)}` }, 400);
    const id = this.commands.length + 1;
    this.commands.push({ id, name, body });
    const ids =
      typeof body.seriesId === 'number'
        ? [body.seriesId]
        : ((body.seriesIds as number[] | undefined) ?? this.series.map((s) => s.id));
    if (this.fileExists)
      for (const series of this.series.filter((s) => ids.includes(s.id)))
        series.hasFile = await this.fileExists(series);
    return json(commandResource(id, body), 201);
  }

  private resource(s: FakeSeries): Record<string, unknown> {
    return {
      id: s.id,
      title: s.title,
      sortTitle: s.title.toLowerCase(),
      year: s.year,
      tvdbId: s.tvdbId,
      status: 'continuing',
      monitored: s.monitored,
      monitorNewItems: s.monitorNewItems,
      seasonFolder: s.seasonFolder,
      seriesType: s.seriesType,
      seasons: s.seasons.map((x) => ({ seasonNumber: x.seasonNumber, monitored: x.monitored })),
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      path: s.path,
      tags: s.tags,
      added: s.added,
      images: [],
      genres: [],
      statistics: { episodeFileCount: s.hasFile ? 1 : 0 },
    };
  }

  private lookupResource(c: TvdbSeries): Record<string, unknown> {
    const inLibrary = this.byTvdbId(c.tvdbId);
    if (inLibrary) return this.resource(inLibrary);
    return {
      title: c.title,
      sortTitle: c.title.toLowerCase(),
      year: c.year,
      tvdbId: c.tvdbId,
      status: 'continuing',
      monitored: false,
      seasonFolder: false,
      seriesType: 'standard',
      seasons: c.seasons.map((seasonNumber) => ({ seasonNumber, monitored: false })),
      folder: c.title,
      images: [],
      genres: [],
      added: '0001-01-01T00:00:00Z',
    };
  }
}
