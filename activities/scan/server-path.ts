/** Where a media server sees a library folder: its `pathRewrites`, else its `libraryRoot`. */
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';
import { trimTrailingSlashes } from './servers/http-base.js';

/**
 * Maps a library-relative folder to the absolute path at which a media server sees it: the
 * longest `pathRewrites[].from` matching on whole segments is replaced by its `to`; without one,
 * the folder is placed under `libraryRoot` (or `defaultLibraryRoot`).
 *
 * @param config - the server's `libraryRoot` and `pathRewrites`
 * @param libraryRelativeFolder - e.g. `Movies/The Matrix (1999)`; `''` is the library root
 * @param defaultLibraryRoot - absolute, used when the server has no `libraryRoot` (the union view)
 * @returns e.g. `/media/Movies/The Matrix (1999)` (no trailing slash)
 * @throws ApplicationFailure `INVALID_INPUT` (not retried) for an absolute folder or one with `..`
 */
export function serverPath(
  config: Pick<MediaServerConfig, 'libraryRoot' | 'pathRewrites'>,
  libraryRelativeFolder: string,
  defaultLibraryRoot: string,
): string {
  const folder = libraryRelativeFolder;
  if (folder.startsWith('/') || folder.includes('\0') || folder.split('/').includes('..'))
    throw permanentFailure(
      FailureType.INVALID_INPUT,
      `"${folder}" is not a library-relative folder (absolute or with "..")`,
    );
  const normalized = path.posix.normalize(folder).replace(/\/+$/, '').replace(/^\.$/, '');
  const under = (root: string, rest: string): string =>
    rest ? path.posix.join(root, rest) : trimTrailingSlashes(path.posix.normalize(root));
  const rewrite = config.pathRewrites
    .map((r) => ({ from: r.from.replace(/^\/+|\/+$/g, ''), to: r.to }))
    .filter((r) => r.from === '' || normalized === r.from || normalized.startsWith(`${r.from}/`))
    .sort((a, b) => b.from.length - a.from.length)[0];
  if (rewrite) return under(rewrite.to, normalized.slice(rewrite.from.length).replace(/^\/+/, ''));
  return under(config.libraryRoot ?? defaultLibraryRoot, normalized);
}
