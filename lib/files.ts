/**
 * File operations that never lose or overwrite a file: atomic moves, content comparison, hashing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** sha256 of a file's bytes, lowercase hex. Streams, so memory stays flat for any size. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** True when both files exist and hold the same bytes (same inode, or same size and sha256). */
export async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  if (sa.dev === sb.dev && sa.ino === sb.ino) return true;
  if (sa.size !== sb.size) return false;
  const [ha, hb] = await Promise.all([sha256File(a), sha256File(b)]);
  return ha === hb;
}

/** `true` when the path exists (any type). */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Raised by {@link moveFileNoClobber} when a different file holds the target. */
export class DestinationExistsError extends Error {
  constructor(readonly target: string) {
    super(`a different file already exists at ${target}`);
    this.name = 'DestinationExistsError';
  }
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves one file without ever overwriting another, atomically where the filesystem allows.
 * Same filesystem: hard link then unlink (the link fails if the target exists), or rename after a
 * check where links are unsupported. Across filesystems: copy to a temp name beside the target,
 * fsync, link into place, then remove the source. Safe to call again after a crash at any point:
 * a target already holding the same bytes counts as done.
 *
 * @param from - absolute source path
 * @param to - absolute target path (parents are created)
 * @returns `moved`, or `already-there` when the target held the same bytes and the source was removed
 * @throws DestinationExistsError when a different file holds the target (nothing is changed)
 * @throws the fs error (`ENOENT` when neither source nor target exists)
 */
export async function moveFileNoClobber(from: string, to: string): Promise<'moved' | 'already-there'> {
  await mkdir(path.dirname(to), { recursive: true });
  if (await exists(to)) {
    if (!(await exists(from))) return 'already-there';
    if (!(await sameContent(from, to))) throw new DestinationExistsError(to);
    await unlink(from);
    return 'already-there';
  }
  try {
    await link(from, to);
    await unlink(from);
    return 'moved';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return moveFileNoClobber(from, to);
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
      await rename(from, to);
      return 'moved';
    }
    if (code !== 'EXDEV') throw err;
  }
  const temp = path.join(path.dirname(to), `.vaultarr-${path.basename(to)}.${process.pid}.tmp`);
  await copyFile(from, temp);
  await fsyncPath(temp);
  try {
    await link(temp, to);
  } catch (err) {
    await unlink(temp);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return moveFileNoClobber(from, to);
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
  await fsyncPath(path.dirname(to));
  await unlink(from);
  return 'moved';
}

/** One file found by {@link listFiles}. */
export interface ListedFile {
  /** Path relative to the listed root, `/`-separated. */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** Lists every regular file under a directory, recursively (symlinks are not followed). */
export async function listFiles(root: string): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(abs, rel);
      else if (entry.isFile()) {
        const s = await stat(abs);
        out.push({ path: rel, sizeBytes: s.size, mtimeMs: s.mtimeMs });
      }
    }
  };
  await walk(root, '');
  return out;
}

/**
 * Moves a file or a whole folder to a target that must not exist yet; across filesystems, file by
 * file with {@link moveFileNoClobber}.
 *
 * @throws DestinationExistsError when the target exists
 */
export async function moveTreeNoClobber(from: string, to: string): Promise<void> {
  const s = await stat(from);
  if (!s.isDirectory()) {
    await moveFileNoClobber(from, to);
    return;
  }
  if (await exists(to)) throw new DestinationExistsError(to);
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  for (const file of await listFiles(from))
    await moveFileNoClobber(path.join(from, file.path), path.join(to, file.path));
  await rm(from, { recursive: true, force: true });
}

/** Names that mark a file still being written: download-client partials and rsync's `.name.XXXXXX` temps. */
export function isPartialName(name: string): boolean {
  return (
    /\.(part|partial|!qb|!ut|crdownload|filepart|tmp|aria2|download)$/i.test(name) ||
    /^\..+\.[A-Za-z0-9]{6}$/.test(name)
  );
}
