/**
 * A small per-item record on this host's disk, so that a sort activity retried after a lost
 * completion answers what its first attempt did (this item's `Unsorted/` entry, the copies it
 * removed) instead of guessing from what it finds, which may be another item's.
 *
 * Records live in `<localRoot>/.vaultarr/sort-journal/<sha1 of workflow ID and step>.json` (a
 * hidden folder: reconcile and the media servers skip it); records older than 30 days are pruned.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const MAX_AGE_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
let lastPruneMs = 0;

/** The journal folder under a local root. */
export function journalDir(localRoot: string): string {
  return path.join(localRoot, '.vaultarr', 'sort-journal');
}

function recordPath(localRoot: string, workflowId: string, step: string): string {
  const key = createHash('sha1').update(`${workflowId}#${step}`).digest('hex');
  return path.join(journalDir(localRoot), `${key}.json`);
}

/**
 * Reads an item's record of one step.
 *
 * @returns the recorded value, or `undefined` when there is none (or it is unreadable)
 */
export async function readJournal<T>(
  localRoot: string,
  workflowId: string,
  step: string,
): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(localRoot, workflowId, step), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Writes (replaces) an item's record of one step, atomically (temp file, then rename).
 *
 * @throws fs errors (the activity's retry writes again)
 */
export async function writeJournal(
  localRoot: string,
  workflowId: string,
  step: string,
  value: unknown,
): Promise<void> {
  const file = recordPath(localRoot, workflowId, step);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, file);
  if (Date.now() - lastPruneMs > PRUNE_EVERY_MS) {
    lastPruneMs = Date.now();
    await pruneJournal(localRoot).catch(() => undefined);
  }
}

/** Removes records older than 30 days (their items were sorted long ago). */
async function pruneJournal(localRoot: string): Promise<void> {
  const dir = journalDir(localRoot);
  const now = Date.now();
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > MAX_AGE_MS) await rm(file, { force: true });
  }
}
