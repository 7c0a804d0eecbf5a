/**
 * Peers: other vaultarr instances that share our vault. `vaultarr peer add/list/remove` manage
 * them; `peerDeliveryWorkflow` sends each of them every item we import, rename or delete.
 */
import type pg from 'pg';
import { z } from 'zod';
import { UserError } from './errors.js';
import { redactText } from './secrets.js';

/** A peer as stored (the token is the one the peer created for us with `vaultarr token create`). */
export interface Peer {
  name: string;
  /** Base URL of the peer's API, e.g. `https://bob.example:8686`. */
  url: string;
  token: string;
  createdAt: string;
}

const PeerInput = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
  url: z
    .url('must be an http(s) URL')
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
    .refine(
      (u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password),
      "must not carry a user or password (user:password@): give the peer's token with --token instead",
    ),
  token: z.string().min(8, 'must be the token the peer created with `vaultarr token create`'),
});

/**
 * Checks a peer's name, URL and token before anything contacts it.
 *
 * @returns the input as validated
 * @throws UserError listing every problem (a URL with `user:password@` is refused and never echoed)
 */
export function validatePeerInput(input: {
  name: string;
  url: string;
  token: string;
}): z.infer<typeof PeerInput> {
  const parsed = PeerInput.safeParse(input);
  if (!parsed.success)
    throw new UserError(
      'cannot add the peer',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}

/** A peer URL as shown to people: any `user:password@` replaced by `***@`, secret query parameters (`apikey=`, `token=`) by `***`. */
export function shownPeerUrl(url: string): string {
  return redactText(url.replace(/^(\w+:\/\/)[^@/]*@/, '$1***@'));
}

/**
 * Adds a peer, or updates the URL and token of one with that name.
 *
 * @throws UserError listing every problem with the name, URL or token
 */
export async function addPeer(
  pool: pg.Pool,
  input: { name: string; url: string; token: string },
): Promise<Peer> {
  const { name, url, token } = validatePeerInput(input);
  const { rows } = await pool.query(
    `INSERT INTO peers (name, url, token) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET url = EXCLUDED.url, token = EXCLUDED.token
     RETURNING name, url, token, created_at AS "createdAt"`,
    [name, url.replace(/\/+$/, ''), token],
  );
  return rows[0] as Peer;
}

/** Every peer, by name. */
export async function listPeers(pool: pg.Pool): Promise<Peer[]> {
  const { rows } = await pool.query(
    `SELECT name, url, token, created_at AS "createdAt" FROM peers ORDER BY name`,
  );
  return rows as Peer[];
}

/** One peer by name, or `undefined`. */
export async function getPeer(pool: pg.Pool, name: string): Promise<Peer | undefined> {
  const { rows } = await pool.query(
    `SELECT name, url, token, created_at AS "createdAt" FROM peers WHERE name = $1`,
    [name],
  );
  return rows[0] as Peer | undefined;
}

/**
 * Removes a peer. Deliveries still pending for it end without sending (`peer-removed`).
 *
 * @throws UserError when there is no peer with that name
 */
export async function removePeer(pool: pg.Pool, name: string): Promise<void> {
  const { rowCount } = await pool.query(`DELETE FROM peers WHERE name = $1`, [name]);
  if (!rowCount) throw new UserError(`no peer named "${name}"`);
}
