/**
 * Media-domain shapes shared by workflows, activities, API and CLI. Deterministic-safe: types and
 * pure helpers only.
 */

import type { MediaIds } from './peers.js';

/** What a media file is. Readable string values (they appear in the UI and the catalog). */
export type MediaKind = 'movie' | 'episode' | 'music' | 'book' | 'unknown';

/** A movie identified from a release name: `Movies/<title> (<year>)/...`. */
export interface MovieIdentity {
  kind: 'movie';
  title: string;
  year: number;
  /** Ids from the *arr that imported it (Radarr webhook `movie.tmdbId`, `movie.imdbId`). */
  ids?: MediaIds;
}

/**
 * One or more episodes of one season identified from a release name:
 * `Shows/<series>/Season <NN>/<series> - S<NN>E<NN>[-E<NN>]...`; or one episode of a daily show
 * identified by its air date, named as Sonarr names daily series:
 * `Shows/<series>/Season <YYYY>/<series> - <YYYY-MM-DD>...`.
 */
export interface EpisodeIdentity {
  kind: 'episode';
  /** Series title as written in the library, with the year in brackets when the release gave one. */
  series: string;
  /** Season number; for a daily episode the season Sonarr gives it, else the air date's year. */
  season: number;
  /**
   * Episode numbers, ascending, at least one; for a daily episode the numbers Sonarr maps the air
   * date to, or empty when only the air date is known (the name carries no episode number).
   */
  episodes: number[];
  /** Air date of a daily episode, `YYYY-MM-DD` (Sonarr's `episodes[].airDate`): its identity and file name. */
  airDate?: string;
  /** Ids from the *arr that imported it (Sonarr webhook `series.tvdbId`, `series.tmdbId`, `series.imdbId`). */
  ids?: MediaIds;
}

/** A Lidarr track file: artist and album, with MusicBrainz ids (Lidarr webhook `artist.mbId`, `album.mbId`). */
export interface MusicIdentity {
  kind: 'music';
  artist: string;
  album?: string;
  year?: number;
  ids?: MediaIds;
}

/** A Readarr book file: author and book, with Readarr's foreign ids (Readarr webhook `author`, `book`). */
export interface BookIdentity {
  kind: 'book';
  author: string;
  book?: string;
  year?: number;
  ids?: MediaIds;
}

/** A strict identification of a media file. */
export type MediaIdentity = MovieIdentity | EpisodeIdentity | MusicIdentity | BookIdentity;

/** The identities the release planner produces and `approveSort` accepts. */
export type VideoIdentity = MovieIdentity | EpisodeIdentity;

/** The name a human knows an item by: movie title, series, artist or author. */
export function identityTitle(identity: MediaIdentity): string {
  switch (identity.kind) {
    case 'movie':
      return identity.title;
    case 'episode':
      return identity.series;
    case 'music':
      return identity.artist;
    case 'book':
      return identity.author;
  }
}

/** What a sorted file is to the library. */
export type PlacedFileRole = 'video' | 'subtitle';

/** One file of a release and where it goes, both paths relative to the local root (`.Local`). */
export interface PlacedFile {
  /** Source, e.g. `Incoming/The.Matrix.1999.1080p/The.Matrix.1999.1080p.mkv`. */
  from: string;
  /** Target, e.g. `Movies/The Matrix (1999)/The Matrix (1999).mkv`. */
  to: string;
  role: PlacedFileRole;
  /** For subtitles: library path of the video they follow. */
  follows?: string;
}

/**
 * A file of a release that never enters the library, with the reason: `junk` by the stated rule
 * (deleted with the release folder), or kept in `Unsorted/` (`extra`, `other`, subtitles that
 * follow no single video).
 */
export interface IgnoredFile {
  path: string;
  reason: 'sample' | 'extra' | 'junk' | 'other' | 'duplicate-subtitle' | 'orphan-subtitle';
}

/**
 * Where a release's identity came from: `agreement` (both release-name parsers read the same),
 * `library` (a folder already in the library confirmed one parser's reading), `sonarr`/`radarr`
 * (the *arr's parse or its series/movie list), or one parser alone (`guessit`,
 * `video-filename-parser`: only ever a suggestion).
 */
export type IdentitySource =
  'agreement' | 'library' | 'sonarr' | 'radarr' | 'guessit' | 'video-filename-parser';

/** A candidate identity of an `Unsorted/` item, with where it came from; `approveSort` accepts its `identity` as it is. */
export interface SortSuggestion {
  identity: VideoIdentity;
  source: IdentitySource;
}

/** One main video of a release with its identity and the files that go with it. */
export interface PlannedMediaFile {
  identity: VideoIdentity;
  /** How the identity was decided (absent for an approved identity and in plans made before it was recorded). */
  source?: IdentitySource;
  video: PlacedFile;
  subtitles: PlacedFile[];
}

/**
 * The outcome of planning a release. An expected branch, so a value rather than an exception.
 * `matched`: every main video has a strict identity; `unmatched`: the release goes to
 * `Unsorted/<original name>` and waits for a human.
 */
export type SortPlan =
  | { kind: 'matched'; releaseName: string; items: PlannedMediaFile[]; ignored: IgnoredFile[] }
  | {
      kind: 'unmatched';
      releaseName: string;
      reason: string;
      unsortedPath: string;
      /** Up to three candidate identities, best first (absent in plans made before suggestions). */
      suggestions?: SortSuggestion[];
    };

/** Library roots under the local root. */
export const LIBRARY_FOLDERS = {
  movies: 'Movies',
  shows: 'Shows',
  unsorted: 'Unsorted',
  incoming: 'Incoming',
} as const;

/** Zero-padded two-digit number (`5` → `05`), as Sonarr and Plex name seasons and episodes. */
export function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/**
 * The episode part of a name, as Sonarr writes it: `S01E02E03` for numbered episodes, the air date
 * (`2024-03-05`) for a daily episode.
 */
export function episodeLabel(identity: Pick<EpisodeIdentity, 'season' | 'episodes' | 'airDate'>): string {
  if (identity.airDate) return identity.airDate;
  return `S${pad2(identity.season)}${identity.episodes.map((e) => `E${pad2(e)}`).join('')}`;
}

/** One season of a series and how many episodes it has, aired or announced (Sonarr's `seasons[].statistics.totalEpisodeCount`). */
export interface SeasonSize {
  season: number;
  episodes: number;
}
