/**
 * How a failed rclone command is told to callers: {@link RcloneError} with a {@link RcloneErrorKind},
 * classified in ONE place ({@link rcloneFailure}) from what rclone said, whether it ran as a process
 * (its stderr and exit code) or in the daemon (the rc error and HTTP status).
 */

/**
 * How callers treat a failed rclone command: `auth`, the credentials were refused (a human must
 * act); `refused`, the remote refuses a write whoever asks — read-only, no permission, out of
 * space (see {@link rcloneErrorKind}); `not-found`; `other`, transient or unknown.
 */
export type RcloneErrorKind = 'auth' | 'refused' | 'not-found' | 'other';

/** An rclone command failed. `kind` says how callers should treat it. */
export class RcloneError extends Error {
  constructor(
    message: string,
    readonly kind: RcloneErrorKind,
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = 'RcloneError';
  }
}

/** Error of a daemon call: the message rclone gave and the HTTP status. */
export class RcloneDaemonError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RcloneDaemonError';
  }
}

const AUTH_PATTERN =
  /\b(401|403)\b|unauthori[sz]ed|forbidden|invalid_grant|authentication failed|access denied/i;

/** On a write: the credentials themselves were refused (every other 403 is about the write). */
const CREDENTIALS_PATTERN =
  /\b401\b|unauthori[sz]ed|invalid_grant|authentication failed|InvalidAccessKeyId|SignatureDoesNotMatch/i;

/**
 * On a write: the remote refuses it for what it is or holds. A local or SFTP vault: EROFS, EACCES,
 * EPERM, ENOSPC; WebDAV: 403 Forbidden, 405 Method Not Allowed, 507 Insufficient Storage; S3:
 * AccessDenied; Google Drive: `storageQuotaExceeded` (its upload quota is a pause, not this: see
 * `quota-pause.ts`).
 */
const REFUSED_PATTERN =
  /read-only file system|\bEROFS\b|permission denied|\bEACCES\b|operation not permitted|\b40[35]\b|forbidden|access denied|method not allowed|\b507\b|insufficient storage|no space left|\bENOSPC\b|storage quota|not enough space/i;

/**
 * On an upload: how a WebDAV server that takes no writes answers. `rclone serve webdav
 * --read-only` answers a PUT with 404 Not Found and a MKCOL of the new folder with 409 Conflict
 * (rclone: `Update mkParentDir failed: Conflict: 409 Conflict`); the source is a local file that
 * was there a moment ago, so neither means "not found".
 */
const REFUSED_UPLOAD_PATTERN = /\b404 Not Found\b|mkParentDir failed/i;

/** rclone commands (and rc calls) that write to the remote. */
const WRITE_COMMANDS = new Set([
  'copy',
  'copyto',
  'move',
  'moveto',
  'touch',
  'mkdir',
  'purge',
  'delete',
  'deletefile',
  'rmdirs',
]);
/** rclone commands that upload local files. */
const UPLOAD_COMMANDS = new Set(['copy', 'copyto']);

/**
 * Classifies a failed rclone command from its error text (all of stderr, or the daemon's error)
 * and the line that says what failed.
 *
 * @param command - the rclone command (`copy`, `moveto`, `lsjson`, ...)
 * @param text - everything rclone said (searched for credential problems)
 * @param message - its last error line (searched for "not found")
 * @param notFound - the exit code or HTTP status already says "not found"
 * @returns the {@link RcloneErrorKind}; on a read, `auth` for any 401/403
 */
export function rcloneErrorKind(
  command: string,
  text: string,
  message: string,
  notFound = false,
): RcloneErrorKind {
  if (WRITE_COMMANDS.has(command) && !CREDENTIALS_PATTERN.test(text) && !/source object/i.test(message)) {
    if (REFUSED_PATTERN.test(message)) return 'refused';
    if (UPLOAD_COMMANDS.has(command) && REFUSED_UPLOAD_PATTERN.test(message)) return 'refused';
  }
  if (AUTH_PATTERN.test(text)) return 'auth';
  return notFound || /not found/i.test(message) ? 'not-found' : 'other';
}

/** Reads the last line of rclone's stderr that is an error, for messages. */
function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { level?: string; msg?: string };
        return j.level === 'error' || j.level === 'critical' ? (j.msg ?? l) : '';
      } catch {
        return /ERROR|Failed/.test(l) ? l : '';
      }
    })
    .filter(Boolean);
  return lines[lines.length - 1] ?? stderr.trim().split('\n').pop() ?? '';
}

/** What a failed command left: a process's exit code and stderr, or the daemon's error and status. */
export type RcloneFailure =
  { exitCode: number | undefined; stderr: string } | { daemonMessage: string; status: number | undefined };

/**
 * The error of a failed rclone command, the one classifier of both ways rclone runs: from a
 * process, its last error line after `(exit <code>)`, "not found" when the exit code is 3 or 4;
 * from the daemon, its error message, "not found" on HTTP 404.
 *
 * @param command - the rclone command (`copy`, `moveto`, `lsjson`, ...; for the daemon, the
 *   command a process would have run)
 * @returns the error, its kind from {@link rcloneErrorKind}
 */
export function rcloneFailure(command: string, failure: RcloneFailure): RcloneError {
  const daemon = 'daemonMessage' in failure;
  const text = daemon ? failure.daemonMessage : failure.stderr;
  const message = daemon ? text : lastError(text);
  const exitCode = daemon ? undefined : failure.exitCode;
  const notFound = daemon ? failure.status === 404 : exitCode === 3 || exitCode === 4;
  const exit = daemon ? '' : ` (exit ${exitCode ?? '?'})`;
  const kind = rcloneErrorKind(command, text, message, notFound);
  return new RcloneError(`rclone ${command} failed${exit}: ${message}`, kind, exitCode);
}

/** A command stopped before it failed or finished (`rclone copy was cancelled`): kind `other`. */
export function rcloneStopped(message: string): RcloneError {
  return new RcloneError(message, 'other', undefined);
}

/**
 * The result of `work`, or `fallback` when it fails with a `not-found` {@link RcloneError}.
 *
 * @throws whatever else `work` throws
 */
export async function unlessNotFound<T, F>(work: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof RcloneError && err.kind === 'not-found') return fallback;
    throw err;
  }
}
