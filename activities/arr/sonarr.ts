/**
 * Sonarr's client and registry entry: series by `tvdbId`, and what the sort asks of Sonarr (its
 * series, its reading of a release name). See docs/contracts/ARR.md ("APIs") and the Sonarr v3
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

/** `arr.sonarr` of the config: connection, quality profile, root folder, `seriesType`. */
export type SonarrSettings = NonNullable<ArrConfig['sonarr']>;

/** A series Sonarr lists (`SeriesResource`), with its seasons' `SeasonResource` and their statistics. */
const sonarrListedSchema = arrListedSchema.extend({
  seasons: z
    .array(
      z.object({
        seasonNumber: z.number().int(),
        statistics: z.object({ totalEpisodeCount: z.number().int().nonnegative().nullish() }).nullish(),
      }),
    )
    .nullish(),
});
/** An air date as Sonarr writes it (`2024-03-05`), kept only when it is one. */
const airDateSchema = z
  .string()
  .nullish()
  .transform((d) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined));
/**
 * Sonarr's `ParseResource`: `series` when the name is one of its series (`seriesType` `daily` for a
 * show numbered by air date), `episodes` as Sonarr maps them (with their `airDate`).
 */
const sonarrParseSchema = z.object({
  parsedEpisodeInfo: z
    .object({
      seasonNumber: z.number().int().nullish(),
      episodeNumbers: z.array(z.number().int()).nullish(),
      fullSeason: z.boolean().nullish(),
      airDate: airDateSchema,
    })
    .nullish(),
  series: arrListedSchema.extend({ seriesType: z.string().nullish() }).nullish(),
  episodes: z
    .array(
      z.object({ seasonNumber: z.number().int(), episodeNumber: z.number().int(), airDate: airDateSchema }),
    )
    .nullish(),
});

/**
 * What Sonarr makes of an episode's release name: its series and the episodes it maps the name to;
 * for a daily series, the air date too (Sonarr's `episodes[].airDate`, else the parsed `airDate`).
 */
export interface SonarrParsedEpisode {
  series: ArrTitle;
  season: number;
  /** Ascending; at least one, except for a daily episode Sonarr knows by its air date only. */
  episodes: number[];
  /** `YYYY-MM-DD`, for a daily series (`seriesType: "daily"`). */
  airDate?: string;
}

const sonarrSeriesSchema = libraryItemSchema.extend({ tvdbId: z.number().int() });
const sonarrCandidateSchema = z.object({
  tvdbId: z.number().int().positive(),
  title: z.string(),
  year: z.number().int().optional(),
  seasons: z.array(z.object({ seasonNumber: z.number().int() })).nullish(),
});
type SonarrCandidate = z.infer<typeof sonarrCandidateSchema>;

/**
 * Sonarr v3 (ARR.md; Sonarr `openapi.json`): series by `tvdbId`, lookups by term (the title, or
 * `tvdb:<id>` for the season list), adds to `POST /api/v3/series` (201) with every season
 * unmonitored, `PUT /api/v3/series/editor` (202) and `RescanSeries` commands (201).
 */
export class SonarrClient extends ArrClient<SonarrSettings, SonarrCandidate> {
  readonly app = 'sonarr' as const;
  protected readonly api: ArrApi<SonarrCandidate> = {
    displayName: 'Sonarr',
    noun: 'series',
    keyName: 'tvdbId',
    titleField: 'title',
    idsKey: 'tvdbId',
    listFilter: 'tvdbId',
    itemSchema: sonarrSeriesSchema,
    apiRoot: '/api/v3',
    existsCodes: ['SeriesExistsValidator'],
    candidateSchema: sonarrCandidateSchema,
    editorIdsField: 'seriesIds',
    rescanCommandName: 'RescanSeries',
    rescanIdField: 'seriesId',
  };

  /** The library writes a series with its year as `Title (2005)`: both forms match. */
  protected isExactMatch(c: SonarrCandidate, n: PeerNotification): boolean {
    if (c.year !== undefined && sameTitle(`${c.title} (${c.year})`, n)) return true;
    return sameTitle(c.title, n) && (n.year === undefined || c.year === n.year);
  }

