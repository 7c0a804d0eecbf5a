/**
 * Vault activities (host task queue: they read this host's local files): copy library files to
 * the vault remote, verify the copy, and evict a local copy whose vault copy is verified.
 *
 * The local file is hashed while rclone copies it, and the copy is checked the cheapest way the
 * remote allows (`checks.ts`); eviction is in `eviction.ts`. Every function here runs under the
 * heartbeat pump of `activities/progress.ts` and reports its phase and bytes.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureType } from '../../domain/failures.js';
import type { VaultVerification } from '../../domain/messages.js';
import type { Config } from '../../lib/config.js';
import { unionView } from '../../lib/infra/union.js';
import { redactText } from '../../lib/secrets.js';
import { msUntilWindow } from '../../lib/upload-window.js';
import { permanentFailure, retryableFailure } from '../failures.js';
import { activitySignal, reportProgress } from '../progress.js';
import { createVaultChecks, methodFor, type LocalFileRecord } from './checks.js';
import { createEvictLocalCopy } from './eviction.js';
import { HostQuotaPause, isQuotaExhausted } from './quota-pause.js';
import type { Rclone } from './rclone/client.js';
import { RcloneError } from './rclone/errors.js';

export type { EvictLocalCopyInput, EvictLocalCopyResult } from './eviction.js';
export type { LocalFileRecord } from './checks.js';

/**
 * The vault activities' settings, from config `library`, `union` and `vault`:
 * - `localRoot`: the absolute local root (`.Local`);
 * - `unionVaultMount`, `unionRcFile`: the union view's vault mount (`<data>/.Vault`) and its rc
 *   file (`<data>/run/union-rc.json`) when enabled: evictions wait until the mount shows the copy,
 *   refreshing its directory cache first;
 * - `copyAttempts`: attempts of a copy the vault refuses before it is no longer retried
 *   (`vault.copyAttempts`);
 * - `quotaPauseMs`: how long this host's copies pause once the remote's quota is exhausted
 *   (`vault.quotaPauseHours`).
 */
export function vaultSettings(config: Config) {
  const union = unionView(config);
  return {
    localRoot: config.library.localRoot,
    unionVaultMount: union.vaultMount,
    unionRcFile: union.rcFile,
    copyAttempts: config.vault.copyAttempts,
    quotaPauseMs: config.vault.quotaPauseHours * 3600_000,
  };
}

/** What {@link vaultSettings} returns. */
export type VaultSettings = ReturnType<typeof vaultSettings>;

/** Dependencies of the vault activities. */
export interface VaultDeps {
  rclone: Rclone;
  settings: VaultSettings;
  /**
   * This host's quota pause, shared by every copy of this worker (and read by its metrics);
   * default one of `settings.quotaPauseMs`.
   */
  quotaPause?: HostQuotaPause;
  /** How long eviction waits for the vault mount to show a copy before the attempt fails (retried), in ms (default 60 s). */
  unionVisibleWaitMs?: number;
}

/** Input of `copyToVault`. */
export interface CopyToVaultInput {
  /** Library-relative paths (the video and its subtitles). */
  libraryPaths: string[];
  /** Copy even when the remote has the same size and modtime (after a failed verification). */
  force?: boolean;
}

/** Result of `copyToVault`. */
export interface CopyToVaultResult {
  /** Bytes rclone transferred (0 when the vault already held every file). */
  bytesDone: number;
  /** Bytes of all the files. */
  bytesTotal: number;
  /** Each file as hashed during the copy, for `verifyVaultCopy`. */
  local: LocalFileRecord[];
}

/** Input of `verifyVaultCopy`. */
export interface VerifyVaultCopyInput {
  libraryPaths: string[];
  /** The files as `copyToVault` hashed them; absent (items copied by older versions), they are hashed here. */
  local?: LocalFileRecord[];
}

/**
 * Outcome of `verifyVaultCopy`: an expected branch, so a value. `changed` says the local file is
 * no longer what was copied (the item goes back to copying).
 */
