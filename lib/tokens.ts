/**
 * API tokens: created by `vaultarr token create`, checked for webhooks (basic-auth password or
 * `X-Api-Key`), the REST API and peers. Only a sha256 of a token is stored. Each token has scopes:
 * a Radarr token opens Radarr's webhook route and nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ARR_APPS } from '../api/webhooks/apps/registry.js';
import { UserError } from './errors.js';

/** The *arr apps whose webhook routes a token may open (`webhook:<app>`): those of the webhook registry. */
export const WEBHOOK_APPS = ARR_APPS;

/**
 * What a token may do: `webhook:<app>` (`POST /api/v1/webhooks/<app>` only), `items` (the items
 * API: list, show, approve, retry, skip, pin, unpin, evict), `peer` (`/api/v1/peers/*`: another
 * vaultarr's notifications). `*` is only held by tokens made before scopes existed.
 */
export const TOKEN_SCOPES = [...WEBHOOK_APPS.map((a) => `webhook:${a}` as const), 'items', 'peer'] as const;
/** One of {@link TOKEN_SCOPES}. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * The scopes a token gets when `vaultarr token create` names none: `webhook:<name>` for a token
 * named after an *arr app (`--name radarr`), else none (the command then asks for `--scope`).
 */
export function defaultScopes(name: string): TokenScope[] {
  return (WEBHOOK_APPS as readonly string[]).includes(name) ? [`webhook:${name}` as TokenScope] : [];
}

/**
 * Checks scope names given by a person.
 *
 * @throws UserError naming every unknown scope and the valid ones, or when none is given
 */
export function parseScopes(given: string[]): TokenScope[] {
  const names = given
    .flatMap((g) => g.split(','))
    .map((g) => g.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(TOKEN_SCOPES as readonly string[]).includes(n));
  if (unknown.length)
    throw new UserError(
      `unknown scope ${unknown.map((u) => JSON.stringify(u)).join(', ')}; scopes are ${TOKEN_SCOPES.join(', ')}`,
    );
  if (!names.length) throw new UserError(`a token needs at least one scope: ${TOKEN_SCOPES.join(', ')}`);
  return [...new Set(names)] as TokenScope[];
}

/** Whether a token's scopes allow `scope`. */
export function allows(scopes: readonly string[], scope: TokenScope): boolean {
  return scopes.includes('*') || scopes.includes(scope);
}

/** A stored token, without its secret. */
export interface TokenInfo {
  id: number;
  name: string;
  /** What it may do (see {@link TOKEN_SCOPES}; `*` for a token made before scopes). */
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Creates a token.
 *
 * @param name - label for humans (unique among active tokens), e.g. `radarr`
 * @param scopes - what it may do (at least one)
 * @returns the token (`vt_` + 43 base64url characters; shown once) and its info
 * @throws UserError when an active token already has that name, or no scope is given
 */
export async function createToken(
  pool: pg.Pool,
  name: string,
  scopes: readonly TokenScope[],
): Promise<{ token: string; info: TokenInfo }> {
  if (!/^[\w.-]{1,64}$/.test(name))
    throw new UserError('a token name is 1-64 letters, digits, ".", "_" or "-"');
  parseScopes([...scopes]);
  const token = `vt_${randomBytes(32).toString('base64url')}`;
  try {
    const { rows } = await pool.query(
      `INSERT INTO api_tokens (name, token_hash, scopes) VALUES ($1, $2, $3)
       RETURNING id, name, scopes, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`,
      [name, hash(token), scopes],
    );
    return { token, info: rows[0] as TokenInfo };
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw new UserError(`an active token named "${name}" already exists`);
    throw err;
  }
}

/** Every token, newest first (revoked ones included, marked). */
export async function listTokens(pool: pg.Pool): Promise<TokenInfo[]> {
  const { rows } = await pool.query(
    `SELECT id, name, scopes, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
     FROM api_tokens ORDER BY id DESC`,
  );
  return rows as TokenInfo[];
}

/**
 * Revokes the active token with that name (or numeric id).
 *
 * @throws UserError when there is none
 */
export async function revokeToken(pool: pg.Pool, nameOrId: string): Promise<void> {
  const { rowCount } = await pool.query(
    `UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND (name = $1 OR id::text = $1)`,
    [nameOrId],
  );
  if (!rowCount) throw new UserError(`no active token "${nameOrId}"`);
}

/**
 * Checks a presented token.
 *
 * @returns the token's name, id and scopes when it is active, else `undefined`
 */
export async function verifyToken(
  pool: pg.Pool,
  token: string,
): Promise<{ id: number; name: string; scopes: string[] } | undefined> {
  if (!token || token.length > 200) return undefined;
  const { rows } = await pool.query(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, name, scopes`,
    [hash(token)],
  );
  return rows[0] as { id: number; name: string; scopes: string[] } | undefined;
}
