/**
 * A fake Sonarr v3 speaking the part of its API vaultarr uses (docs/contracts/ARR.md, "APIs"),
 * every request validated against Sonarr's own `openapi.json` (docs/contracts/), answering the
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
  arrCleanTitle,
  nextId,
  V3ArrFake,
  validationErrors,
  type FakeLibraryItem,
  type V3FakeOptions,
} from './arr-fake-base.js';
import { contractValidator, type ExtraProperties } from './openapi-validator.js';
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
export interface FakeSeries extends FakeLibraryItem {
  tvdbId: number;
  title: string;
  year: number;
  monitorNewItems: string;
  seasonFolder: boolean;
  seriesType: string;
  seasons: FakeSeason[];
  /** True once a rescan found a file (the fake does not track single episodes). */
  hasFile: boolean;
  /** Other titles releases name it by (TVDB aliases, scene names), matched by `GET /api/v3/parse`. */
  alternateTitles?: string[];
  /** Episodes per season (`{ 1: 28, 2: 12 }`): how `GET /api/v3/parse` maps absolute numbers. */
  episodesPerSeason?: Record<number, number>;
  /** A daily series' episodes by air date (`{ '2024-03-05': [2024, 31] }`): how `GET /api/v3/parse` maps a dated name. */
  episodesByAirDate?: Record<string, [season: number, episode: number]>;
  qualityProfileId: number;
  rootFolderPath: string;
  /** `<rootFolderPath>/<title>`. */
  path: string;
  tags: number[];
  added: string;
  addOptions?: Record<string, unknown>;
}

/** Options of {@link FakeSonarr}: what the TVDB lookup knows, the existing quality profiles and root folders (default `['/media/Shows']`), whether a series has files on disk (asked on `RescanSeries`). */
export type FakeSonarrOptions = V3FakeOptions<FakeSeries, TvdbSeries>;

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

/** Fake Sonarr v3; see the module comment. */
export class FakeSonarr extends V3ArrFake<FakeSeries, TvdbSeries> {
  protected readonly validator = contractValidator('sonarr-v3-openapi.json', 'Sonarr v3 spec');
  protected readonly keyField = 'tvdbId';
  protected readonly nameField = 'title';
  protected readonly commandFields = COMMAND_FIELDS;
  protected readonly alreadyAdded = {
    errorMessage: 'This series has already been added',
    errorCode: 'SeriesExistsValidator',
  };

  constructor(options: FakeSonarrOptions) {
    super(options, '/media/Shows');
  }

  /** The library; tests may change it while the fake runs. */
  get series(): FakeSeries[] {
    return this.library;
  }

