/**
 * An rclone crypt vault checked the way `rclone cryptcheck` does, by rclone itself: the underlying
 * object's hash is compared with the hash of the local file encrypted with that object's nonce.
 * Nothing of the copy is downloaded but its 32-byte header (the nonce); the local file is read
 * (and encrypted) once more by rclone. vaultarr does not reimplement crypt: it runs `rclone
 * cryptcheck` on the one file and reads its answer.
 */
import { rcloneFailure, RcloneError } from './errors.js';

/**
 * Bytes of a crypt object rclone reads to learn its nonce (crypt's file header: 8 bytes of magic,
 * 24 of nonce): all that a cryptcheck downloads of the copy.
 */
export const CRYPT_HEADER_BYTES = 32;

/** How rclone describes a crypt remote (`backend features` / rc `operations/fsinfo` `String`). */
const CRYPT_FS_STRING = /^Encrypted drive '/;

/** Whether the `String` of a remote's features names an rclone crypt remote. */
export function isCryptFsString(description: string | undefined): boolean {
  return CRYPT_FS_STRING.test(description ?? '');
}

/** What rclone said when it ran: exit code and both outputs. */
export interface RcloneRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * The arguments of a `cryptcheck` of the paths read from stdin (`--files-from-raw -`): each local
 * file under `localRoot` against its object on the crypt remote, looked up directly
 * (`--no-traverse`: no listing of the folders), one way (what the vault holds besides is no
 * concern), each file's outcome on stdout (`--combined -`), the hash type on stderr (`-v`).
 */
export function cryptCheckArgs(localRoot: string, remote: string): string[] {
  return [
    'cryptcheck',
    localRoot,
    remote,
    '--files-from-raw',
    '-',
    '--no-traverse',
    '--one-way',
    '--combined',
    '-',
    '-v',
    '--stats',
    '0',
  ];
}

/**
 * The arguments of a `cryptcheck` that checks no file (an empty source, an empty file list): it
 * only tells which hash the crypt remote's underlying remote compares with, or that it has none.
 */
export function cryptHashProbeArgs(remote: string): string[] {
  return [
    'cryptcheck',
    ':memory:',
    remote,
    '--files-from-raw',
    '/dev/null',
    '--one-way',
    '-v',
    '--stats',
    '0',
  ];
}

/** The underlying remote keeps no hash: rclone's words (`<remote> does not support any hashes`). */
const NO_HASHES = /does not support any hashes/;
const HASH_USED = /Using (\S+) for hash comparisons/;
const NOT_CRYPT = /is not a crypt remote/;

/**
 * Which hash a crypt remote's underlying remote compares with, from a
 * {@link cryptHashProbeArgs} run.
 *
 * @returns the rclone hash name (`md5`, `sha1`, ...); `none` when the underlying remote keeps no
 *   hash; `undefined` when the remote is not a crypt remote after all
 * @throws RcloneError (retried) when rclone failed for another reason (the remote unreachable,
 *   credentials refused: `auth`)
 */
export function parseCryptHashProbe(run: RcloneRun): string | undefined {
  if (NOT_CRYPT.test(run.stderr)) return undefined;
  if (NO_HASHES.test(run.stderr)) return 'none';
  const used = HASH_USED.exec(run.stderr)?.[1];
  if (run.exitCode === 0 && used) return used.toLowerCase();
  if (run.exitCode === 0) throw unsaid();
  throw rcloneFailure('cryptcheck', { exitCode: run.exitCode, stderr: run.stderr });
}

/**
 * A cryptcheck of one file: `match` (the underlying object's hash equals the local file's,
 * encrypted with the object's nonce); `differ` (sizes or hashes differ); `missing` (no object
 * at the path on the vault); `unchecked` (the underlying remote, or this object, has no hash:
 * rclone counts it as matching, vaultarr does not).
 */
export type CryptCheckOutcome =
  | { kind: 'match'; hashType: string }
  | { kind: 'differ'; detail: string }
  | { kind: 'missing' }
  | { kind: 'unchecked'; detail: string };

/**
 * Reads a {@link cryptCheckArgs} run of one file.
 *
 * @param relativePath - the file checked, as given on stdin
 * @throws RcloneError (`auth` when the credentials were refused; else `other`, retried) when
 *   rclone could not check the file (the vault unreachable, the object unreadable)
 */
export function parseCryptCheck(run: RcloneRun, relativePath: string): CryptCheckOutcome {
  if (NO_HASHES.test(run.stderr)) return { kind: 'unchecked', detail: lastLine(run.stderr, NO_HASHES) };
  const sigil = run.stdout
    .split('\n')
    .find((line) => line.slice(2) === relativePath)
    ?.charAt(0);
  if (sigil === '+') return { kind: 'missing' };
  if (sigil === '*') return { kind: 'differ', detail: lastLine(run.stderr, /(hashes|sizes) differ/) };
  const hashType = HASH_USED.exec(run.stderr)?.[1]?.toLowerCase();
  // Without rclone's INFO lines (`-q` in the extra flags) nothing tells a match from a file it
  // could not hash: no verdict then.
  if (sigil === '=' && run.exitCode === 0 && !hashType) throw unsaid();
  if (sigil === '=' && run.exitCode === 0 && hashType) {
    // rclone reports an object it could not hash as matching, and says so only in its summary.
    const unchecked = /(\d+) hashes could not be checked/.exec(run.stderr);
    if (unchecked && Number(unchecked[1]) > 0)
      return { kind: 'unchecked', detail: `the vault has no ${hashType} for ${relativePath}` };
    return { kind: 'match', hashType };
  }
  const failure = rcloneFailure('cryptcheck', { exitCode: run.exitCode, stderr: run.stderr });
  // "Not found" is never the answer here: a missing object shows as `+` above.
  if (failure.kind === 'not-found') throw new RcloneError(failure.message, 'other', run.exitCode);
  throw failure;
}

/** rclone ran without saying which hash it compared (its INFO lines were silenced). */
function unsaid(): RcloneError {
  return new RcloneError(
    'rclone cryptcheck did not say which hash it compared: is `-q` or `--log-level` in vault.extraFlags?',
    'other',
    0,
  );
}

/** The last line of rclone's stderr that matches, without its timestamp and level. */
function lastLine(stderr: string, pattern: RegExp): string {
  const lines = stderr.split('\n').filter((l) => pattern.test(l));
  return (lines[lines.length - 1] ?? '').replace(/^\S+ \S+ [A-Z]+\s*: /, '').trim();
}
