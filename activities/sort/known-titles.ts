/**
 * Where the sort's known titles and *arr answers come from: the library's own folders (`Shows/*`,
 * `Movies/*`, locally and on the union view's vault mount when enabled, read at every plan, so
 * always fresh) and, when configured, Sonarr's and Radarr's
 * series and movie lists and their parse endpoint (`GET /api/v3/series`, `GET /api/v3/movie`,
 * `GET /api/v3/parse?title=`), cached. A failing *arr is not fatal: it is reported, left alone for
 * a while (so one down Sonarr does not slow every item), and the library and parsers still decide.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { LIBRARY_FOLDERS } from '../../domain/media.js';
import type { Config } from '../../lib/config.js';
import { unionView } from '../../lib/infra/union.js';
import type { ArrTitle } from '../arr/base.js';
import { RadarrClient } from '../arr/radarr.js';
import { SonarrClient } from '../arr/sonarr.js';
import { cleanTitle, type ArrIdentity, type KnownTitle } from './identity.js';

/** Known titles and *arr answers for the sort planner, with what went wrong getting them. */
export interface TitleSources {
  /**
   * Every known title now: library folders, and the series and movies of the configured *arr apps.
   *
   * @returns the titles, and one message per source that failed (its titles are left out)
   */
  knownTitles(): Promise<{ titles: KnownTitle[]; problems: string[] }>;
  /**
   * What the configured *arr apps make of each name (`GET /api/v3/parse?title=`): only answers that
   * name one of the app's own series or movies.
   *
   * @param names - release, folder or file names without extension
   * @returns answers by name (a name without answers is absent), and one message per failing app
   */
  arrAnswers(names: string[]): Promise<{ answers: Record<string, ArrIdentity[]>; problems: string[] }>;
}

/**
 * The title sources' settings, from config `library`, `union` and `arr`:
 * - `localRoot`: the absolute local root (`.Local`), holding `Shows/` and `Movies/`;
 * - `vaultMount`: the union view's vault mount when enabled: its `Shows/` and `Movies/` hold what
 *   was evicted locally too. Read with a {@link VAULT_LIST_TIMEOUT_MS} timeout (a dead FUSE mount can hang);
 * - `sonarr`, `radarr`: the configured apps, if any.
 */
export function titleSettings(config: Config) {
  return {
    localRoot: config.library.localRoot,
    vaultMount: unionView(config).vaultMount,
    sonarr: config.arr.sonarr,
    radarr: config.arr.radarr,
  };
}

/** What {@link titleSettings} returns. */
export type TitleSettings = ReturnType<typeof titleSettings>;

/** Options of {@link createTitleSources}. */
export interface TitleSourcesOptions {
  /** Where the library folders are (see {@link titleSettings}). */
  settings: Pick<TitleSettings, 'localRoot' | 'vaultMount'>;
  /** The configured Sonarr, if any (build it with a short timeout: it is asked while an item sorts). */
  sonarr?: SonarrClient;
  /** The configured Radarr, if any. */
  radarr?: RadarrClient;
  /** How long a series or movie list is reused, in ms (default 5 minutes). */
  listTtlMs?: number;
  /** How long a parse answer is reused, in ms (default 1 hour). */
  parseTtlMs?: number;
  /** How long a failing *arr is left alone, in ms (default 1 minute). */
  downForMs?: number;
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

/** Per-request timeout of the *arr while sorting, in ms: an item waits for it. */
export const SORT_ARR_TIMEOUT_MS = 5000;

/** How long the vault mount's folders are waited for, in ms, before sorting goes on without them. */
export const VAULT_LIST_TIMEOUT_MS = 2000;

/** Defaults of {@link TitleSourcesOptions}, in ms. */
export const TITLE_SOURCE_DEFAULTS = { listTtlMs: 5 * 60_000, parseTtlMs: 3600_000, downForMs: 60_000 };

const MOVIE_FOLDER = /^(.*\S)\s+\(((?:18|19|20)\d{2})\)$/;

/** Sub-folders of a library folder (none when it is missing). */
async function folders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * The titles in the library's own folders: every `Shows/<series>` folder, and every
 * `Movies/<Title> (<Year>)` folder.
 *
 * @param localRoot - absolute local root
 */
export async function libraryTitles(localRoot: string): Promise<KnownTitle[]> {
  const [shows, movies] = await Promise.all([
    folders(path.join(localRoot, LIBRARY_FOLDERS.shows)),
    folders(path.join(localRoot, LIBRARY_FOLDERS.movies)),
  ]);
  return [
    ...shows.map((title): KnownTitle => ({ kind: 'episode', title, source: 'library' })),
    ...movies.flatMap((name): KnownTitle[] => {
      const m = MOVIE_FOLDER.exec(name);
      return m ? [{ kind: 'movie', title: m[1]!, year: Number(m[2]), source: 'library' }] : [];
    }),
  ];
}

/** {@link libraryTitles} of the vault mount, or none (with a problem) when it does not answer in time. */
async function vaultTitles(vaultMount: string, problems: string[]): Promise<KnownTitle[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), VAULT_LIST_TIMEOUT_MS);
  });
  const titles = await Promise.race([libraryTitles(vaultMount), timeout]);
  clearTimeout(timer);
  if (!titles)
    problems.push(
      `the vault mount ${vaultMount} did not list its folders within ${VAULT_LIST_TIMEOUT_MS} ms`,
    );
  return titles ?? [];
}

/** A series' folder name as Sonarr writes it: the last part of its path, else its title. */
function seriesFolder(series: ArrTitle): string {
  const last = series.path?.split(/[\\/]/).filter(Boolean).pop();
  return cleanTitle(last ?? series.title);
}

