/**
 * Release identity by agreement. Pure: no I/O, so it is unit-tested on plain names.
 *
 * Every name is parsed by two independent parsers, `@ctrl/video-filename-parser` (Sonarr's and
 * Radarr's rules ported) and `guessit-js` (guessit's rules ported); each parse is made strict by
 * our rules (an episode needs a series, one season and at least one episode; a movie a title and a
 * year). A name is placed only when:
 * - the user's Sonarr or Radarr (`GET /api/v3/parse`) names one of its own series or movies for
 *   it (the *arr's answer wins), or
 * - both parses agree on kind, normalised title and numbers (season and every episode, a daily
 *   show's air date, or year), or
 * - one parse is confirmed by a known title (a folder already in the library, a series or movie of
 *   the *arr) and no other parse contradicts it, or
 * - the numbers are ones only a known series settles: a fansub number (`[Group] Title - 30`) mapped
 *   through the season sizes Sonarr lists, a fansub season (`Title S2 - 05`) the series has, or
 *   scene digits after the series' title (`castle.2009.416`, `the.office.101.102`).
 * Known titles also decide the folder name (`Office` → `The Office (US)`). Camera and phone names,
 * screen recordings and names whose only "year" is part of a date are never placed as movies. A
 * name whose episode is its air date (`The.Daily.Show.2024.03.05...`) is a daily show's episode
 * (season = the year, as Sonarr numbers daily seasons); like a bare `Title Year`, a title and a
 * date without release details is how home videos are named too, so it needs a known title.
 * Anything else is `unsorted` with the reason and up to three suggestions.
 */
import { filenameParse } from '@ctrl/video-filename-parser';
import { guessit } from 'guessit-js';
import {
  episodeLabel,
  pad2,
  type IdentitySource,
  type SeasonSize,
  type SortSuggestion,
  type VideoIdentity,
} from '../../domain/media.js';

/** The release-name parsers, by the name their opinion is reported under. */
export const PARSERS = ['video-filename-parser', 'guessit'] as const;
/** One of {@link PARSERS}. */
export type ParserName = (typeof PARSERS)[number];

/** A title the user's library or *arr already has. */
export interface KnownTitle {
  kind: 'movie' | 'episode';
  /**
   * The title as the library writes it: a series folder (`The Office (US)`, `Doctor Who (2005)`),
   * or a movie's title without its year (`The Matrix`).
   */
  title: string;
  /** A movie's year (required for movies). */
  year?: number;
  /** Where it is known from. */
  source: 'library' | 'sonarr' | 'radarr';
  /**
   * A series' seasons with their episode counts, ascending, when Sonarr lists them: they map an
   * absolute episode number to its season and check numbers a name writes without a marker.
   */
  seasons?: readonly SeasonSize[];
}

/** What a Sonarr or Radarr parse (`GET /api/v3/parse?title=`) said about one name: one of its own series or movies. */
export interface ArrIdentity {
  source: 'sonarr' | 'radarr';
  identity: VideoIdentity;
}

/** What the identity decision may use besides the name. */
export interface IdentityContext {
  /** Series and movies already in the library (and the *arr's lists). */
  knownTitles?: readonly KnownTitle[];
  /** The *arr parse answers, by the exact name that was asked about. */
  arrAnswers?: Readonly<Record<string, readonly ArrIdentity[]>>;
  /**
   * Decide by this one parser's strict reading alone, as a single-parser sorter would (no
   * agreement, no known titles, no other rule): for comparison in bench scenario 8, never in sorting.
   */
  parserAlone?: ParserName;
}

/** The identity decision for one name: placed with its source, or unsorted with reason and suggestions. */
export type IdentityDecision =
  | { kind: 'placed'; identity: VideoIdentity; source: IdentitySource }
  | { kind: 'unsorted'; reason: string; suggestions: SortSuggestion[] };

/** An explicit episode marker: `S01E02`, `S01.E02`, `S01.Ep02`, `S1-E1`, `S02 - E06`, `1x02`, `2x4`, `Season 1 Episode 2`. */
const EPISODE_MARKER =
  /(?:^|[^a-z0-9])(?:s\d{1,4}(?:[ ._-]{0,3})ep?[ ._]?\d{1,5}|\d{1,2}x\d{1,3}|season[ ._]?\d{1,2}[ ._-]+episode[ ._]?\d{1,4})(?:[^0-9]|$)/i;
