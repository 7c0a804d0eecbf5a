/**
 * Sort planner: turns a release (one file, or a folder of files) into library paths. Pure: no I/O,
 * so it is unit-tested on plain names. Release-name parsing is `@ctrl/video-filename-parser`;
 * our rules decide what counts as a strict match and how paths are written (Plex / Sonarr / Radarr
 * conventions).
 */
import { filenameParse } from '@ctrl/video-filename-parser';
import langs from 'langs';
import path from 'node:path/posix';
import {
  LIBRARY_FOLDERS,
  pad2,
  type IgnoredFile,
  type VideoIdentity,
  type PlacedFile,
  type PlannedMediaFile,
  type SortPlan,
} from '../../domain/media.js';

/** Extensions of main video files. */
export const VIDEO_EXTENSIONS = new Set([
  'mkv', 'mp4', 'm4v', 'avi', 'mov', 'wmv', 'ts', 'm2ts', 'mpg', 'mpeg', 'webm', 'flv', 'vob', 'ogm',
]); // prettier-ignore
/** Extensions of subtitle files that follow their video. */
export const SUBTITLE_EXTENSIONS = new Set(['srt', 'ass', 'ssa', 'sub', 'idx', 'vtt']);

/**
 * The junk rule: what may be deleted with an emptied release folder. Nothing else in a release is
 * ever deleted (it goes to `Unsorted/`). Stated in the README's Sort section.
 */
export const JUNK_EXTENSIONS = new Set([
  'nfo', 'txt', 'url', 'website', 'lnk', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'sfv', 'md5', 'nzb', 'torrent', 'exe',
]); // prettier-ignore
/** File names that are junk whatever their extension (folder metadata of Windows and macOS). */
const JUNK_NAMES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

const SUBTITLE_FLAGS = new Set(['forced', 'sdh', 'cc', 'hi']);
const EXTRA_FOLDERS = new Set([
  'extras', 'featurettes', 'behind the scenes', 'deleted scenes', 'interviews', 'scenes', 'shorts', 'trailers', 'other',
]); // prettier-ignore
const EPISODE_MARKER = /(?:^|[^a-z0-9])(?:s\d{1,3}[ ._-]?e\d{1,4}|\d{1,2}x\d{2,3})(?:[^0-9]|$)/i;
/** An air date (`2024.01.15`, `2024-01-15`): a daily show or a recording, never a movie's year. */
const AIR_DATE = /(?:^|[^0-9])(?:19|20)\d{2}[ ._-](?:0[1-9]|1[0-2])[ ._-](?:0[1-9]|[12]\d|3[01])(?:[^0-9]|$)/;
/** A fansub release numbered by absolute episode (`[Group] Title - 12 ...`): an episode, never a movie. */
const ABSOLUTE_EPISODE = /^\[[^\]]+\].*\s-\s\d{1,4}(?:v\d)?(?:\s|\[|\(|$)/;
/** Words kept lowercase inside a title written all in lowercase (as TVDB and TMDB write them). */
const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'into', 'of', 'on', 'or', 'the', 'to', 'vs', 'with']); // prettier-ignore
/** Country suffixes Sonarr and TVDB write in brackets: `The Office (US)`. */
const COUNTRY_SUFFIX = /^(.*\S)\s+\(?(US|UK|AU|NZ|CA)\)?$/;
const PART_MARKER = /(?:^|[ ._-])(?:cd|dis[ck]|part|pt)[ ._-]?(\d)(?:[ ._-]|$)/i;

/** One file of a release, as listed by the sort activity. */
export interface ReleaseFile {
  /** Path relative to the release folder (for a single-file release: its file name), `/`-separated. */
  path: string;
  sizeBytes: number;
}

/** Input of {@link planRelease}. */
export interface PlanReleaseInput {
  /** Path of the release relative to the local root, e.g. `Incoming/The.Matrix.1999.1080p.BluRay.x264-GROUP`. */
  releasePath: string;
  /** True when the release is a folder. */
  isFolder: boolean;
  /** Every file of the release (for a single-file release: just that file). */
  files: ReleaseFile[];
}

function extOf(p: string): string {
  return path.extname(p).slice(1).toLowerCase();
}

