/**
 * Token authentication for webhooks, the REST API and peers: HTTP basic auth (the password is the
 * token; what the *arr Connect > Webhook form offers), `X-Api-Key: <token>`, or
 * `Authorization: Bearer <token>`. Failed attempts are rate limited per client address.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { verifyToken } from '../lib/tokens.js';

/** Options of {@link tokenAuth}. */
export interface AuthOptions {
  /** Failed authentications allowed per address and window before 429. */
  failureLimit: number;
  windowMs: number;
  /**
   * How long a verified token is trusted without asking Postgres again, in ms (default 10 s; 0
   * asks every time). Verifying writes the token's `last_used_at`: a commit per request. The cost:
   * a revoked token keeps working this long in a running API, and `last_used_at` lags as much.
   */
  verifiedTtlMs?: number;
}

/** Verified tokens by sha256, trusted until `until`. Bounded: a flood of distinct tokens never verifies. */
class VerifiedTokens {
  private readonly byHash = new Map<string, { id: number; name: string; until: number }>();

  constructor(private readonly ttlMs: number) {}

  static key(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  get(key: string, now: number): { id: number; name: string } | undefined {
    const hit = this.byHash.get(key);
    if (!hit) return undefined;
    if (hit.until > now) return hit;
    this.byHash.delete(key);
    return undefined;
  }

  set(key: string, found: { id: number; name: string }, now: number): void {
    if (this.ttlMs <= 0) return;
    // Only tokens that exist get here, so the map holds at most a few entries per real token.
    if (this.byHash.size >= 1000) this.byHash.clear();
    this.byHash.set(key, { ...found, until: now + this.ttlMs });
  }
}

/** The token a request presents, from whichever header carries it. */
export function presentedToken(req: Request): string | undefined {
  const apiKey = req.get('x-api-key');
  if (apiKey) return apiKey.trim();
  const header = req.get('authorization') ?? '';
  const [scheme, value] = header.split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * Failed authentications per client address in fixed windows. Only failures count: requests that
 * authenticate never do, however many arrive at once (a burst of *arr webhooks in flight must not
 * lock the app out, which counting every request until it completes did).
 */
class FailureCounter {
  private readonly byAddress = new Map<string, { failures: number; resetAt: number }>();
  private sweptAt = 0;

  constructor(private readonly options: AuthOptions) {}

  /** ms until the address may try again, or 0 when it may now. */
  blockedForMs(address: string, now: number): number {
    const entry = this.byAddress.get(address);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.failures >= this.options.failureLimit ? entry.resetAt - now : 0;
  }

  fail(address: string, now: number): void {
    this.sweep(now);
    const entry = this.byAddress.get(address);
    if (!entry || entry.resetAt <= now) {
      this.byAddress.set(address, { failures: 1, resetAt: now + this.options.windowMs });
    } else {
      entry.failures++;
    }
  }

  /** Forgets expired windows, at most once a window, so that the map stays as small as the attack. */
  private sweep(now: number): void {
    if (now - this.sweptAt < this.options.windowMs) return;
    this.sweptAt = now;
    for (const [address, entry] of this.byAddress) if (entry.resetAt <= now) this.byAddress.delete(address);
  }
}

/**
 * Middleware chain: the token check, with the failure limit in front of it.
 * 401 `{ error: "unauthorized" }` with `WWW-Authenticate: Basic` when the token is missing or
 * unknown; 429 `{ error: "too-many-requests" }` with `Retry-After` (seconds) once an address has
 * failed `failureLimit` times in the current window, without looking at its token.
 */
export function tokenAuth(pool: pg.Pool, options: AuthOptions): RequestHandler[] {
  const failures = new FailureCounter(options);
  const verified = new VerifiedTokens(options.verifiedTtlMs ?? 10_000);
  const check = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const waitMs = failures.blockedForMs(address, Date.now());
      if (waitMs > 0) {
        res
          .set('Retry-After', String(Math.ceil(waitMs / 1000)))
          .status(429)
          .json({ error: 'too-many-requests', message: 'too many failed authentications; try again later' });
        return;
      }
      const token = presentedToken(req);
      const key = token ? VerifiedTokens.key(token) : '';
      let found = token ? verified.get(key, Date.now()) : undefined;
      if (token && !found) {
        found = await verifyToken(pool, token);
        if (found) verified.set(key, found, Date.now());
      }
      if (!found) {
        failures.fail(address, Date.now());
        res.set('WWW-Authenticate', 'Basic realm="vaultarr"').status(401).json({ error: 'unauthorized' });
        return;
      }
      res.locals.tokenName = found.name;
      next();
    } catch (err) {
      next(err);
    }
  };
  return [check];
}
