/**
 * Sort planner: turns a release (one file, or a folder of files) into library paths. Pure: no I/O,
 * so it is unit-tested on plain names. What each video is comes from `./identity.ts` (two parsers
 * that must agree, known titles, the *arr's answers); this module decides which names are asked,
 * what follows each video and how paths are written (Plex / Sonarr / Radarr conventions).
 */
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
  type SortSuggestion,
} from '../../domain/media.js';
import { decideIdentity, isCameraName, type IdentityContext } from './identity.js';

export { cleanTitle } from './identity.js';

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
  /** Known titles and *arr answers the identity decision may use (see `decideIdentity`). */
  context?: IdentityContext;
}

/**
 * The names the planner asks about for a release's videos, best first: for a single video the
 * release name then the file's own name; for several videos each file's own name then the release
 * name. The sort activity asks the *arr about exactly these.
 *
 * @returns the distinct names (file names without extension), in the order they are tried
 */
export function candidateNames(input: Omit<PlanReleaseInput, 'context'>): string[] {
  const releaseName = path.basename(input.releasePath);
  const releaseStem = input.isFolder ? releaseName : stemOf(releaseName);
  const videos = mainVideos(input.files.map((f) => f.path));
  const names = videos.flatMap((v) =>
    videos.length === 1 ? [releaseStem, stemOf(v)] : [stemOf(v), releaseStem],
  );
  return [...new Set(names)];
}

/** The main videos among a release's files: video extensions, not samples, not extras. */
function mainVideos(paths: string[]): string[] {
  return paths.filter((p) => VIDEO_EXTENSIONS.has(extOf(p)) && !isSample(p) && !isExtra(p)).sort();
}

function extOf(p: string): string {
  return path.extname(p).slice(1).toLowerCase();
}

function stemOf(p: string): string {
  const base = path.basename(p);
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
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
 * Library path (without extension) of an identified media file.
 *
 * @example `{kind:'movie', title:'The Matrix', year:1999}` → `Movies/The Matrix (1999)/The Matrix (1999)`
 * @example `{kind:'episode', series:'Lost', season:1, episodes:[1,2]}` → `Shows/Lost/Season 01/Lost - S01E01-E02`
 * @example `{kind:'episode', series:'Jeopardy', season:2023, episodes:[], airDate:'2023-11-02'}` →
 *   `Shows/Jeopardy/Season 2023/Jeopardy - 2023-11-02`
 */
export function libraryStem(identity: VideoIdentity): string {
  if (identity.kind === 'movie') {
    const name = `${identity.title} (${identity.year})`;
    return `${LIBRARY_FOLDERS.movies}/${name}/${name}`;
  }
  // Sonarr's and Plex's folder for season 0 is `Specials`.
  const season = identity.season === 0 ? 'Specials' : `Season ${pad2(identity.season)}`;
  const folder = `${LIBRARY_FOLDERS.shows}/${identity.series}/${season}`;
  // A daily show's episode is named by its air date (Sonarr's daily format), whatever its numbers.
  if (identity.airDate) return `${folder}/${identity.series} - ${identity.airDate}`;
  const first = identity.episodes[0]!;
  const last = identity.episodes[identity.episodes.length - 1]!;
  const range = `S${pad2(identity.season)}E${pad2(first)}${last !== first ? `-E${pad2(last)}` : ''}`;
  return `${folder}/${identity.series} - ${range}`;
}

/**
 * Language and flags of a subtitle file, read from the last tokens of its name
 * (`Movie.2019.eng.forced.srt` and `Movie.2019.forced.eng.srt` → `en.forced`, `Subs/2_English.srt` → `en`).
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
    // Flags may come before the language too (`Movie.forced.eng.srt`): after it, only flags are read.
    if (language) break;
    const found =
      (token.length === 2 && langs.where('1', token)) ||
      (token.length === 3 && (langs.where('2B', token) || langs.where('2T', token))) ||
      (token.length > 3 && langs.where('name', token.charAt(0).toUpperCase() + token.slice(1)));
    if (!found) break;
    language = found['1'];
  }
  return [language, ...flags].filter(Boolean).join('.');
}

/**
 * What one main video is: its own name and the release's are asked in turn (see
 * {@link candidateNames}); the first placed decision wins. A season-pack folder name identifies no
 * single episode, and a video whose own name is a camera or screen-recording name is never placed,
 * whatever its folder is called.
 */
function decideVideo(
  video: string,
  videoCount: number,
  releaseStem: string,
  context: IdentityContext | undefined,
):
  | { kind: 'placed'; identity: VideoIdentity; source: PlannedMediaFile['source'] }
  | { kind: 'unsorted'; reason: string; suggestions: SortSuggestion[] } {
  const own = stemOf(video);
  if (isCameraName(own) && !context?.parserAlone)
    return {
      kind: 'unsorted',
      reason: `"${own}" is a camera, phone or screen-recording name: never placed as a movie or episode`,
      suggestions: [],
    };
  const names = [...new Set(videoCount === 1 ? [releaseStem, own] : [own, releaseStem])];
  const suggestions: SortSuggestion[] = [];
  let firstReason: string | undefined;
  for (const name of names) {
    const decided = decideIdentity(name, context);
    const packName = videoCount > 1 && name === releaseStem;
    if (decided.kind === 'placed' && !(packName && decided.identity.kind === 'episode')) return decided;
    if (decided.kind === 'unsorted') {
      firstReason ??= decided.reason;
      for (const s of decided.suggestions)
        if (!suggestions.some((x) => libraryStem(x.identity) === libraryStem(s.identity)))
          suggestions.push(s);
    }
  }
  return {
    kind: 'unsorted',
    reason: firstReason ?? `no strict match for "${path.basename(video)}"`,
    suggestions: suggestions.slice(0, 3),
  };
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
  const unmatched = (reason: string, suggestions: SortSuggestion[] = []): SortPlan => ({
    kind: 'unmatched',
    releaseName,
    reason,
    unsortedPath: `${LIBRARY_FOLDERS.unsorted}/${releaseName}`,
    ...(suggestions.length ? { suggestions } : {}),
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
    let identity: VideoIdentity | undefined = approved;
    let source: PlannedMediaFile['source'];
    if (!approved) {
      const decided = decideVideo(video, videos.length, releaseStem, input.context);
      if (decided.kind === 'unsorted') return unmatched(decided.reason, decided.suggestions);
      ({ identity, source } = decided);
    }
    if (!identity) return unmatched(`no strict match for "${path.basename(video)}"`);
    let stem = libraryStem(identity);
    const part = videos.length > 1 && identity.kind === 'movie' ? PART_MARKER.exec(stemOf(video)) : null;
    if (part) stem += ` - pt${part[1]}`;
    const to = `${stem}.${extOf(video)}`;
    if (targets.has(to)) return unmatched(`two videos of the release would both be ${to}`);
    targets.add(to);
    items.push({
      identity,
      ...(source ? { source } : {}),
      video: { from: full(video), to, role: 'video' },
      subtitles: [],
    });
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
