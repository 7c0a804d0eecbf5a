/**
 * Whether a release has finished arriving, by every sign this host can read — the rule intake
 * places a release by (README, "What happens to a release"):
 *
 * 1. no file has a partial name (`.part`, `.!qB`, rsync's `.name.XXXXXX`, ...);
 * 2. nothing in it changed (size and mtime) for the settle time (`intake.settleSeconds`);
 * 3. no process holds any of its files open for writing (`/proc`, as `fuser`; see `lib/open-files.ts`);
 * 4. no file has preallocated space never written, or holes (the filesystem's extent map, `FIEMAP`;
 *    see `lib/filefrag.ts` — skipped where the filesystem has none: tmpfs, NFS, FUSE);
 * 5. no video is empty, and every video container is whole (`ffprobe` reads its end; see
 *    `lib/ffprobe.ts`).
 *
 * 1-3 say a writer is still at work (`busy`: wait, never give up on it). 4-5, once 1-3 pass, say
 * the bytes are not all there (`incomplete`): a paused client, a copy cut short by a full disk, a
 * 0-byte drop. The caller waits on those too, up to `intake.damagedAfterMinutes`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { checkContainer, type ContainerCheck } from '../../lib/ffprobe.js';
import { readExtentMap } from '../../lib/filefrag.js';
import { isPartialName, type ListedFile } from '../../lib/files.js';
import { filesOpenForWriting } from '../../lib/open-files.js';
import type { SortSettings } from './activities.js';
import { VIDEO_EXTENSIONS } from './release-planner.js';

/**
 * How the check reads the signs: the quiet time a release needs and the `ffprobe` command, from
 * the sort activities' settings (config `intake`, see `sortSettings`).
 */
export type CompletenessRules = Pick<SortSettings, 'settleMs' | 'ffprobeBinary'> & {
  /** The `filefrag` command (default `filefrag`). */
  filefragBinary?: string;
};

/** A release to check. */
export interface ReleaseToCheck {
  /** Absolute path of the release (a file, or a folder). */
  abs: string;
  isFolder: boolean;
  /** Its folder's mtime (for a file: the file's), in ms since the epoch. */
  mtimeMs: number;
  /** Every file, relative to the folder (a single file: its name). */
  files: ListedFile[];
  /** A folder holding the release, to share walks of `/proc` among checks (`Incoming/`). */
  under: string;
  /** Stops the tools (the activity's cancellation). */
  signal?: AbortSignal;
}

/** The verdict on a release. */
export type Completeness =
  | {
      kind: 'complete';
      /** Signs that could not be read here (no `FIEMAP`, no `ffprobe`), each a sentence. */
      unread: string[];
    }
  /** A writer is at work: look again in `recheckInMs`. */
  | { kind: 'busy'; reason: string; recheckInMs: number }
  /** Quiet, but the bytes are not all there; `lastChangeMs` is the newest mtime in it. */
  | { kind: 'incomplete'; reason: string; lastChangeMs: number };

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes < MiB ? `${bytes} bytes` : `${(bytes / MiB).toFixed(1)} MiB`);

/** True for a video file (by extension), the files whose container is checked. */
export const isVideoFile = (name: string): boolean =>
  VIDEO_EXTENSIONS.has(path.extname(name).slice(1).toLowerCase());

/**
 * How long to wait before looking at a waiting release again, in ms: the settle time, between 1 s
 * and 1 min (a look costs a few `stat`s, one walk of `/proc` and a `filefrag` per file).
 */
export function recheckIntervalMs(settleMs: number): number {
  return Math.min(60_000, Math.max(1000, settleMs));
}

/**
 * Creates the check. Container verdicts are remembered per file version (device, inode, size,
 * mtime), so a release that waits is probed once, not at every look.
 *
 * @param rules - settle time and tool commands
 */