  /** The lookup of `tvdb:<id>`, for the season list the add body needs. */
  protected candidateByKey(key: ForeignKey): Promise<SonarrCandidate | undefined> {
    return this.lookupByKey(key, `tvdb:${key}`);
  }

  /**
   * Every series Sonarr has (`GET /api/v3/series`): title, year and folder, for the sort's known titles.
   *
   * @throws see {@link ArrClient}
   */
  async listSeries(): Promise<ArrTitle[]> {
    const series = await this.listAll(sonarrListedSchema, 'list series');
    return series.flatMap((x) => {
      if (!x.title) return [];
      const seasons = (x.seasons ?? [])
        .flatMap((s) => {
          const episodes = s.statistics?.totalEpisodeCount;
          return s.seasonNumber > 0 && typeof episodes === 'number'
            ? [{ season: s.seasonNumber, episodes }]
            : [];
        })
        .sort((a, b) => a.season - b.season);
      return [
        {
          title: x.title,
          year: x.year ?? undefined,
          path: x.path ?? undefined,
          ...(seasons.length > 0 ? { seasons } : {}),
        },
      ];
    });
  }

  /**
   * What Sonarr makes of a release name (`GET /api/v3/parse?title=`): the series when it is one of
   * Sonarr's own, with the season and episodes Sonarr maps the name to (its `episodes`, which also
   * maps absolute anime numbering and air dates; else the parsed numbers), and the air date when
   * the series is daily (season = the date's year when Sonarr has no episode for it), or `undefined`.
   *
   * @param title - a release, folder or file name
   * @throws see {@link ArrClient}
   */
  async parseRelease(title: string): Promise<SonarrParsedEpisode | undefined> {
    const parsed = await this.parseName(sonarrParseSchema, title);
    const series = parsed.series;
    if (!series?.id || !series.title) return undefined;
    const mapped = parsed.episodes ?? [];
    const info = parsed.parsedEpisodeInfo;
    const seasons = new Set(mapped.map((e) => e.seasonNumber));
    let season: number | undefined;
    let episodes: number[];
    if (mapped.length > 0 && seasons.size === 1) {
      season = mapped[0]!.seasonNumber;
      episodes = mapped.map((e) => e.episodeNumber);
    } else if (mapped.length === 0 && info?.airDate && series.seriesType === 'daily') {
      season = Number(info.airDate.slice(0, 4));
      episodes = [];
    } else if (mapped.length === 0 && !info?.fullSeason) {
      season = info?.seasonNumber ?? undefined;
      episodes = info?.episodeNumbers ?? [];
    } else return undefined;
    // Sonarr names a daily series' files by air date; a standard series' by its numbers, whatever the name said.
    const airDate = series.seriesType === 'daily' ? (mapped[0]?.airDate ?? info?.airDate) : undefined;
    if (season === undefined || (episodes.length === 0 && !airDate)) return undefined;
    return {
      series: { title: series.title, year: series.year ?? undefined, path: series.path ?? undefined },
      season,
      episodes: [...new Set(episodes)].sort((a, b) => a - b),
      ...(airDate ? { airDate } : {}),
    };
  }

  /** ARR.md's unmonitored add: series, new seasons and every known season unmonitored, no search. */
  protected addBody(c: SonarrCandidate, s: SonarrSettings): Record<string, unknown> {
    return {
      tvdbId: c.tvdbId,
      title: c.title,
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      seasonFolder: true,
      seriesType: s.seriesType,
      seasons: (c.seasons ?? []).map((season) => ({ seasonNumber: season.seasonNumber, monitored: false })),
      addOptions: { monitor: 'none', searchForMissingEpisodes: false, searchForCutoffUnmetEpisodes: false },
    };
  }
}

/** Sonarr keeps series (their episodes). */
export const sonarrApp = arrApp<'sonarr'>('episode', SonarrClient);