  /** Puts a series in the library as if added earlier (monitored, every season monitored, unless said otherwise). */
  seedSeries(
    series: Omit<TvdbSeries, 'seasons'> & Partial<FakeSeries> & { seasons?: FakeSeason[] },
  ): FakeSeries {
    const rootFolderPath = series.rootFolderPath ?? this.rootFolders[0]!;
    const known = this.catalog.find((c) => c.tvdbId === series.tvdbId);
    const seeded: FakeSeries = {
      id: nextId(this.library),
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
    this.library.push(seeded);
    return seeded;
  }

  /** The series with this TVDB id, if the library has it. */
  byTvdbId(tvdbId: number): FakeSeries | undefined {
    return this.inLibrary(tvdbId);
  }

  protected commandTargets(_name: string, body: Record<string, unknown>): unknown[] {
    return typeof body.seriesId === 'number'
      ? [body.seriesId]
      : ((body.seriesIds as number[] | undefined) ?? this.series.map((s) => s.id));
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/v3/series':
        return json(this.listed(req.query.tvdbId?.[0]).map((s) => this.resource(s)));
      case 'GET /api/v3/series/lookup':
        return json(
          this.searchCatalog(req.query.term?.[0] ?? '', /^tvdb:\s*(\d+)$/i).map((c) =>
            this.lookupResource(c),
          ),
        );
      case 'POST /api/v3/series':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v3/series/editor':
        return json(
          this.setMonitored(req.body, 'seriesIds').map((s) => this.resource(s)),
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
   * Sonarr's `ParseResource` for a release title: `SxxEyy[Ezz|-Ezz|-zz]` or `NxMM` after the series
   * title, an absolute number (`[Group] Title - 12`) or an air date (`Title.2024.03.05`); `series` and `episodes` when the title
   * (cleaned as Sonarr cleans titles) is a library series' title, its title without the
   * `(year)`/`(US)` suffix, or one of its alternate titles. An absolute number is mapped to a season
   * and episode by the series' `episodesPerSeason` (as Sonarr maps it by TVDB's absolute order); a
   * dated name of a daily series to its `episodesByAirDate` entry (each episode with its `airDate`).
   */
  private parseResource(title: string): Record<string, unknown> {
    const marked =
      /^(.*?)[ ._-]+s(\d{1,3})[ ._-]?e(\d{1,4})((?:(?:[ ._-]?e|-e?)\d{1,4})*)(?:[ ._-]|$)/i.exec(title) ??
      /^(.*?)[ ._-]+(\d{1,2})x(\d{2,3})()(?:[ ._-]|$)/i.exec(title);
    const absolute = marked
      ? null
      : /^\[[^\]]+\][ _]*(.*?)[ _]+-[ _]+(\d{1,4})(?:v\d)?(?:[ _[(]|$)/.exec(title);
    // A daily name: `Series.2024.03.05...` or `Series - 2024-03-05 - ...` (Sonarr's daily rule).
    const dated =
      marked || absolute
        ? null
        : /^(.*?)[ ._-]+((?:19|20)\d{2})[ ._-](\d{2})[ ._-](\d{2})(?:[ ._-]|$)/.exec(title);
    const m = marked ?? absolute ?? dated;
    if (!m) return { title };
    const seriesTitle = m[1]!.replace(/[._]/g, ' ').trim();
    const key = arrCleanTitle(seriesTitle);
    const series = this.series.find((s) =>
      [s.title, s.title.replace(/\s*\([^)]*\)$/, ''), ...(s.alternateTitles ?? [])].some(
        (t) => arrCleanTitle(t) === key,
      ),
    );
    let seasonNumber = 0;
    let episodeNumbers: number[] = [];
    const absoluteEpisodeNumbers: number[] = [];
    let mapped: Array<[number, number]> = [];
    const airDate = dated ? `${dated[2]}-${dated[3]}-${dated[4]}` : undefined;
    if (airDate) {
      const known = series?.seriesType === 'daily' ? series.episodesByAirDate?.[airDate] : undefined;
      if (known) mapped = [known];
    } else if (marked) {
      seasonNumber = Number(m[2]);
      const first = Number(m[3]);
      const more = [...(m[4] ?? '').matchAll(/\d{1,4}/g)].map((x) => Number(x[0]));
      const last = more.length ? more[more.length - 1]! : first;
      episodeNumbers = Array.from({ length: Math.max(1, last - first + 1) }, (_, i) => first + i);
      mapped = episodeNumbers.map((e) => [seasonNumber, e]);
    } else {
      const n = Number(m[2]);
      absoluteEpisodeNumbers.push(n);
      let rest = n;
      for (const [season, count] of Object.entries(series?.episodesPerSeason ?? {}).sort(
        ([a], [b]) => Number(a) - Number(b),
      )) {
        if (Number(season) === 0) continue;
        if (rest <= count) {
          mapped = [[Number(season), rest]];
          break;
        }
        rest -= count;
      }
    }
    return {
      title,
      parsedEpisodeInfo: {
        releaseTitle: title,
        seriesTitle,
        seasonNumber,
        episodeNumbers,
        absoluteEpisodeNumbers,
        fullSeason: false,
        ...(airDate ? { airDate, isDaily: true } : {}),
        isPartialSeason: false,
        isMultiSeason: false,
        isSeasonExtra: false,
        special: marked !== null && seasonNumber === 0,
      },
      ...(series
        ? {
            series: this.resource(series),
            episodes: mapped.map(([season, episodeNumber]) => ({
              id: series.id * 10_000 + season * 1000 + episodeNumber,
              seriesId: series.id,
              tvdbId: 0,
              seasonNumber: season,
              episodeNumber,
              title: `Episode ${episodeNumber}`,
              ...(airDate ? { airDate, airDateUtc: `${airDate}T23:00:00Z` } : {}),
              hasFile: false,
              monitored: true,
            })),
          }
        : {}),
    };
  }

  private add(body: Record<string, unknown>): FakeResponse {
    const failures = this.addFailures(body);
    if (failures.length > 0) return validationErrors(failures);
    const tvdbId = body.tvdbId as number;
    const known = this.catalog.find((c) => c.tvdbId === tvdbId);
    const given = (body.seasons as FakeSeason[] | null | undefined) ?? [];
    const seasons = [...given.map((s) => ({ seasonNumber: s.seasonNumber, monitored: s.monitored }))];
    for (const seasonNumber of known?.seasons ?? [])
      if (!seasons.some((s) => s.seasonNumber === seasonNumber))
        seasons.push({ seasonNumber, monitored: true });
    const series = this.seedSeries({
      tvdbId,
      title: body.title as string,
      year: known?.year ?? 0,
      rootFolderPath: body.rootFolderPath as string,
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
      seasons: s.seasons.map((x) => {
        const total = s.episodesPerSeason?.[x.seasonNumber];
        return {
          seasonNumber: x.seasonNumber,
          monitored: x.monitored,
          ...(total !== undefined
            ? {
                statistics: {
                  episodeFileCount: 0,
                  episodeCount: total,
                  totalEpisodeCount: total,
                  sizeOnDisk: 0,
                  percentOfEpisodes: 0,
                },
              }
            : {}),
        };
      }),
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      path: s.path,
      tags: s.tags,
      added: s.added,
      images: [],
      genres: [],
      alternateTitles: (s.alternateTitles ?? []).map((t) => ({ title: t })),
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