export type VerifyVaultCopyResult =
  { match: true; verification: VaultVerification } | { match: false; reason: string; changed?: boolean };

/** The attempt number of the running activity (1 outside one). */
function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/**
 * A copy the vault refused, as a sentence: rclone's words (no credentials in them) after what
 * they mean. Retried until `attempt` reaches `copyAttempts`.
 */
function refusedWrites(err: RcloneError, copyAttempts: number): ApplicationFailure {
  const attempt = activityAttempt();
  const said = redactText(err.message.replace(/^rclone \S+ failed(?: \(exit [^)]*\))?: /, '')).slice(0, 300);
  return ApplicationFailure.create({
    type: FailureType.VAULT_REFUSES_WRITES,
    message: `the vault refuses writes: is it read-only or out of space? rclone said: ${said}`,
    nonRetryable: attempt >= copyAttempts,
    details: [{ attempt, copyAttempts }],
  });
}

/**
 * Creates the vault activities.
 *
 * @param deps - the rclone client of the vault remote, the settings (see {@link vaultSettings}) and
 *   the host's quota pause
 */
export function createVaultActivities(deps: VaultDeps) {
  const { rclone } = deps;
  const { localRoot, copyAttempts } = deps.settings;
  const quotaPause = deps.quotaPause ?? new HostQuotaPause(deps.settings.quotaPauseMs);
  const checks = createVaultChecks({ localRoot, rclone });
  const { localStat, hashLocal, localChange, checkRemote } = checks;
  const evictLocalCopy = createEvictLocalCopy(deps, checks);

  /**
   * Copies library files to the same library-relative paths on the vault with rclone, and hashes
   * them in the same breath (one read each, sharing the page cache with rclone's). Reports
   * `copying` progress, then `hashing` while the hash outlasts the upload. Safe to retry after a crash at any point: rclone skips files already
   * complete and rewrites partial ones.
   *
   * @returns bytes copied / total, and each file as hashed (for `verifyVaultCopy`)
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried) when a local file is gone;
   *   `REMOTE_AUTH_FAILED` (not retried) when the remote refuses the credentials;
   *   `PATH_ESCAPES_ROOT` (not retried); `LOCAL_FILE_CHANGED` (retried: the next attempt copies
   *   the new content) when a file changed while it was copied; `REMOTE_QUOTA_EXCEEDED` (not
   *   retried: the workflow waits `details[0].waitMs`, see `quota-pause.ts`) when the remote says
   *   the upload quota is exhausted, and at once, without touching the remote, while this host's
   *   copies are paused for it; `VAULT_REFUSES_WRITES` when the vault refuses the write
   *   (read-only, permission denied, out of space), retried until the attempt reaches
   *   `vault.copyAttempts`, then not (the item parks); any other rclone failure is retried
   */
  async function copyToVault(input: CopyToVaultInput): Promise<CopyToVaultResult> {
    const paused = quotaPause.current();
    if (paused) throw quotaPause.failure(paused);
    const stats = await Promise.all(input.libraryPaths.map(localStat));
    const bytesTotal = stats.reduce((n, s) => n + s.size, 0);
    const file = input.libraryPaths[0];
    reportProgress({ phase: 'copying', bytesDone: 0, bytesTotal, file });
    // The hash runs alongside and is not shown while the upload runs; it shows once it outlasts it.
    let hashed = 0;
    let uploaded = false;
    const showHashing = () => reportProgress({ phase: 'hashing', bytesDone: hashed, bytesTotal, file });
    const method = methodFor(await rclone.features());
    // Either side failing stops the other: no orphaned hashing, no copy left running.
    const stop = new AbortController();
    const outer = activitySignal();
    const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
    const copying = rclone
      .copy(localRoot, input.libraryPaths, {
        force: input.force,
        signal,
        onProgress: (p) => {
          if (!uploaded) reportProgress({ phase: 'copying', bytesDone: p.bytesDone, bytesTotal, file });
        },
      })
      .then((done) => {
        uploaded = true;
        if (hashed < bytesTotal) showHashing();
        return done;
      })
      .catch((err: unknown) => {
        stop.abort();
        // Before the auth check: Google answers an exhausted quota with 403.
        if (err instanceof RcloneError && isQuotaExhausted(err.message))
          // The reason goes into the item's status and history: no credentials of the remote in it.
          throw quotaPause.failure(quotaPause.start(redactText(err.message).slice(0, 300)));
        if (err instanceof RcloneError && err.kind === 'auth')
          throw permanentFailure(FailureType.REMOTE_AUTH_FAILED, err.message);
        if (err instanceof RcloneError && err.kind === 'refused') throw refusedWrites(err, copyAttempts);
        throw err;
      });
    const hashing = hashLocal(input.libraryPaths, method, {
      signal,
      onBytes: (n) => {
        hashed = n;
        if (uploaded) showHashing();
      },
    }).catch((err: unknown) => {
      stop.abort();
      throw err;
    });
    const [done, local] = await Promise.all([copying, hashing]);
    for (const [i, record] of local.entries()) {
      const before = stats[i]!;
      if (
        record.sizeBytes !== before.size ||
        record.mtimeMs !== before.mtimeMs ||
        (await localChange(record))
      )
        throw retryableFailure(
          FailureType.LOCAL_FILE_CHANGED,
          `${record.libraryPath} changed while it was copied; copying it again`,
        );
    }
    return { bytesDone: done.bytesDone, bytesTotal, local };
  }

  /**
   * Verifies the vault copies of library files against the local files as `copyToVault` hashed
   * them: size, then the remote's hash; on a crypt remote, `rclone cryptcheck` (the underlying
   * object's hash against the local file encrypted with the copy's nonce); else a sha256 of the
   * copy read back once — never size and modification time alone. A local file that changed
   * since it was hashed is reported (`changed`), not verified.
   *
   * @returns `{ match: true, verification }` for the first path (the video) when every path
   *   matches, the method and bytes read recorded (`bytesReadLocally` counts rclone's own read of
   *   a cryptcheck, `bytesDownloaded` the copies' 32-byte crypt headers or a read-back); else
   *   `{ match: false, reason, changed? }` naming the first mismatch
   * @throws ApplicationFailure `SOURCE_MISSING` (not retried); rclone failures are retried
   */
  async function verifyVaultCopy(input: VerifyVaultCopyInput): Promise<VerifyVaultCopyResult> {
    if (input.libraryPaths.length === 0)
      throw permanentFailure(FailureType.INVALID_INPUT, 'verifyVaultCopy needs at least one path');
    const method = methodFor(await rclone.features());
    const records =
      input.local ?? (await hashLocal(input.libraryPaths, method, { signal: activitySignal() }));
    // The pass that hashed each file, plus any read of rclone's own (a cryptcheck's).
    let bytesReadLocally = records.reduce((n, r) => n + r.sizeBytes, 0);
    let first: VaultVerification | undefined;
    let bytesDownloaded = 0;
    for (const record of records) {
      const changed = await localChange(record);
      if (changed) return { match: false, reason: changed, changed: true };
      const result = await checkRemote(record, method);
      if (!result.match) return result;
      bytesReadLocally += result.verification.bytesReadLocally ?? 0;
      bytesDownloaded += result.verification.bytesDownloaded ?? 0;
      first ??= result.verification;
    }
    return { match: true, verification: { ...first!, bytesReadLocally, bytesDownloaded } };
  }

  /** ms until the host's daily upload window opens (0 inside it); the host's clock and time zone decide. */
  async function msUntilUploadWindow(input: { window: { start: string; end: string } }): Promise<number> {
    return msUntilWindow(input.window, new Date());
  }

  return { copyToVault, verifyVaultCopy, evictLocalCopy, msUntilUploadWindow };
}

/** The vault activities' functions, for `proxyActivities<VaultActivities>`. */
export type VaultActivities = ReturnType<typeof createVaultActivities>;
