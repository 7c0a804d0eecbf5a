/**
 * API tokens: created by `vaultarr token create`, checked for webhooks (basic-auth password or
 * `X-Api-Key`), the REST API and peers. Only a sha256 of a token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { UserError } from './errors.js';

/** A stored token, without its secret. */
export interface TokenInfo {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Creates a token.
 *
 * @param name - label for humans (unique among active tokens), e.g. `radarr`
 * @returns the token (`vt_` + 43 base64url characters; shown once) and its info
 * @throws UserError when an active token already has that name
 */
export async function createToken(pool: pg.Pool, name: string): Promise<{ token: string; info: TokenInfo }> {
  if (!/^[\w.-]{1,64}$/.test(name))
    throw new UserError('a token name is 1-64 letters, digits, ".", "_" or "-"');
  const token = `vt_${randomBytes(32).toString('base64url')}`;
  try {
    const { rows } = await pool.query(
      `INSERT INTO api_tokens (name, token_hash) VALUES ($1, $2)
       RETURNING id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`,
      [name, hash(token)],
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
    `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
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
 * @returns the token's name and id when it is active, else `undefined`
 */
export async function verifyToken(
  pool: pg.Pool,
  token: string,
): Promise<{ id: number; name: string } | undefined> {
  if (!token || token.length > 200) return undefined;
  const { rows } = await pool.query(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, name`,
    [hash(token)],
  );
  return rows[0] as { id: number; name: string } | undefined;
}
