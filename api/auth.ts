/**
 * Token authentication for webhooks, the REST API and peers: HTTP basic auth (the password is the
 * token; what the *arr Connect > Webhook form offers), `X-Api-Key: <token>`, or
 * `Authorization: Bearer <token>`. Failed attempts are rate limited per client address.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type pg from 'pg';
import { verifyToken } from '../lib/tokens.js';

/** Options of {@link tokenAuth}. */
export interface AuthOptions {
  /** Failed authentications allowed per address and window before 429. */
  failureLimit: number;
  windowMs: number;
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
 * Middleware chain: the failure rate limiter, then the token check.
 * 401 `{ error: "unauthorized" }` with `WWW-Authenticate: Basic` when the token is missing or
 * unknown; 429 `{ error: "too-many-requests" }` after too many failures from one address.
 */
export function tokenAuth(pool: pg.Pool, options: AuthOptions): RequestHandler[] {
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.failureLimit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    skipSuccessfulRequests: true,
    handler: (_req, res) => {
      res
        .status(429)
        .json({ error: 'too-many-requests', message: 'too many failed authentications; try again later' });
    },
  });
  const check = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const token = presentedToken(req);
      const found = token ? await verifyToken(pool, token) : undefined;
      if (!found) {
        res.set('WWW-Authenticate', 'Basic realm="vaultarr"').status(401).json({ error: 'unauthorized' });
        return;
      }
      res.locals.tokenName = found.name;
      next();
    } catch (err) {
      next(err);
    }
  };
  return [limiter, check];
}