export function createCompletenessCheck(rules: CompletenessRules) {
  const probed = new LRUCache<string, ContainerCheck>({ max: 10_000 });

  /**
   * Checks a release (see the module comment for the signs, in the order they are read).
   *
   * @returns `complete`, `busy` (with when to look again) or `incomplete` (with the reason)
   * @throws the fs error when a file vanished meanwhile (the caller's attempt is retried)
   */
  return async function checkRelease(release: ReleaseToCheck): Promise<Completeness> {
    const { abs, isFolder, files } = release;
    const fileAbs = (f: ListedFile) => (isFolder ? path.join(abs, f.path) : abs);
    const name = (f: ListedFile) => (isFolder ? f.path : path.basename(abs));
    const recheckInMs = recheckIntervalMs(rules.settleMs);

    const partial = files.filter((f) => isPartialName(path.basename(f.path)));
    if (partial.length > 0)
      return {
        kind: 'busy',
        reason: `still being downloaded (${partial.map(name).join(', ')})`,
        recheckInMs,
      };
    const lastChangeMs = Math.max(release.mtimeMs, ...files.map((f) => f.mtimeMs));
    const quietMs = Date.now() - lastChangeMs;
    if (quietMs < rules.settleMs) {
      const changed = files.filter((f) => Date.now() - f.mtimeMs < rules.settleMs).map(name);
      return {
        kind: 'busy',
        reason: `changed ${Math.round(quietMs / 1000)} s ago (${changed.join(', ') || 'the folder'}); a release must be quiet for ${Math.round(rules.settleMs / 1000)} s`,
        recheckInMs: rules.settleMs - quietMs + 50,
      };
    }
    // A writer that paused longer than the settle time still holds its file open for writing.
    const writing = await filesOpenForWriting(files.map(fileAbs), { under: release.under });
    if (writing.length > 0)
      return {
        kind: 'busy',
        reason: `still open for writing (${writing.map((w) => (isFolder ? path.relative(abs, w) : path.basename(w))).join(', ')})`,
        recheckInMs,
      };

    const unread = new Set<string>();
    const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
    const empty = files.filter((f) => f.sizeBytes === 0 && (isVideoFile(f.path) || !isFolder));
    if (empty.length > 0 || total === 0)
      return {
        kind: 'incomplete',
        reason: `${empty.map(name).join(', ') || 'the release'} ${empty.length > 1 ? 'are' : 'is'} empty (0 bytes)`,
        lastChangeMs,
      };
    for (const f of files) {
      if (f.sizeBytes === 0) continue;
      const map = await readExtentMap(fileAbs(f), { binary: rules.filefragBinary, signal: release.signal });
      if (!map.supported) {
        unread.add(`unwritten space not checked: ${map.reason}`);
        continue;
      }
      if (map.unwrittenBytes > 0 || map.holeBytes > 0) {
        const parts = [
          ...(map.unwrittenBytes > 0 ? [`${mib(map.unwrittenBytes)} preallocated and never written`] : []),
          ...(map.holeBytes > 0 ? [`${mib(map.holeBytes)} of holes never written`] : []),
        ];
        return {
          kind: 'incomplete',
          reason: `${name(f)} has ${parts.join(' and ')} (of ${mib(map.sizeBytes)}): a writer has not filled it`,
          lastChangeMs,
        };
      }
    }
    for (const f of files.filter((file) => isVideoFile(file.path))) {
      const at = fileAbs(f);
      const s = await stat(at);
      const version = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
      let verdict = probed.get(version);
      if (!verdict) {
        verdict = await checkContainer(at, { binary: rules.ffprobeBinary, signal: release.signal });
        probed.set(version, verdict);
      }
      if (verdict.kind === 'unchecked') unread.add(`video containers not checked: ${verdict.reason}`);
      if (verdict.kind === 'truncated')
        return { kind: 'incomplete', reason: `${name(f)} is not whole: ${verdict.reason}`, lastChangeMs };
    }
    return { kind: 'complete', unread: [...unread] };
  };
}

/** A release checker (see {@link createCompletenessCheck}). */
export type CompletenessCheck = ReturnType<typeof createCompletenessCheck>;
