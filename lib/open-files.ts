/**
 * Which files running processes hold open, read from Linux `/proc` the way `fuser` does: every
 * `/proc/<pid>/fd/<fd>` link names an open file, and its `/proc/<pid>/fdinfo/<fd>` `flags:` line
 * (octal `open(2)` flags) says whether it is open for writing. One walk serves both the cache
 * janitor (never evict a file being played) and intake (never sort a file still being written).
 *
 * Only processes whose `/proc/<pid>/fd` this process may read are seen: all of them as root, those
 * of the same user otherwise (as with `fuser`). Without `/proc` (not Linux) nothing is reported.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** `O_ACCMODE`: the access-mode bits of `open(2)` flags; 1 is `O_WRONLY`, 2 is `O_RDWR`. */
const ACCESS_MODE_MASK = 0o3;

/** Options of {@link openFiles}. */
export interface OpenFilesOptions {
  /** Only files opened for writing (`O_WRONLY` or `O_RDWR`); default false (any open file). */
  writersOnly?: boolean;
  /** Only report absolute paths under this directory (saves reading `fdinfo` for every descriptor). */
  under?: string;
}

/**
 * Every absolute path some process holds open (`/proc/<pid>/fd`), optionally only those open for
 * writing. Descriptors that close while being read are skipped; unreadable processes are skipped.
 *
 * @param options - see {@link OpenFilesOptions}
 * @returns the set of absolute paths (as the kernel resolves them)
 */
export async function openFiles(options: OpenFilesOptions = {}): Promise<Set<string>> {
  const open = new Set<string>();
  const root = options.under ? path.resolve(options.under) : undefined;
  const prefix = root && !root.endsWith(path.sep) ? root + path.sep : root;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return open;
  }
  // Synchronous calls, a few processes at a time: a walk is thousands of readlinks of procfs
  // (served from memory), and each one through the thread pool cost more than the call itself
  // (8,000 descriptors: 340 ms of CPU that way, 45 ms like this).
  for (const [i, pid] of pids.entries()) {
    if (i % PROCESSES_PER_TURN === PROCESSES_PER_TURN - 1) await new Promise((r) => setImmediate(r));
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // Gone, or another user's process.
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (prefix && !target.startsWith(prefix)) continue;
        if (options.writersOnly && !openForWriting(pid, fd)) continue;
        open.add(target);
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  }
  return open;
}

/** Processes walked between two turns of the event loop. */
const PROCESSES_PER_TURN = 16;

/** Whether descriptor `fd` of process `pid` was opened for writing (from its `fdinfo` flags). */
function openForWriting(pid: string, fd: string): boolean {
  const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
  return flags !== undefined && (parseInt(flags, 8) & ACCESS_MODE_MASK) !== 0;
}

/** Walks of `/proc` under one directory: the one running, and the next (joined by callers meanwhile). */
interface Walks {
  running?: Promise<Set<string>>;
  next?: Promise<Set<string>>;
  /** When the last walk started, and its answer (for callers that accept an older one). */
  last?: { at: number; writing: Promise<Set<string>> };
}
const walks = new Map<string, Walks>();

/**
 * The files open for writing under `dir`. Callers share walks: one that accepts an answer up to
 * `maxAgeMs` old gets the last walk's if it is that recent; otherwise the caller joins the next
 * walk, which starts only after the running one ends — after every caller that joined it asked,
 * so its answer is never older than the call — and at most one walk per directory runs at a time.
 */
function writersUnder(dir: string, maxAgeMs: number): Promise<Set<string>> {
  let w = walks.get(dir);
  if (!w) walks.set(dir, (w = {}));
  const state = w;
  if (maxAgeMs > 0 && state.last && Date.now() - state.last.at < maxAgeMs) return state.last.writing;
  state.next ??= (state.running ?? Promise.resolve())
    .then(
      () => undefined,
      () => undefined,
    )
    .then(() => {
      const writing = openFiles({ writersOnly: true, under: dir });
      state.running = writing;
      state.next = undefined;
      state.last = { at: Date.now(), writing };
      return writing.finally(() => {
        if (state.running === writing) state.running = undefined;
      });
    });
  return state.next;
}

/**
 * Which of these files some process holds open for writing (a download client that paused
 * mid-file, a copy in progress). Concurrent callers share walks of `/proc` (see `writersUnder`):
 * the answer is never older than the call unless `maxAgeMs` allows it.
 *
 * @param files - absolute paths
 * @param options.under - a directory holding all of them, to share walks among callers (default:
 *   their deepest common directory)
 * @param options.maxAgeMs - how old an answer may be, in ms (default 0: a walk after the call);
 *   the watcher, checking thousands of releases at once, takes 500 (a stale "open" only delays a
 *   release until its next check)
 * @returns the subset of `files` open for writing, in the given order
 */
export async function filesOpenForWriting(
  files: string[],
  options: { under?: string; maxAgeMs?: number } = {},
): Promise<string[]> {
  if (files.length === 0) return [];
  // /proc names files by their real path: resolve symlinks in the root (a symlinked data dir).
  const real = await Promise.all(files.map((f) => realpath(f).catch(() => path.resolve(f))));
  const under = options.under;
  const dir = under
    ? await realpath(under).catch(() => path.resolve(under))
    : real.map((f) => path.dirname(f)).reduce(commonDir);
  const writing = await writersUnder(dir, options.maxAgeMs ?? 0);
  return files.filter((_f, i) => writing.has(real[i]!));
}

function commonDir(a: string, b: string): string {
  while (a !== b && !b.startsWith(a + path.sep) && a !== path.dirname(a)) a = path.dirname(a);
  return a;
}