/** Every season an explicit marker names (`S06E26.S07E01` names two). */
const SEASON_MARKS = /(?:^|[^a-z0-9])(?:s(\d{1,4})[ ._-]{0,3}ep?[ ._]?\d|(\d{1,2})x\d{1,3}(?![0-9]))/gi;
/** An air date (`2024.01.15`, `2024-01-15`, `20240115`, `15.01.2024`): never a movie's year. */
const DATES = [
  /(?:^|[^0-9])(?:19|20)\d{2}[ ._-]?(?:0[1-9]|1[0-2])[ ._-]?(?:0[1-9]|[12]\d|3[01])(?:[^0-9]|$)/,
  /(?:^|[^0-9])(?:0[1-9]|[12]\d|3[01])[ ._-](?:0[1-9]|1[0-2])[ ._-](?:19|20)\d{2}(?:[^0-9]|$)/,
];
const FANSUB_ABSOLUTE = /^\[[^\]]+\]\s*(.+?)\s-\s(\d{1,4})(?:v\d)?(?:\s|\[|\(|$)/;
/** A fansub release numbered within a season: `[Group] Title S2 - 05`, `[Group] Title Season 2 - 01`. */
const FANSUB_SEASONAL = /^\[[^\]]+\]\s*(.+?)\s(?:S|Season\s?)(\d{1,2})\s-\s(\d{1,4})(?:v\d)?(?:\s|\[|\(|$)/i;
/** Words kept lowercase inside a title written all in lowercase (as TVDB and TMDB write them). */
const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'into', 'of', 'on', 'or', 'the', 'to', 'vs', 'with']); // prettier-ignore
/** Country suffixes Sonarr and TVDB write in brackets: `The Office (US)`. */
const COUNTRY_SUFFIX = /^(.*\S)\s+\(?(US|UK|AU|NZ|CA)\)?$/;
/** A year suffix of a series: `Doctor Who 2005`, `Doctor Who (2005)`. */
const YEAR_SUFFIX = /^(.*\S)\s+\(?((?:19|20)\d{2})\)?$/;
/** `www.site.tc - ` and `[ www.site.org ]` prefixes some sites put before the release name. */
const SITE_PREFIX = /^\s*[[(]?\s*www\.[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}\s*[\])]?\s*(?:-\s*)?/i;

/**
 * File names cameras, phones, drones, screen recorders and video calls give their files: a home
 * video, never a movie or an episode.
 */
const CAMERA_NAMES: RegExp[] = [
  // IMG_1234, VID_20230514_142233, PXL_20230101_..., DJI_0042, MVI_1234, DSC_0042, DSCF1234, DSCN...,
  // GOPR0042, GH010042, GX010042, MAH00042, CIMG1234, HNI_0001, P1000123, MOV_0001, WP_20140101, PANO_...
  /^(?:img|vid|pxl|dji|mvi|dsc[fn]?|gopr|gh\d|gx\d|mah|cimg|hni|mov|wp|pano|mvimg|trim|clip)[_-]?\d{3,}/i,
  /^P\d{7}$/i,
  // VID-20230101-WA0001 (WhatsApp), signal-2023-01-01-..., PXL_..., video_2023-01-01_...
  /^(?:vid|img)-\d{8}-wa\d+/i,
  /^(?:signal|whatsapp video|telegram|video|movie|recording|record)[ _-]+\d{4}[-_.]?\d{2}/i,
  // Screen recordings: macOS, iOS, GNOME, Windows, OBS, Zoom.
  /^(?:screen[ _-]?recording|screen[ _-]?shot|screencast|screen[ _-]?capture|bildschirmaufnahme|rpreplay|capture d.?[ée]cran|zoom[ _-]?(?:meeting|recording)|grabaci[oó]n de pantalla)/i,
  /^(?:gmt|zoom_)\d{8}/i,
];
/** A name made only of a date and time (and separators or a counter): a recording or a camera file. */
const TIMESTAMP_ONLY =
  /^[\s_.-]*(?:(?:19|20)\d{2}[\s_.-]?\d{2}[\s_.-]?\d{2})(?:[\s_.T-]*\d{2}[\s_.:h-]?\d{2}(?:[\s_.:m-]?\d{2})?)?(?:[\s_.()-]*\d{0,4}[\s_.()-]*)?$/i;

/** A title ending in an abbreviation whose last dot belongs to it: `The Man from U.N.C.L.E.`, `in L.A.`. */
const ABBREVIATION_END = /(?:^|\s)(?:\p{L}\.){2,}$/u;
/** A word in capitals of five letters or more: shouted (`WEEDS`, `DEXTER`), not an acronym (`NCIS`, `RWBY`). */
const SHOUTED_WORD = /^\p{Lu}{5,}$/u;

/**
 * Removes characters that Windows, SMB shares and most media servers refuse in names, and writes a
 * title the release wrote all in lowercase, or in shouted capitals, in title case.
 */
export function cleanTitle(title: string): string {
  let t = title
    .replace(/:/g, ' -')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what names may not hold
    .replace(/[<>"/\\|?*\u0000-\u001f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!ABBREVIATION_END.test(t)) t = t.replace(/[. ]+$/, '');
  const capital = (w: string) =>
    w.replace(/(^|-)(\p{L})/gu, (_, dash: string, c: string) => dash + c.toUpperCase());
  if (t === t.toLowerCase())
    t = t
      .split(' ')
      .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : capital(w)))
      .join(' ');
  else t = t.replace(/\S+/g, (w) => (SHOUTED_WORD.test(w) ? capital(w.toLowerCase()) : w));
  return t;
}

/**
 * The comparison key of a title: letters and digits only, lowercase, without accents, `&` as
 * `and`, apostrophes dropped (`Marvel's Daredevil` and `marvels.daredevil` agree).
 */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** {@link titleKey} without a leading article: what a known title is looked up by. */
function looseKey(title: string): string {
  return titleKey(title).replace(/^(?:the|a|an) /, '');
}

/** A series or movie title without its `(2005)` / `(US)` suffix. */
function baseTitle(title: string): string {
  return (YEAR_SUFFIX.exec(title)?.[1] ?? COUNTRY_SUFFIX.exec(title)?.[1] ?? title).trim();
}

/** Names with underscores or dashes as their only separators (`The_Big_Lebowski_1998`) read with dots. */
function readable(rawName: string): string {
  const name = rawName.replace(SITE_PREFIX, '');
  return /[ .]/.test(name) ? name : name.replace(/[_-]/g, '.');
}

/**
 * Whether a name is a camera, phone, drone or screen-recorder file name, or only a timestamp.
 *
 * @param stem - a file name without its extension, or a folder name
 */
export function isCameraName(stem: string): boolean {
  const name = stem.trim();
  return CAMERA_NAMES.some((re) => re.test(name)) || TIMESTAMP_ONLY.test(name);
}

/** The series name as the library writes it: `Doctor Who 2005` → `Doctor Who (2005)`, `The Office US` → `The Office (US)`. */
function seriesName(title: string, year?: number, country?: string): string {
  const withYear = YEAR_SUFFIX.exec(title);
  if (withYear) return `${withYear[1]} (${withYear[2]})`;
  const withCountry = COUNTRY_SUFFIX.exec(title);
  if (withCountry) return `${withCountry[1]} (${withCountry[2]})`;
  if (year) return `${title} (${year})`;
  if (country) return `${title} (${country === 'GB' ? 'UK' : country})`;
  // A folder name may not end in a dot on Windows and SMB shares (`S.H.I.E.L.D.` → `S.H.I.E.L.D`).
  return title.replace(/\.+$/, '');
}

/** A movie year that is only part of a date in the name is no year. */
function yearOnlyInDate(name: string, year: number): boolean {
  const without = DATES.reduce((n, re) => n.replace(new RegExp(re.source, 'g'), ' '), name);
  return DATES.some((re) => re.test(name)) && !without.includes(String(year));
}

/**
 * A run of episode markers of one season, with the pattern of its further steps: `S03E01.S03E02`,
 * `S07E22 - S07E23`, `S07E22 - 7x23`, `S6E1-S6E2`, `S01E01E02E03`, `S01E01-E03`, `S01E01-03`,
 * `S42 Ep10718 - Ep10722`; `2x04.2x05`, `2x09-2x10`, `2x04-05`; `Season 01 Episode 05-06`. A step
 * that names a season (`.S03E02`, ` - 7x23`) must name the run's.
 */
const EPISODE_RUNS: Array<[run: RegExp, step: RegExp]> = [
  [
    /(?:^|[^a-z0-9])s(\d{1,3})[ ._-]{0,3}ep?[ ._]?(\d{1,5})((?:(?:[ ._-]{0,3}s\d{1,3}[ ._-]?ep?|[ ._-]{0,3}ep?|[ ._-]{0,3}\d{1,2}x|-)\d{1,5})*)(?=[^0-9]|$)/i,
    /([ ._-]{0,3}s(\d{1,3})[ ._-]?ep?|[ ._-]{0,3}ep?|[ ._-]{0,3}(\d{1,2})x|-)(\d{1,5})/gi,
  ],
  [
    /(?:^|[^a-z0-9])(\d{1,2})x(\d{1,3})((?:[ ._-]*\d{1,2}x\d{1,3}|-\d{1,3})*)(?=[^0-9]|$)/i,
    /([ ._-]*(\d{1,2})x|-)()(\d{1,3})/gi,
  ],
  [
    /(?:^|[^a-z0-9])season[ ._]?(\d{1,2})[ ._-]+episode[ ._]?(\d{1,4})((?:-\d{1,4})*)(?=[^0-9]|$)/i,
    /(-)()()(\d{1,4})/g,
  ],
];

/**
 * Every episode a name's first marker run lists: `E01E02E03`, `.S03E02` and `.2x05` add one, `-E03`
 * and `-03` run from the previous number (as Sonarr reads them); none when a step names another
 * season (that name holds two seasons).
 */
function markedEpisodes(name: string): number[] {
  const found = EPISODE_RUNS.map(([run, step]) => ({ m: run.exec(name), step })).find((r) => r.m);
  if (!found) return [];
  const { m, step: stepPattern } = found as { m: RegExpExecArray; step: RegExp };
  const season = Number(m[1]);
  const episodes = [Number(m[2])];
  for (const step of m[3]!.matchAll(stepPattern)) {
    const stepSeason = step[2] || step[3];
    if (stepSeason && Number(stepSeason) !== season) return [];
    const n = Number(step[4]);
    const from = episodes[episodes.length - 1]!;
    if (step[1] === '-' || step[1]!.toLowerCase() === '-e') {
      if (n <= from || n - from > 50) return [];
      for (let e = from + 1; e <= n; e++) episodes.push(e);
    } else episodes.push(n);
  }
  return [...new Set(episodes)].sort((a, b) => a - b);
}

/**
 * A parser's episode numbers, checked against the name's explicit marker run: a run the parser cut
 * short (`S03E01.S03E02` read as 2) is read in full, and numbers that do not start at the marked
 * episode were read from the episode title (`S01E04.2-45.PM` read as 2-45, `S08E20 50-50` as 50):
 * the marker says which episodes the file holds. A reading that starts at the marker and runs on
 * (`S01E01.22` as 1-22) is the parser's own, and may disagree with the other's.
 *
 * @returns the episodes, ascending
 */
function asMarked(name: string, read: number[]): number[] {
  const episodes = [...new Set(read)].sort((a, b) => a - b);
  const marked = markedEpisodes(name);
  if (marked.length === 0) return episodes;
  const cutShort = marked.length > 1 && episodes.every((e) => marked.includes(e));
  return cutShort || episodes[0] !== marked[0] ? marked : episodes;
}

/**
 * The bare 3-4 digit tokens of a name that may number an episode scene-style (`quantico.103.hdtv`,
 * `Show.1013.720p`: season and two-digit episode): none when the name has a year, which makes the
 * digits part of a movie's name (`300.2006`).
 */
function episodeDigits(name: string): string[] {
  if (/(?:^|[ ._(-])(?:19|20)\d{2}(?=[ ._)-]|$)/.test(name)) return [];
  return [...name.replace(RESOLUTION, '').matchAll(/(?:^|[ ._-])(\d{3,4})(?=[ ._-]|$)/g)].map((m) => m[1]!);
}

/** A date ending a title (`Judge Judy 2016 02 25`). */
const TRAILING_DATE = /\s+(?:19|20)\d{2}[ .-](?:0[1-9]|1[0-2])[ .-](?:0[1-9]|[12]\d|3[01])$/;
/** A resolution written as width x height (`1920x800`, `1280x720`). */
const RESOLUTION = /(?<![0-9a-z])\d{3,4}x\d{3,4}(?![0-9a-z])/gi;

/**
 * The parser's title with its last word whole: its rules read ASCII letters only, so a title in
 * Cyrillic or with `³` ends mid-word (`Амели` → `А`); the rest of that word in the name is added.
 */
function wholeWords(name: string, title: string): string {
  const read = title.replace(/[\s._-]+$/, '');
  if (!read || !name.startsWith(read)) return title;
  const rest = /^[^\s._\-([]*/u.exec(name.slice(read.length))![0];
  return /^\P{ASCII}/u.test(rest) ? read + rest : title;
}

/**
 * The parser's series title with the number that ends it in the name: its rules drop a number
 * before the marker (`[Judas] Mob Psycho 100 - S03E12` read as `Mob Psycho`). A year stays out
 * (`Doctor Who 2005` is the series' year, decided elsewhere).
 */
function withTrailingNumber(name: string, title: string): string {
  const marker = EPISODE_MARKER.exec(name);
  if (!title || !marker) return title;
  const lead = name
    .slice(0, marker.index)
    .replace(/^\s*\[[^\]]*\]\s*/, '')
    .replace(/[._]/g, ' ')
    .replace(/[\s-]+$/, '');
  const number = /\s(\d{1,3})$/.exec(lead);
  return number && titleKey(lead) === `${titleKey(title)} ${number[1]}` ? `${title} ${number[1]}` : title;
}

/** `@ctrl/video-filename-parser`'s strict identity of a name (Sonarr's and Radarr's rules). */
function parseWithVideoFilenameParser(name: string): VideoIdentity | undefined {
  // One bare number is read as Sonarr reads it (`103` → S01E03); two (`101.102`) are a run the
  // parser reads only in part.
  if (EPISODE_MARKER.test(name) || episodeDigits(name).length === 1) {
    const tv = filenameParse(name, true);
    if (!('seasons' in tv)) return undefined;
    const seasons = tv.seasons ?? [];
    const episodes = asMarked(name, tv.episodeNumbers ?? []);
    // A date between the title and the marker (`Judge Judy 2016 02 25 S20E142`) is not the title's.
    const title = withTrailingNumber(
      name,
      cleanTitle(wholeWords(name, tv.title ?? '').replace(TRAILING_DATE, '')),
    );
    if (!title || seasons.length !== 1 || episodes.length === 0 || tv.fullSeason) return undefined;
    return { kind: 'episode', series: seriesName(title), season: seasons[0]!, episodes };
  }
  if (DATES.some((re) => re.test(name))) return dailyWithVideoFilenameParser(name);
  if (FANSUB_ABSOLUTE.test(name)) return undefined;
  // A resolution written out (`1920x800`) stops the parser; it is no part of a title.
  const movie = filenameParse(name.replace(RESOLUTION, ''), false);
  const title = cleanTitle(wholeWords(name, movie.title ?? ''));
  const year = Number(movie.year);
  if (!title || !Number.isInteger(year) || year < 1888 || year > 2100) return undefined;
  return { kind: 'movie', title, year };
}

/** `2023-11-02` as `2023.11.02`: Sonarr's daily rule (and so the parser) reads dotted and spaced dates only. */
const DASHED_DATE = /(?<![0-9])((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![0-9])/g;

/** An air date as `YYYY-MM-DD`, from a parser's date (a `Date` or an ISO string), if it is a real day. */
function isoDay(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const day = date.toISOString().slice(0, 10);
  const year = Number(day.slice(0, 4));
  return year >= 1900 && year <= 2100 ? day : undefined;
}

/** A daily episode (`series`, air date, season = its year). */
function dailyEpisode(series: string, airDate: string): VideoIdentity {
  return { kind: 'episode', series, season: Number(airDate.slice(0, 4)), episodes: [], airDate };
}

/** `@ctrl/video-filename-parser`'s daily reading of a dated name (Sonarr's daily rule): series and air date. */
function dailyWithVideoFilenameParser(name: string): VideoIdentity | undefined {
  const tv = filenameParse(name.replace(DASHED_DATE, '$1.$2.$3'), true);
  const airDate = 'airDate' in tv ? isoDay(tv.airDate) : undefined;
  const title = cleanTitle(tv.title ?? '');
  return airDate && title ? dailyEpisode(seriesName(title), airDate) : undefined;
}

/** What guessit read in a name, made strict. */
interface GuessitReading {
  identity?: VideoIdentity;
  /**
   * A fansub episode number: from the start of the series without a season (`[Group] Title - 12`),
   * or within a season the name writes fansub-style (`[Group] Title S2 - 05`).
   */
  absolute?: { series: string; season?: number; episode: number };
  /** guessit found release details (resolution, source, codec, group, edition, ...). */
  releaseDetails: boolean;
}

/**
 * guessit properties that only a release (not a home video) carries. A resolution alone is not
 * one (phones and editors write `1080p` too), nor a "group" guessit found in brackets (`(edited)`):
 * a release group counts when it ends the name scene-style (`-GROUP`) or starts it fansub-style (`[Group]`).
 */
const RELEASE_PROPERTIES = ['source', 'video_codec', 'audio_codec', 'streaming_service', 'other', 'edition', 'video_profile', 'audio_profile', 'crc32']; // prettier-ignore

/** `Part II` / `Part.2` / `Part One` as the name writes it, when guessit took it out of the title. */
const PART_IN_NAME = /(?:^|[ ._-])part[ ._-]?((?:[ivx]+|\d{1,2}|one|two|three|four|five))(?=[ ._-]|$)/i;

/** guessit's reading of a name, made strict (see the module comment). */
function readWithGuessit(name: string): GuessitReading {
  let g: Record<string, unknown>;
  try {
    g = guessit(name) as Record<string, unknown>;
  } catch {
    return { releaseDetails: false };
  }
  const group = typeof g.release_group === 'string' ? g.release_group : undefined;
  const sceneGroup =
    !!group &&
    (name.endsWith(`-${group}`) || name.startsWith(`[${group}]`) || name.startsWith(`[ ${group} ]`));
  const releaseDetails = sceneGroup || RELEASE_PROPERTIES.some((p) => g[p] !== undefined);
  // A date is a daily show or a recording (unless an SxxEyy marker numbers the episode: then it
  // is the air date); several years mean guessit itself is unsure.
  const numbered = g.type === 'episode' && typeof g.season === 'number' && g.episode !== undefined;
  const airDate = g.type === 'episode' && !numbered && g.episode === undefined ? isoDay(g.date) : undefined;
  if ((g.date !== undefined && !numbered && !airDate) || Array.isArray(g.year)) return { releaseDetails };
  const year = typeof g.year === 'number' ? g.year : undefined;
  // Several titles: the first is the title, the rest edition or language words (`Fight Club`, `10th Anniversary Edition`).
  let raw = Array.isArray(g.title) ? (g.title[0] as unknown) : g.title;
  // `1923.S02E07`: a series named by a number guessit took for a year.
  if (raw === undefined && g.type === 'episode' && year !== undefined && name.startsWith(String(year)))
    raw = String(year);
  // `[Group] Title S2 - 05`: guessit reads the season, and the episode number as a second title.
  const seasonal = FANSUB_SEASONAL.exec(name);
  if (
    seasonal &&
    g.type === 'episode' &&
    g.season === Number(seasonal[2]) &&
    g.episode === undefined &&
    Array.isArray(g.title) &&
    typeof g.title[0] === 'string'
  ) {
    const series = seriesName(cleanTitle(g.title[0]));
    return series
      ? { absolute: { series, season: Number(seasonal[2]), episode: Number(seasonal[3]) }, releaseDetails }
      : { releaseDetails };
  }
  if (typeof raw !== 'string') return { releaseDetails };
  let text = raw;
  // `12.Angry.Men.1957`: guessit splits a title that starts with a number into "12" and an
  // alternative title "Angry Men"; the name says they are one.
  const alternative = typeof g.alternative_title === 'string' ? g.alternative_title : undefined;
  if (/^\d+$/.test(text) && alternative) {
    const joined = `${text} ${alternative}`;
    if (titleKey(name).startsWith(titleKey(joined))) text = joined;
  }
  let title = cleanTitle(text);
  const part = PART_IN_NAME.exec(name);
  // A movie's part is in its title (`Dead Reckoning Part One`); an episode's (`S01E26...Part.2`) is not the series'.
  if (typeof g.part === 'number' && part && g.type !== 'episode')
    title = `${title} Part ${cleanTitle(part[1]!)}`;
  if (!title) return { releaseDetails };
  // A series' year comes before its episode marker (`Doctor.Who.2005.S01E01`); one after it is an
  // air date's or the season's (`Top Gear - 07x03 - 2005.11.20`, `S2016E231`).
  const marker = EPISODE_MARKER.exec(name);
  const beforeMarker = marker ? name.slice(0, marker.index) : name;
  const titleYear = raw === String(year) || !beforeMarker.includes(String(year)) ? undefined : year;
  if (airDate) {
    const country = typeof g.country === 'string' ? g.country : undefined;
    return { identity: dailyEpisode(seriesName(title, titleYear, country), airDate), releaseDetails };
  }
  if (g.type === 'episode') {
    const episodes = (Array.isArray(g.episode) ? (g.episode as unknown[]) : [g.episode]).filter(
      (e) => e !== undefined,
    );
    if (episodes.length === 0 || !episodes.every((e) => typeof e === 'number')) return { releaseDetails };
    const country = typeof g.country === 'string' ? g.country : undefined;
    const series = seriesName(title, titleYear, country);
    if (typeof g.season !== 'number') {
      if (episodes.length !== 1) return { releaseDetails };
      return { absolute: { series, episode: episodes[0]! }, releaseDetails };
    }
    const sorted = asMarked(name, episodes as number[]);
    return { identity: { kind: 'episode', series, season: g.season, episodes: sorted }, releaseDetails };
  }
  if (g.type !== 'movie' || year === undefined || year < 1888 || year > 2100) return { releaseDetails };
  if (yearOnlyInDate(name, year)) return { releaseDetails };
  return { identity: { kind: 'movie', title, year }, releaseDetails };
}

/**
 * One parser's strict identity of a name.
 *
 * @param parser - which parser
 * @param rawName - a release, folder or file name without its extension
 * @returns the identity, or `undefined` when the parse is not strict (see the module comment)
 */
export function parseName(parser: ParserName, rawName: string): VideoIdentity | undefined {
  const name = readable(rawName);
  return parser === 'guessit' ? readWithGuessit(name).identity : parseWithVideoFilenameParser(name);
}

/** The numbers of an identity, for comparison: `S03E01,02`, a daily episode's `2024-03-05`, or `1999`. */
function numbersOf(identity: VideoIdentity): string {
  if (identity.kind === 'movie') return String(identity.year);
  return identity.airDate ?? `S${identity.season}E${identity.episodes.join(',')}`;
}

/** Title of an identity (series or movie title). */
function titleOf(identity: VideoIdentity): string {
  return identity.kind === 'movie' ? identity.title : identity.series;
}

/** Two identities agree: same kind, same normalised title, same numbers. */
export function sameIdentity(a: VideoIdentity, b: VideoIdentity): boolean {
  return a.kind === b.kind && titleKey(titleOf(a)) === titleKey(titleOf(b)) && numbersOf(a) === numbersOf(b);
}

/** The first of every group of readings with the same identity (see {@link sameIdentity}), in order. */
function distinctIdentities<T extends { identity: VideoIdentity }>(readings: readonly T[]): T[] {
  return readings.filter((r, i) => readings.findIndex((o) => sameIdentity(o.identity, r.identity)) === i);
}

/** `The Office (US) S02E03`, `The Daily Show 2024-03-05` or `The Matrix (1999)`, for reasons. */
export function describeIdentity(identity: VideoIdentity): string {
  if (identity.kind === 'movie') return `${identity.title} (${identity.year})`;
  return `${identity.series} ${episodeLabel(identity)}`;
}

/**
 * The known titles a parsed identity may name: same kind, and the same title (ignoring case,
 * punctuation, accents and a leading article), else titles that differ only by their
 * `(2005)`/`(US)` suffix (`The Office` → `The Office (US)`, `The Office (UK)`); a movie's year must
 * match too. Titles the library and the *arr both know count once.
 */
function knownCandidates(identity: VideoIdentity, knownTitles: readonly KnownTitle[]): KnownTitle[] {
  const title = titleOf(identity);
  const key = looseKey(title);
  const sameKind = knownTitles.filter(
    (k) => k.kind === identity.kind && (identity.kind !== 'movie' || k.year === identity.year),
  );
  const distinct = (ks: KnownTitle[]) => [...new Map(ks.map((k) => [looseKey(k.title), k])).values()];
  const exact = distinct(sameKind.filter((k) => looseKey(k.title) === key));
  if (exact.length > 0 || identity.kind !== 'episode' || baseTitle(title) !== title) return exact;
  return distinct(sameKind.filter((k) => looseKey(baseTitle(k.title)) === key));
}

/**
 * The known title a parsed identity names, if exactly one (see the rule of matching above: the
 * same title, or the same title but for a `(2005)`/`(US)` suffix no other known title shares).
 *
 * @returns the known title, `'ambiguous'` when several match, or `undefined`
 */
export function matchKnownTitle(
  identity: VideoIdentity,
  knownTitles: readonly KnownTitle[],
): KnownTitle | 'ambiguous' | undefined {
  const candidates = knownCandidates(identity, knownTitles);
  return candidates.length > 1 ? 'ambiguous' : candidates[0];
}

/** The identity written with the known title's name. */
function withKnownTitle(identity: VideoIdentity, known: KnownTitle): VideoIdentity {
  return identity.kind === 'movie'
    ? { ...identity, title: known.title }
    : { ...identity, series: known.title };
}

/**
 * A fansub name's own title and number (`[Group] Title - 12 [1080p]`), where guessit reads the
 * title short or the number twice (`Oshi no Ko` as `Oshi` in Norwegian, `Mob Psycho 100 - 05` as
 * episodes 100 and 5): used only with a known series, or as a suggestion.
 */
function fansubAbsolute(rawName: string): GuessitReading['absolute'] {
  const m = FANSUB_ABSOLUTE.exec(rawName.replace(/_/g, ' '));
  const series = m && cleanTitle(m[1]!);
  return series && !FANSUB_SEASONAL.test(rawName) ? { series, episode: Number(m[2]) } : undefined;
}

/**
 * The episode of an absolute number in a series whose season sizes are known: seasons in order,
 * each numbered on from the last (TheTVDB's absolute order, which Sonarr follows).
 */
function fromAbsolute(
  episode: number,
  seasons: readonly SeasonSize[],
): { season: number; episode: number } | undefined {
  let before = 0;
  for (const s of seasons) {
    if (episode <= before + s.episodes) return { season: s.season, episode: episode - before };
    before += s.episodes;
  }
  return undefined;
}

/** Whether a known series has these episodes: always, when its season sizes are not known. */
function hasEpisodes(known: KnownTitle, season: number, episodes: readonly number[]): boolean {
  if (!known.seasons) return true;
  const size = known.seasons.find((s) => s.season === season)?.episodes ?? 0;
  return episodes.every((e) => e >= 1 && e <= size);
}

/**
 * Scene digits after a known series' title (and its year), in a name's {@link titleKey} words: `castle.2009.416` → S04E16,
 * `the.office.101.102` → S01E01-E02 (`SEE`, `SSEE`; several must be consecutive episodes of one
 * season), and `extant.10708` → S01E07-E08 only when the season sizes rule out season 10.
 */
function sceneDigitsAfter(
  words: readonly string[],
  known: KnownTitle,
): { season: number; episodes: number[] } | undefined {
  const keys = [titleKey(known.title), looseKey(known.title)].map((k) => k.split(' '));
  const key = keys.find((k) => k.every((w, i) => words[i] === w));
  if (!key) return undefined;
  const rest = words.slice(key.length);
  const digits: string[] = [];
  for (const w of rest) {
    if (!/^\d{3,5}$/.test(w)) break;
    digits.push(w);
  }
  if (digits.length === 0 || digits.length > 2 || /^\d+$/.test(rest[digits.length] ?? '')) return undefined;
  if (digits.length === 1 && digits[0]!.length === 5) {
    // `10708`: season 1, episodes 7 and 8, or season 10, episode 708; the seasons decide.
    const [d] = digits as [string];
    const season = Number(d[0]);
    const episodes = [Number(d.slice(1, 3)), Number(d.slice(3))];
    if (!known.seasons || episodes[1] !== episodes[0]! + 1) return undefined;
    if (
      !hasEpisodes(known, season, episodes) ||
      known.seasons.some((s) => s.season === Number(d.slice(0, 2)))
    )
      return undefined;
    return { season, episodes };
  }
  if (digits.some((d) => d.length === 5)) return undefined;
  const read = digits.map((d) => ({ season: Number(d.slice(0, -2)), episode: Number(d.slice(-2)) }));
  const season = read[0]!.season;
  const episodes = read.map((r) => r.episode);
  const consecutive = read.every(
    (r, i) => r.season === season && (i === 0 || r.episode === episodes[i - 1]! + 1),
  );
  if (!consecutive || season === 0 || episodes[0] === 0 || !hasEpisodes(known, season, episodes))
    return undefined;
  return { season, episodes };
}

/**
 * Numbers a name writes without an episode marker, settled by the one known series they belong to
 * (see {@link fromAbsolute}, {@link sceneDigitsAfter}); a fansub season's number beyond that
 * season's size is an absolute number in disguise, so it settles nothing.
 */
function seriesNumbers(
  rawName: string,
  absolute: GuessitReading['absolute'],
  knownTitles: readonly KnownTitle[],
): { identity: VideoIdentity; known: KnownTitle } | undefined {
  const found: Array<{ identity: VideoIdentity; known: KnownTitle }> = [];
  if (absolute) {
    const known = matchKnownTitle(
      {
        kind: 'episode',
        series: absolute.series,
        season: absolute.season ?? 1,
        episodes: [absolute.episode],
      },
      knownTitles,
    );
    if (known && known !== 'ambiguous') {
      const at =
        absolute.season !== undefined
          ? hasEpisodes(known, absolute.season, [absolute.episode])
            ? { season: absolute.season, episode: absolute.episode }
            : undefined
          : known.seasons && fromAbsolute(absolute.episode, known.seasons);
      if (at)
        found.push({
          identity: { kind: 'episode', series: known.title, season: at.season, episodes: [at.episode] },
          known,
        });
    }
  } else {
    // The name's words, once for every known title.
    const words = titleKey(readable(rawName)).split(' ');
    for (const known of knownTitles) {
      if (known.kind !== 'episode') continue;
      const numbers = sceneDigitsAfter(words, known);
      if (numbers) found.push({ identity: { kind: 'episode', series: known.title, ...numbers }, known });
    }
  }
  const distinct = distinctIdentities(found);
  return distinct.length === 1 ? distinct[0] : undefined;
}

/**
 * Decides what a name is (see the module comment for the rule).
 *
 * @param rawName - a release, folder or file name without its extension
 * @param context - known titles and the *arr's parse answers
 * @returns `placed` with the identity and the source of the decision, or `unsorted` with the
 *   reason and up to three suggestions (each with its source), best first
 */
export function decideIdentity(rawName: string, context: IdentityContext = {}): IdentityDecision {
  if (context.parserAlone) {
    const identity = parseName(context.parserAlone, rawName);
    return identity
      ? { kind: 'placed', identity, source: context.parserAlone }
      : { kind: 'unsorted', reason: `${context.parserAlone} finds no strict reading`, suggestions: [] };
  }
  const knownTitles = context.knownTitles ?? [];
  if (isCameraName(readable(rawName)) || isCameraName(rawName))
    return {
      kind: 'unsorted',
      reason: `"${rawName}" is a camera, phone or screen-recording name: never placed as a movie or episode`,
      suggestions: [],
    };
  const seasons = [
    ...new Set([...readable(rawName).matchAll(SEASON_MARKS)].map((m) => Number(m[1] ?? m[2]))),
  ];
  if (seasons.length > 1)
    return {
      kind: 'unsorted',
      reason: `"${rawName}" holds episodes of seasons ${seasons.join(' and ')}: no single library place`,
      suggestions: [],
    };
  const suggestions: SortSuggestion[] = [];
  const suggest = (identity: VideoIdentity, source: IdentitySource) => {
    if (!suggestions.some((s) => sameIdentity(s.identity, identity))) suggestions.push({ identity, source });
  };

  // The *arr's answer wins when it names one of its own series or movies.
  const arr = context.arrAnswers?.[rawName] ?? [];
  const arrDistinct = distinctIdentities(arr);
  if (arrDistinct.length === 1) return { kind: 'placed', ...arrDistinct[0]! };
  for (const a of arrDistinct) suggest(a.identity, a.source);

  // guessit's whole reading is needed below (release details, absolute numbers): read it once.
  const reading = readWithGuessit(readable(rawName));
  const parses = PARSERS.map((parser) => ({
    parser,
    identity: parser === 'guessit' ? reading.identity : parseName(parser, rawName),
  }));
  const found = parses.filter((p): p is { parser: ParserName; identity: VideoIdentity } => !!p.identity);
  const confirmed = found.map((p) => {
    const known = matchKnownTitle(p.identity, knownTitles);
    return {
      ...p,
      known,
      named: known && known !== 'ambiguous' ? withKnownTitle(p.identity, known) : p.identity,
    };
  });
  if (arrDistinct.length > 1) {
    for (const c of confirmed) suggest(c.named, c.parser);
    return {
      kind: 'unsorted',
      reason: `Sonarr and Radarr disagree: ${arrDistinct.map((a) => `${a.source} says ${describeIdentity(a.identity)}`).join(', ')}`,
      suggestions: suggestions.slice(0, 3),
    };
  }

  const [a, b] = confirmed;
  const explicit = EPISODE_MARKER.test(readable(rawName)) || FANSUB_SEASONAL.test(rawName);
  // `Wedding Video 2015`, `Birthday.Party.2019.05.12`, `download-1234`: a title and a year, a date or
  // a number alone are how home videos and downloads are named too; a release says more.
  const bare = (i: VideoIdentity) =>
    !reading.releaseDetails &&
    ((i.kind === 'movie' && !/[([]\s*(?:19|20)\d{2}\s*[)\]]/.test(rawName)) ||
      (i.kind === 'episode' && (i.airDate !== undefined || !explicit)));
  const agreed = !!a && !!b && sameIdentity(a.identity, b.identity);
  const agreedButBare = agreed && !a!.known && !b!.known && bare(a!.identity);
  if (agreed && !agreedButBare) {
    const known = a!.known ?? b!.known;
    if (known !== 'ambiguous')
      return {
        kind: 'placed',
        identity: known ? withKnownTitle(a!.identity, known) : a!.identity,
        // A bare name is placed only because the library or the *arr has that title.
        source: known && bare(a!.identity) ? known.source : 'agreement',
      };
  }
  // A known title confirms one parser's numbers only where the name writes them out (`S01E02`, `1x02`,
  // `102` for S01E02, a date, a year): `extant.10708` may be 1x07-08 or 10x70, which the title does not settle.
  const digits = episodeDigits(readable(rawName));
  const writtenOut = (i: VideoIdentity) =>
    i.kind === 'movie' ||
    i.airDate !== undefined ||
    explicit ||
    (i.episodes.length === 1 && digits.length === 1 && digits[0] === `${i.season}${pad2(i.episodes[0]!)}`);
  const byKnown = confirmed.filter((c) => c.known && c.known !== 'ambiguous' && writtenOut(c.identity));
  // Another parse contradicts a confirmed one when it reads other numbers (or another kind), or
  // names another known title; a title it alone reads differently is what the known title settles.
  const contradicted = byKnown.some((c) =>
    confirmed.some(
      (o) =>
        o.identity.kind !== c.identity.kind ||
        numbersOf(o.identity) !== numbersOf(c.identity) ||
        (o.known !== undefined && !sameIdentity(o.named, c.named)),
    ),
  );
  if (byKnown.length > 0 && !contradicted) {
    const best = byKnown[0]!;
    return { kind: 'placed', identity: best.named, source: (best.known as KnownTitle).source };
  }
  // Numbers only a known series settles: a fansub number (`- 12`, `S2 - 05`) checked against or
  // mapped through its seasons, or scene digits after its title (`castle.2009.416`, `the.office.101.102`).
  const absolute = reading.absolute ?? fansubAbsolute(rawName);
  const bySeries = seriesNumbers(rawName, absolute, knownTitles);
  if (bySeries) {
    // A parse that names a known title contradicts these numbers unless it reads the same, or
    // reads an episode that series does not have (`extant.10708` as S10E70).
    const against = confirmed.some(
      (c) =>
        c.known !== undefined &&
        (c.known === 'ambiguous' ||
          (!sameIdentity(c.named, bySeries.identity) &&
            (c.named.kind === 'movie' || hasEpisodes(c.known, c.named.season, c.named.episodes)))),
    );
    if (!against) return { kind: 'placed', identity: bySeries.identity, source: bySeries.known.source };
  }
  // Suggestions: confirmed by a known title first, then every known title an ambiguous reading may
  // name (`The Office (US)`, `The Office (UK)`), then each parser's own reading.
  const ambiguous = confirmed.flatMap((c) =>
    c.known === 'ambiguous'
      ? knownCandidates(c.identity, knownTitles).map((k) => ({
          identity: withKnownTitle(c.identity, k),
          source: k.source,
        }))
      : [],
  );
  for (const c of byKnown) suggest(c.named, (c.known as KnownTitle).source);
  for (const k of ambiguous) suggest(k.identity, k.source);
  for (const c of confirmed) suggest(c.named, c.parser);
  // An absolute episode number is season 1's in most series; only a human (or the *arr) can say.
  if (absolute) {
    const { series, episode } = absolute;
    suggest({ kind: 'episode', series, season: 1, episodes: [episode] }, 'guessit');
  }

  let reason: string;
  if (found.length === 0 && absolute)
    reason = `"${rawName}" numbers episode ${absolute.episode} without a season: which season, only Sonarr or a human can say`;
  else if (found.length === 0)
    reason = `no strict match for "${rawName}": neither parser reads a movie with a year or an episode with season and episode numbers`;
  else if (agreedButBare)
    reason = `"${rawName}" has a title and a ${a!.identity.kind === 'movie' ? 'year' : a!.identity.airDate ? 'date' : 'number'} but no release details: home videos are named so too`;
  else if (agreed) reason = `"${describeIdentity(a!.identity)}" matches several titles in the library`;
  else if (found.length === 2)
    reason = `the parsers disagree on "${rawName}": ${confirmed.map((c) => `${c.parser} reads ${describeIdentity(c.identity)}`).join(', ')}`;
  else
    reason = `only ${found[0]!.parser} reads "${rawName}" as ${describeIdentity(found[0]!.identity)}, and no known title confirms it`;
  return { kind: 'unsorted', reason, suggestions: suggestions.slice(0, 3) };
}
