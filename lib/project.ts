import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (the nearest folder above this module holding `package.json`), so code
 * finds `db/migrations` and `workflows/` the same way from sources (tests) and from `dist/`.
 */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('vaultarr: cannot find the project root (package.json)');
    dir = parent;
  }
  return dir;
}
