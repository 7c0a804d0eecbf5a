import path from 'node:path';
import { PathEscapesRootError, relativeTo, resolveWithin } from './paths.js';

/** One rewrite: an *arr's absolute folder and the library-relative folder it is (autoscan style). */
export interface PathRewrite {
  from: string;
  to: string;
}

/** Raised when an *arr path maps to nothing vaultarr manages. */
export class UnmappedPathError extends Error {
  constructor(readonly arrPath: string) {
    super(`${arrPath} is not under library.localRoot or any webhooks.pathRewrites "from"`);
    this.name = 'UnmappedPathError';
  }
}

/**
 * Maps an *arr's absolute path to a library-relative path: the longest matching rewrite `from`
 * (whole path segments) is replaced by its `to`; a path under the local root maps directly.
 * The result is resolved against the local root and refused when it escapes it.
 *
 * @returns e.g. `Movies/The Matrix (1999)/The Matrix (1999).mkv`
 * @throws UnmappedPathError when no rewrite matches; PathEscapesRootError when the result escapes
 *   (`..`, encoded forms decoded by JSON, symlinks pointing out)
 */
export function mapArrPath(arrPath: string, rewrites: PathRewrite[], localRoot: string): string {
  if (!path.isAbsolute(arrPath) || arrPath.includes('\0')) throw new UnmappedPathError(arrPath);
  const normalized = path.posix.normalize(arrPath.replace(/\\/g, '/'));
  if (normalized.split('/').includes('..')) throw new PathEscapesRootError(localRoot, arrPath);
  const candidates = [...rewrites, { from: localRoot, to: '' }]
    .map((r) => ({ from: r.from.replace(/\/+$/, ''), to: r.to.replace(/^\/+|\/+$/g, '') }))
    .filter((r) => normalized === r.from || normalized.startsWith(`${r.from}/`))
    .sort((a, b) => b.from.length - a.from.length);
  const match = candidates[0];
  if (!match) throw new UnmappedPathError(arrPath);
  const rest = normalized.slice(match.from.length).replace(/^\/+/, '');
  const relative = [match.to, rest].filter(Boolean).join('/');
  if (!relative) throw new UnmappedPathError(arrPath);
  return relativeTo(localRoot, resolveWithin(localRoot, relative));
}
