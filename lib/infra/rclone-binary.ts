/**
 * The rclone vaultarr runs: one version pinned by the project, built by `scripts/bootstrap.sh`
 * with `go install github.com/rclone/rclone@v<RCLONE_PINNED_VERSION>` into the same cache as the
 * Temporal CLI, and put first on `PATH` by every entry point (the `vaultarr` command, the tests,
 * the bench), so that the workers, the union mount, the tests' servers and the bench all run it.
 * `vault.rcloneBinary` still names another one; one older than {@link RCLONE_MIN_VERSION} is refused.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';

/** The version `scripts/bootstrap.sh` installs (keep the two in step). */
export const RCLONE_PINNED_VERSION = '1.76.0';

/**
 * The oldest rclone vaultarr works with, and what it needs from it: `--webdav-pacer-min-sleep`
 * (the WebDAV vault's pacer), `cryptcheck` of one file (`--files-from-raw`, `--combined`, a
 * `:memory:` source: a crypt vault's copy checked through its nonce) and `serve s3` (the tests'
 * S3 vault) — rclone 1.73.
 */
export const RCLONE_MIN_VERSION = '1.73.0';

/** Where scripts/bootstrap.sh caches the tools it builds (the Temporal CLI, rclone): outside the clone. */
export const TOOLS_CACHE_BIN = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'),
  'vaultarr',
  'bin',
);

/**
 * Puts {@link TOOLS_CACHE_BIN} first on this process's `PATH` (once; children inherit it), so that
 * `rclone` is the pinned build wherever it is installed. Does nothing when the folder is missing
 * (an image that installs its tools elsewhere).
 */
export function usePinnedTools(env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(TOOLS_CACHE_BIN)) return;
  const entries = (env.PATH ?? '').split(path.delimiter).filter((e) => e && e !== TOOLS_CACHE_BIN);
  env.PATH = [TOOLS_CACHE_BIN, ...entries].join(path.delimiter);
}

/** `[major, minor, patch]` of an rclone version line (`rclone v1.76.0`, `rclone v1.60.1-DEV`). */
export function parseRcloneVersion(line: string): [number, number, number] | undefined {
  const m = /rclone v(\d+)\.(\d+)\.(\d+)/.exec(line);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

const older = (a: readonly number[], b: readonly number[]): boolean => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
};

/**
 * Asks `binary version` which rclone it is and refuses one older than {@link RCLONE_MIN_VERSION}.
 *
 * @param binary - `vault.rcloneBinary` (a name looked up on PATH, or a path)
 * @returns the version found, e.g. `1.76.0`
 * @throws UserError naming the version found and the one needed (or that the binary does not run):
 *   a start-up error, not retried
 */
export async function checkRcloneVersion(binary: string): Promise<string> {
  const { stdout } = await promisify(execFile)(binary, ['version'], { timeout: 20_000 }).catch(
    (err: Error) => {
      throw new UserError(
        `vault.rcloneBinary "${binary}" does not run (${err.message.split('\n')[0]}): run "bash scripts/bootstrap.sh" to build rclone v${RCLONE_PINNED_VERSION} into ${TOOLS_CACHE_BIN}, or name another rclone`,
      );
    },
  );
  const found = parseRcloneVersion(stdout);
  const needed = parseRcloneVersion(`rclone v${RCLONE_MIN_VERSION}`)!;
  if (!found || older(found, needed))
    throw new UserError(
      `rclone ${found ? `v${found.join('.')}` : `"${stdout.split('\n')[0]}"`} (vault.rcloneBinary "${binary}") is older than v${RCLONE_MIN_VERSION}, the oldest vaultarr works with: run "bash scripts/bootstrap.sh" to build v${RCLONE_PINNED_VERSION} into ${TOOLS_CACHE_BIN}, or set vault.rcloneBinary to a newer rclone`,
    );
  return found.join('.');
}
