/**
 * The one list of `ApplicationFailure.type` values vaultarr raises. Activities throw them with
 * `nonRetryable: true` for permanent failures; workflows and tests branch on `failure.type`, never
 * on class names.
 */
export const FailureType = {
  /** Input that can never succeed (bad path, bad payload). Not retried. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A path that resolves outside the configured root. Not retried. */
  PATH_ESCAPES_ROOT: 'PATH_ESCAPES_ROOT',
  /** The release or library file is gone. Not retried. */
  SOURCE_MISSING: 'SOURCE_MISSING',
  /** A different file already sits at the target path. Not retried; the item waits for a human. */
  DESTINATION_EXISTS: 'DESTINATION_EXISTS',
  /**
   * The release is still being written (partial names, changing sizes, open for writing) or its
   * bytes are not all there yet (unwritten space, a container that ends early). Retried, after the
   * delay the failure names (`nextRetryDelay`).
   */
  RELEASE_INCOMPLETE: 'RELEASE_INCOMPLETE',
  /**
   * The release stayed incomplete, with no writer at work, for `intake.damagedAfterMinutes`
   * (a copy cut short by a full disk, a 0-byte drop, a download abandoned half-way). Not retried:
   * it is kept in `Unsorted/` as `damaged` with the reason, never placed or vaulted.
   */
  RELEASE_DAMAGED: 'RELEASE_DAMAGED',
  /**
   * The release holds no main video at all; or an *arr app finds no single exact title (and year)
   * match for a peer's item that came without outside ids, or does not know its id. Not retried.
   */
  NO_MEDIA_MATCH: 'NO_MEDIA_MATCH',
  /** The vault remote refused our credentials. Not retried; the item waits for a human. */
  REMOTE_AUTH_FAILED: 'REMOTE_AUTH_FAILED',
  /**
   * The vault remote says the account's rate or daily upload quota is exhausted (Google's
   * `userRateLimitExceeded`, `uploadLimitExceeded`, `quotaExceeded`; HTTP 429). Not retried by
   * Temporal: the item waits out this host's pause (`vault.quotaPauseHours`; `details[0]` is
   * `{ pausedUntil, waitMs }`) on a workflow timer, then copies again.
   */
  REMOTE_QUOTA_EXCEEDED: 'REMOTE_QUOTA_EXCEEDED',
  /**
   * The vault refuses writes whoever asks: read-only, permission denied, out of space or storage
   * quota (WebDAV 403/405/507, EROFS, EACCES, ENOSPC). Retried until the copy's attempt reaches
   * `vault.copyAttempts`, then not: the item parks until `retry`.
   */
  VAULT_REFUSES_WRITES: 'VAULT_REFUSES_WRITES',
  /** A local file changed while it was copied (a writer still at work). Retried: the next attempt copies the new content. */
  LOCAL_FILE_CHANGED: 'LOCAL_FILE_CHANGED',
  /**
   * The union view's vault mount does not show a vault copy yet (or is dead), so its local copy
   * is not evicted. Retried; nothing is deleted.
   */
  VAULT_NOT_VISIBLE: 'VAULT_NOT_VISIBLE',
  /** The vault copy does not match the local file. Retried by recopying, then parked. */
  VERIFY_MISMATCH: 'VERIFY_MISMATCH',
  /** A peer refused a notification (bad token, invalid notification). Not retried; the delivery parks. */
  PEER_REJECTED: 'PEER_REJECTED',
  /** An *arr app refused our API key (401). Not retried; the step parks. */
  ARR_AUTH_FAILED: 'ARR_AUTH_FAILED',
  /**
   * An *arr app rejected a request with its validation errors (400; the message lists each
   * `propertyName: errorMessage`), or answered another 4xx, a redirect or something that is not its
   * API (a wrong `arr.<app>.url`). Not retried; the step parks.
   */
  ARR_REJECTED: 'ARR_REJECTED',
  /** The peer was removed (`vaultarr peer remove`) while a delivery to it was pending. Not retried; the delivery ends. */
  PEER_UNKNOWN: 'PEER_UNKNOWN',
  /**
   * A media server (Plex, Jellyfin, Emby, autoscan) answered 401/403 to its token or basic auth.
   * Not retried; the item waits for a human to fix `mediaServers[].token`.
   */
  MEDIA_SERVER_AUTH_FAILED: 'MEDIA_SERVER_AUTH_FAILED',
  /**
   * A media server refused a scan request as wrong: a 4xx other than auth, timeout or rate limit,
   * usually a wrong `mediaServers[].url` or base path. Not retried.
   */
  MEDIA_SERVER_REJECTED: 'MEDIA_SERVER_REJECTED',
  /** No Plex library section has a folder (`Location`) containing the path to scan. Not retried. */
  NO_LIBRARY_SECTION: 'NO_LIBRARY_SECTION',
} as const;

/** One of the {@link FailureType} values. */
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];
