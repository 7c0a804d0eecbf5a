/**
 * Token authentication for webhooks, the REST API and peers: HTTP basic auth (the password is the
 * token; what the *arr Connect > Webhook form offers), `X-Api-Key: <token>`, or
 * `Authorization: Bearer <token>`. Failed attempts are rate limited per client address *and*
 * presented credential: a valid token is never refused, whatever else came from its address.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { allows, verifyToken, type TokenScope } from '../lib/tokens.js';

/** Options of {@link tokenAuth}. */
export interface AuthOptions {
  /** Failed authentications allowed per client address and presented credential, per window, before 429. */
  failureLimit: number;
  /** Length of the failure window, in ms. */
  windowMs: number;
  /**
   * How long a verified token is trusted without asking Postgres again, in ms (default 10 s; 0
   * asks every time). Verifying writes the token's `last_used_at`: a commit per request. The cost:
   * a revoked token keeps working this long in a running API, and `last_used_at` lags as much.
   */
  verifiedTtlMs?: number;
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

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Middleware chain: the token check, with the failure limit in front of it.
 *
 * Failures are counted per client address (`req.ip`, which honours express `trust proxy`, i.e.
 * config `api.trustProxy`) and presented credential (its sha256; "none" when absent). 401
 * `{ error: "unauthorized" }` with `WWW-Authenticate: Basic` when the token is missing or unknown;
 * 429 `{ error: "too-many-requests" }` with `Retry-After` (seconds) once that same credential has
 * failed `failureLimit` times from that address in the current window. A token that verifies is
 * let through regardless of how many other credentials failed from its address (the *arr apps
 * never retry a webhook, and behind a proxy every client shares one address).
 */
export function tokenAuth(pool: pg.Pool, options: AuthOptions): RequestHandler[] {
  // Only failures count (a `penalty` per failed attempt): a burst of *arr webhooks in flight that
  // authenticate never locks the app out, which counting every request until it completed did.
  const failures = new RateLimiterMemory({
    points: options.failureLimit,
    duration: Math.max(1, Math.round(options.windowMs / 1000)),
  });
  const ttlMs = options.verifiedTtlMs ?? 10_000;
  // Verified tokens by sha256; only tokens that exist get in, so the cache stays small.
  const verified =
    ttlMs > 0
      ? new LRUCache<string, { id: number; name: string; scopes: string[] }>({ max: 1000, ttl: ttlMs })
      : undefined;
  const check = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const token = presentedToken(req);
      const tokenKey = token ? sha256(token) : '';
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const failureKey = `${address} ${tokenKey || 'none'}`;
      let found = token ? verified?.get(tokenKey) : undefined;
      if (!found) {
        // A credential that keeps failing from this address is refused without asking Postgres.
        const seen = await failures.get(failureKey);
        const waitMs = seen && seen.consumedPoints >= options.failureLimit ? seen.msBeforeNext : 0;
        if (waitMs > 0) {
          res
            .set('Retry-After', String(Math.ceil(waitMs / 1000)))
            .status(429)
            .json({
              error: 'too-many-requests',
              message: 'this credential failed too often from this address; try again later',
            });
          return;
        }
      }
      if (token && !found) {
        found = await verifyToken(pool, token);
        if (found) verified?.set(tokenKey, found);
      }
      if (!found) {
        await failures.penalty(failureKey, 1);
        res.set('WWW-Authenticate', 'Basic realm="vaultarr"').status(401).json({ error: 'unauthorized' });
        return;
      }
      res.locals.tokenName = found.name;
      res.locals.tokenScopes = found.scopes;
      next();
    } catch (err) {
      next(err);
    }
  };
  return [check];
}

/**
 * Middleware after {@link tokenAuth}: 403 `{ error: "forbidden", message }` when the token's
 * scopes do not allow what `scopeOf` says the request needs (a Radarr token on Sonarr's webhook
 * route or on the items API). `scopeOf` returning undefined lets the request through (the route
 * answers, e.g. 404 for an app that does not exist).
 */
export function requireScope(scopeOf: (req: Request) => TokenScope | undefined): RequestHandler {
  return (req, res, next) => {
    const scope = scopeOf(req);
    const scopes = (res.locals.tokenScopes as string[] | undefined) ?? [];
    if (!scope || allows(scopes, scope)) return next();
    res.status(403).json({
      error: 'forbidden',
      message: `the token "${String(res.locals.tokenName)}" may not use this route (it needs the scope ${scope}; the token has ${scopes.join(', ') || 'none'})`,
    });
  };
}