function stemOf(p: string): string {
  const base = path.basename(p);
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/** Removes characters that Windows, SMB shares and most media servers refuse in names. */
export function cleanTitle(title: string): string {
  let t = title
    .replace(/:/g, ' -')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what names may not hold
    .replace(/[<>"/\\|?*\u0000-\u001f]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[. ]+$/, '');
  if (t === t.toLowerCase())
    t = t
      .split(' ')
      .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.replace(/^\p{L}/u, (c) => c.toUpperCase())))
      .join(' ');
  return t;
}

function isSample(p: string): boolean {
  const parts = p.toLowerCase().split('/');
  if (parts.slice(0, -1).some((d) => d === 'sample' || d === 'samples')) return true;
  return /(^|[ ._-])sample([ ._-]|$)/i.test(stemOf(p));
}

function isExtra(p: string): boolean {
  return p
    .toLowerCase()
    .split('/')
    .slice(0, -1)
    .some((d) => EXTRA_FOLDERS.has(d));
}

/**
 * Whether a file left in a release is junk by the stated rule: a sample video (in a `Sample/`
 * folder or named `sample`), one of {@link JUNK_EXTENSIONS}, or `Thumbs.db` / `desktop.ini` /
 * `.DS_Store`. Extras, subtitles, archives and anything unknown are not junk.
 *
 * @param relativePath - path inside the release, `/`-separated
 */
export function isJunkFile(relativePath: string): boolean {
  const ext = extOf(relativePath);
  if (VIDEO_EXTENSIONS.has(ext)) return isSample(relativePath);
  return JUNK_EXTENSIONS.has(ext) || JUNK_NAMES.has(path.basename(relativePath).toLowerCase());
}

/**
 * Identifies a media file from one name (a release or file name without extension).
 *
 * @returns the strict identity, or `undefined` when the name is not a strict match: an episode
 *   needs an explicit marker (`S01E02`, `1x02`), a series name, one season and at least one
 *   episode; a movie needs a title and a year.
 */
export function identify(rawName: string): VideoIdentity | undefined {
  // `The_Big_Lebowski_1998_1080p`, `the-big-short-2015-1080p`: underscores or dashes as the only separators.
  const name = /[ .]/.test(rawName) ? rawName : rawName.replace(/[_-]/g, '.');
  if (EPISODE_MARKER.test(name)) {
    const tv = filenameParse(name, true);
    if (!('seasons' in tv)) return undefined;
    const seasons = tv.seasons ?? [];
    const episodes = [...new Set(tv.episodeNumbers ?? [])].sort((a, b) => a - b);
    const title = cleanTitle(tv.title ?? '');
    if (!title || seasons.length !== 1 || episodes.length === 0 || tv.fullSeason) return undefined;
    const withYear = /^(.*\S)\s+\(?((?:19|20)\d{2})\)?$/.exec(title);
    const country = COUNTRY_SUFFIX.exec(title);
    const series = withYear
      ? `${withYear[1]} (${withYear[2]})`
      : country
        ? `${country[1]} (${country[2]})`
        : title;
    return { kind: 'episode', series, season: seasons[0]!, episodes };
  }
  if (AIR_DATE.test(name) || ABSOLUTE_EPISODE.test(name)) return undefined;
  const movie = filenameParse(name, false);
  const title = cleanTitle(movie.title ?? '');
  const year = Number(movie.year);
  if (!title || !Number.isInteger(year) || year < 1888 || year > 2100) return undefined;
  return { kind: 'movie', title, year };
}

/**
 * Library path (without extension) of an identified media file.
 *
 * @example `{kind:'movie', title:'The Matrix', year:1999}` → `Movies/The Matrix (1999)/The Matrix (1999)`
 * @example `{kind:'episode', series:'Lost', season:1, episodes:[1,2]}` → `Shows/Lost/Season 01/Lost - S01E01-E02`
 */
export function libraryStem(identity: VideoIdentity): string {
  if (identity.kind === 'movie') {
    const name = `${identity.title} (${identity.year})`;
    return `${LIBRARY_FOLDERS.movies}/${name}/${name}`;
  }
  const first = identity.episodes[0]!;
  const last = identity.episodes[identity.episodes.length - 1]!;
  const range = `S${pad2(identity.season)}E${pad2(first)}${last !== first ? `-E${pad2(last)}` : ''}`;
  // Sonarr's and Plex's folder for season 0 is `Specials`.
  const season = identity.season === 0 ? 'Specials' : `Season ${pad2(identity.season)}`;
  return `${LIBRARY_FOLDERS.shows}/${identity.series}/${season}/${identity.series} - ${range}`;
}

/**
 * Language and flags of a subtitle file, read from the last tokens of its name
 * (`Movie.2019.eng.forced.srt` → `en.forced`, `Subs/2_English.srt` → `en`).
 *
 * @returns the suffix to put between the video's stem and the extension, without dots at either end; `''` when none
 */
export function subtitleSuffix(subtitlePath: string): string {
  const tokens = stemOf(subtitlePath)
    .split(/[ ._-]+/)
    .filter(Boolean);
  const flags: string[] = [];
  let language: string | undefined;
  for (let i = tokens.length - 1; i >= Math.max(0, tokens.length - 4); i--) {
    const token = tokens[i]!.toLowerCase();
    if (SUBTITLE_FLAGS.has(token)) {
      flags.unshift(token === 'hi' ? 'sdh' : token);
      continue;
    }
    const found =
      (token.length === 2 && langs.where('1', token)) ||
      (token.length === 3 && (langs.where('2B', token) || langs.where('2T', token))) ||
      (token.length > 3 && langs.where('name', token.charAt(0).toUpperCase() + token.slice(1)));
    if (found) language = found['1'];
    break;
  }
  return [language, ...flags].filter(Boolean).join('.');
}

/**
 * Plans where every file of a release goes.
 *
 * Rules: the main videos (video extensions, not samples, not extras) are identified from the
 * release name (single video) or each file's own name (several videos, e.g. a season pack), the
 * other one used as a fallback; subtitles follow their video with language and flags kept (a
 * subtitle of a several-video release follows the video whose stem starts its name or names its
 * folder; one that matches no single video is an `orphan-subtitle`); samples, extras, junk (see
 * {@link isJunkFile}) and everything else are not placed (the sort activity deletes only junk,
 * and keeps the rest in `Unsorted/`). Any main video without
 * a strict identity, or two videos on one target, makes the whole release `unmatched`.
 *
 * With `approved` (a human's `approveSort`), no name is parsed: the largest main video is that
 * media file, the other videos are ignored as extras.
 *
 * @returns a {@link SortPlan}: `matched` with every file's target, or `unmatched` with the reason
 *   and its `Unsorted/<original name>` path
 */
export function planRelease(input: PlanReleaseInput, approved?: VideoIdentity): SortPlan {
  const releaseName = path.basename(input.releasePath);
  const unmatched = (reason: string): SortPlan => ({
    kind: 'unmatched',
    releaseName,
    reason,
    unsortedPath: `${LIBRARY_FOLDERS.unsorted}/${releaseName}`,
  });
  const full = (p: string) => (input.isFolder ? `${input.releasePath}/${p}` : input.releasePath);
  const ignored: IgnoredFile[] = [];
  const videos: string[] = [];
  const subtitles: string[] = [];
  for (const file of input.files) {
    const ext = extOf(file.path);
    if (VIDEO_EXTENSIONS.has(ext)) {
      if (isSample(file.path)) ignored.push({ path: full(file.path), reason: 'sample' });
      else if (isExtra(file.path)) ignored.push({ path: full(file.path), reason: 'extra' });
      else videos.push(file.path);
    } else if (SUBTITLE_EXTENSIONS.has(ext)) {
      subtitles.push(file.path);
    } else {
      ignored.push({ path: full(file.path), reason: isJunkFile(file.path) ? 'junk' : 'other' });
    }
  }
  if (videos.length === 0) return unmatched('no main video file in the release');
  if (approved) {
    const sizes = new Map(input.files.map((f) => [f.path, f.sizeBytes]));
    videos.sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0));
    for (const extra of videos.splice(1)) ignored.push({ path: full(extra), reason: 'extra' });
  }

  const releaseStem = input.isFolder ? releaseName : stemOf(releaseName);
  const items: PlannedMediaFile[] = [];
  const targets = new Set<string>();
  for (const video of videos.sort()) {
    const candidates = videos.length === 1 ? [releaseStem, stemOf(video)] : [stemOf(video), releaseStem];
    let identity: VideoIdentity | undefined = approved;
    for (const name of approved ? [] : candidates) {
      identity = identify(name);
      // A season-pack folder name identifies no single episode: only a file's own name may.
      if (identity && !(videos.length > 1 && identity.kind === 'episode' && name === releaseStem)) break;
      identity = undefined;
    }
    if (!identity) return unmatched(`no strict match for "${path.basename(video)}"`);
    let stem = libraryStem(identity);
    const part = videos.length > 1 && identity.kind === 'movie' ? PART_MARKER.exec(stemOf(video)) : null;
    if (part) stem += ` - pt${part[1]}`;
    const to = `${stem}.${extOf(video)}`;
    if (targets.has(to)) return unmatched(`two videos of the release would both be ${to}`);
    targets.add(to);
    items.push({ identity, video: { from: full(video), to, role: 'video' }, subtitles: [] });
  }

  for (const sub of subtitles.sort()) {
    const subStem = stemOf(sub).toLowerCase();
    const dirs = sub.toLowerCase().split('/').slice(0, -1);
    const owner =
      items.length === 1
        ? items[0]
        : items.find((item) => {
            const videoStem = stemOf(item.video.from).toLowerCase();
            return subStem.startsWith(videoStem) || dirs.includes(videoStem);
          });
    if (!owner) {
      ignored.push({ path: full(sub), reason: 'orphan-subtitle' });
      continue;
    }
    const suffix = subtitleSuffix(sub);
    const stem = owner.video.to.slice(0, -path.extname(owner.video.to).length);
    const to = `${stem}${suffix ? `.${suffix}` : ''}.${extOf(sub)}`;
    if (targets.has(to)) {
      ignored.push({ path: full(sub), reason: 'duplicate-subtitle' });
      continue;
    }
    targets.add(to);
    const placed: PlacedFile = { from: full(sub), to, role: 'subtitle', follows: owner.video.to };
    owner.subtitles.push(placed);
  }
  return { kind: 'matched', releaseName, items, ignored };
}
