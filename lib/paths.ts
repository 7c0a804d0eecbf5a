import { realpathSync } from 'node:fs';
import path from 'node:path';

/** Thrown when a path from outside (payload, API, watcher) resolves outside its configured root. */
export class PathEscapesRootError extends Error {
  constructor(
    readonly root: string,
    readonly relativePath: string,
  ) {
    super(`path "${relativePath}" escapes ${root}`);
    this.name = 'PathEscapesRootError';
  }
}

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Real paths of roots, by root: a root (the library, `Incoming/`) is resolved once per process. */
const realRoots = new Map<string, string>();
function realRootOf(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpathSync(root);
    realRoots.set(root, real);
  }
  return real;
}

/**
 * Resolves a library-relative path (`Movies/X (1999)/X (1999).mkv`) against a root, refusing any
 * that escapes it: absolute paths, `..` segments that climb out, and symlinks (in the part that
 * exists) pointing outside.
 *
 * @param root - absolute directory
 * @param relativePath - `/`-separated path relative to `root`
 * @returns the absolute path
 * @throws PathEscapesRootError when the path escapes `root`
 */
export function resolveWithin(root: string, relativePath: string): string {
  if (path.isAbsolute(relativePath) || relativePath.includes('\0'))
    throw new PathEscapesRootError(root, relativePath);
  const absolute = path.resolve(root, relativePath);
  if (!inside(root, absolute)) throw new PathEscapesRootError(root, relativePath);
  // Follow symlinks in the longest existing prefix: a link inside the root may point anywhere.
  let existing = absolute;
  for (;;) {
    try {
      const real = realpathSync(existing);
      const realRoot = realRootOf(root);
      if (!inside(realRoot, real)) throw new PathEscapesRootError(root, relativePath);
      break;
    } catch (err) {
      if (err instanceof PathEscapesRootError) throw err;
      const parent = path.dirname(existing);
      if (parent === existing || !inside(root, parent)) break;
      existing = parent;
    }
  }
  return absolute;
}

/** `a/b/c` from an absolute path under `root` (always `/`-separated). */
export function relativeTo(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/');
}