/** One *arr app behind a cache and a circuit: asked at most once per TTL, left alone while failing. */
class CachedApp<List> {
  private list?: { at: number; value: List };
  private downUntil = 0;
  private readonly parses: LRUCache<string, { value: ArrIdentity | null }>;

  constructor(
    readonly name: 'Sonarr' | 'Radarr',
    private readonly fetchList: () => Promise<List>,
    private readonly fetchParse: (title: string) => Promise<ArrIdentity | undefined>,
    private readonly options: Required<Omit<TitleSourcesOptions, 'settings' | 'sonarr' | 'radarr'>>,
  ) {
    this.parses = new LRUCache({ max: 5000, ttl: options.parseTtlMs, ttlAutopurge: false });
  }

  /** The list, cached; `undefined` with a problem while the app fails. */
  async getList(problems: string[]): Promise<List | undefined> {
    const now = this.options.now();
    if (this.list && now - this.list.at < this.options.listTtlMs) return this.list.value;
    if (now < this.downUntil) return this.list?.value;
    try {
      this.list = { at: now, value: await this.fetchList() };
      return this.list.value;
    } catch (err) {
      this.fail(err, problems);
      return this.list?.value;
    }
  }

  /** The parse answer for a title, cached; `undefined` while the app fails. */
  async parse(title: string, problems: string[]): Promise<ArrIdentity | undefined> {
    const cached = this.parses.get(title);
    if (cached) return cached.value ?? undefined;
    if (this.options.now() < this.downUntil) return undefined;
    try {
      const value = await this.fetchParse(title);
      this.parses.set(title, { value: value ?? null });
      return value;
    } catch (err) {
      this.fail(err, problems);
      return undefined;
    }
  }

  private fail(err: unknown, problems: string[]): void {
    this.downUntil = this.options.now() + this.options.downForMs;
    const message = err instanceof Error ? err.message : String(err);
    problems.push(
      `${this.name} is not used for sorting for ${Math.round(this.options.downForMs / 1000)} s: ${message}`,
    );
  }
}

/**
 * Creates the title sources of the sort activities (see the module comment).
 *
 * @param options - local root, the configured *arr clients, cache times
 */
export function createTitleSources(options: TitleSourcesOptions): TitleSources {
  const tuning = {
    listTtlMs: options.listTtlMs ?? TITLE_SOURCE_DEFAULTS.listTtlMs,
    parseTtlMs: options.parseTtlMs ?? TITLE_SOURCE_DEFAULTS.parseTtlMs,
    downForMs: options.downForMs ?? TITLE_SOURCE_DEFAULTS.downForMs,
    now: options.now ?? Date.now,
  };
  const { sonarr, radarr } = options;
  const sonarrApp =
    sonarr &&
    new CachedApp(
      'Sonarr',
      () => sonarr.listSeries(),
      async (title) => {
        const parsed = await sonarr.parseRelease(title);
        return parsed
          ? {
              source: 'sonarr',
              identity: {
                kind: 'episode',
                series: seriesFolder(parsed.series),
                season: parsed.season,
                episodes: parsed.episodes,
                ...(parsed.airDate ? { airDate: parsed.airDate } : {}),
              },
            }
          : undefined;
      },
      tuning,
    );
  const radarrApp =
    radarr &&
    new CachedApp(
      'Radarr',
      () => radarr.listMovies(),
      async (title) => {
        const movie = await radarr.parseRelease(title);
        return movie?.year
          ? {
              source: 'radarr',
              identity: { kind: 'movie', title: cleanTitle(movie.title), year: movie.year },
            }
          : undefined;
      },
      tuning,
    );

  return {
    async knownTitles() {
      const problems: string[] = [];
      const [library, vault, series, movies] = await Promise.all([
        libraryTitles(options.settings.localRoot),
        options.settings.vaultMount ? vaultTitles(options.settings.vaultMount, problems) : [],
        sonarrApp?.getList(problems),
        radarrApp?.getList(problems),
      ]);
      return {
        titles: [
          ...library,
          ...vault,
          ...(series ?? []).map((s): KnownTitle => ({
            kind: 'episode',
            title: seriesFolder(s),
            source: 'sonarr',
            ...(s.seasons ? { seasons: s.seasons } : {}),
          })),
          ...(movies ?? []).flatMap((m): KnownTitle[] =>
            m.year ? [{ kind: 'movie', title: cleanTitle(m.title), year: m.year, source: 'radarr' }] : [],
          ),
        ],
        problems,
      };
    },

    async arrAnswers(names) {
      const problems: string[] = [];
      const answers: Record<string, ArrIdentity[]> = {};
      const apps = [sonarrApp, radarrApp].filter((a) => a !== undefined);
      for (const name of names) {
        const found = await Promise.all(apps.map((app) => app.parse(name, problems)));
        const named = found.filter((a) => a !== undefined);
        if (named.length > 0) answers[name] = named;
      }
      return { answers, problems };
    },
  };
}

/**
 * The title sources of a host: its library folders (local, and on the union view's vault mount
 * when enabled), and the `arr.sonarr` / `arr.radarr` of the config when set (asked with a
 * {@link SORT_ARR_TIMEOUT_MS} timeout).
 *
 * @param settings - see {@link titleSettings}
 */
export function titleSourcesFromConfig(settings: TitleSettings): TitleSources {
  const timeout = { timeoutMs: SORT_ARR_TIMEOUT_MS };
  return createTitleSources({
    settings,
    sonarr: settings.sonarr && new SonarrClient(settings.sonarr, timeout),
    radarr: settings.radarr && new RadarrClient(settings.radarr, timeout),
  });
}
