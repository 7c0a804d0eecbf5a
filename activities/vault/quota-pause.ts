/**
 * Provider quotas, as cloudplow handles them: when the vault remote says the account's rate or
 * daily upload quota is exhausted, this host's copies pause for `vault.quotaPauseHours`, then
 * resume by themselves.
 *
 * Where the pause lives: in the worker process ({@link HostQuotaPause}, one per host worker, handed
 * to the vault activities as a dependency), not in Postgres. The durable part is each item's own
 * workflow timer: `copyToVault` fails with `REMOTE_QUOTA_EXCEEDED` and the remaining time, and the
 * item waits that long on a timer before it copies again. A worker restart forgets the host's
 * pause-until time; the cost is one copy attempt that meets the quota again and starts a new pause.
 */
import { FailureType } from '../../domain/failures.js';
import { permanentFailure } from '../failures.js';

/**
 * Google's reasons for an exhausted rate or upload quota, as rclone's drive backend prints them
 * (`googleapi: Error 403: User rate limit exceeded., userRateLimitExceeded`) or as a WebDAV or
 * HTTP remote passes a Google-style JSON body on; and HTTP 429 however it is worded. Whole words
 * only: `storageQuotaExceeded` (a full drive) is no pause that ends by itself.
 */
const QUOTA_PATTERN =
  /\b(userRateLimitExceeded|rateLimitExceeded|uploadLimitExceeded|quotaExceeded|dailyLimitExceeded)\b|\b429 Too Many Requests\b|\b(Error|HTTP|status|status code) 429\b/i;

/**
 * Whether an rclone error message says the account's rate or daily upload quota is exhausted
 * (Google's `userRateLimitExceeded` / `uploadLimitExceeded` / `quotaExceeded`, or HTTP 429).
 *
 * @param message - rclone's error text (its last error line, or the rc error)
 */
export function isQuotaExhausted(message: string): boolean {
  return QUOTA_PATTERN.test(message);
}

/** `details[0]` of a `REMOTE_QUOTA_EXCEEDED` failure: how long the item waits before copying again. */
export interface QuotaPauseDetails {
  /** When this host's copies resume, ISO 8601. */
  pausedUntil: string;
  /** ms from the failure until then (what the workflow's timer waits). */
  waitMs: number;
}

/** A pause of this host's copies, as {@link HostQuotaPause.current} reports it. */
export interface QuotaPauseState {
  /** When copies resume, ms since the epoch. */
  untilMs: number;
  /** rclone's message that started the pause, shortened and with secrets redacted (`redactText`). */
  reason: string;
}

/**
 * This host's quota pause: started by the first copy that meets an exhausted quota, asked by every
 * copy before it starts. One per worker process and host.
 */
export class HostQuotaPause {
  private pause?: QuotaPauseState;
  /** Pauses started since the process started (for `vaultarr_vault_quota_pauses_total`). */
  pausesStarted = 0;

  /**
   * @param pauseMs - how long a pause lasts, in ms (`vault.quotaPauseHours`)
   * @param now - clock, ms since the epoch
   */
  constructor(
    readonly pauseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The pause in force now, if any. */
  current(): QuotaPauseState | undefined {
    if (this.pause && this.pause.untilMs <= this.now()) this.pause = undefined;
    return this.pause;
  }

  /**
   * Starts a pause of `pauseMs` from now, unless one is in force (a copy that ran alongside the
   * one that met the quota first joins that pause instead of extending it).
   */
  start(reason: string): QuotaPauseState {
    const running = this.current();
    if (running) return running;
    this.pause = { untilMs: this.now() + this.pauseMs, reason };
    this.pausesStarted++;
    return this.pause;
  }

  /**
   * The failure a copy throws during a pause.
   *
   * @returns ApplicationFailure `REMOTE_QUOTA_EXCEEDED` (not retried), `details[0]` a {@link QuotaPauseDetails}
   */
  failure(pause: QuotaPauseState): Error {
    const waitMs = Math.max(0, pause.untilMs - this.now());
    const pausedUntil = new Date(pause.untilMs).toISOString();
    const details: QuotaPauseDetails = { pausedUntil, waitMs };
    return permanentFailure(
      FailureType.REMOTE_QUOTA_EXCEEDED,
      `the vault's upload quota is exhausted; this host's copies pause until ${pausedUntil} (${pause.reason})`,
      details,
    );
  }
}
