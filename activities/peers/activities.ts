/**
 * Peer activities (shared task queue: Postgres, HTTP and the vault only): who our peers are,
 * sending them a notification, and on the receiving side waiting for a peer's file on the vault
 * and recording what was applied.
 */
import type pg from 'pg';
import { FailureType } from '../../domain/failures.js';
import type { PeerNotification } from '../../domain/peers.js';
import { getPeer, listPeers } from '../../lib/peers.js';
import { redactText } from '../../lib/secrets.js';
import { permanentFailure } from '../failures.js';
import type { Rclone } from '../vault/rclone/client.js';

/** Dependencies of {@link createPeerActivities}. */
export interface PeerActivityDeps {
  pool: pg.Pool;
  /** The vault as this instance sees it. */
  rclone: Rclone;
  /** Timeout of one HTTP request to a peer, in ms (default 30 s). */
  fetchTimeoutMs?: number;
}

/** What a peer answered to a notification (`POST /api/v1/peers/notify`). */
export interface PeerAnswer {
  /** `accepted` (new, being applied) or `duplicate` (already applied there). */
  status: string;
  workflowId?: string;
}

/** Creates the peer activities. */
export function createPeerActivities(deps: PeerActivityDeps) {
  const timeoutMs = deps.fetchTimeoutMs ?? 30_000;
  return {
    /** Names of every configured peer (`vaultarr peer list`), by name. */
    async listPeerNames(): Promise<string[]> {
      return (await listPeers(deps.pool)).map((p) => p.name);
    },

    /**
     * Sends one notification to a peer with its token (`Authorization: Bearer`).
     *
     * @returns the peer's answer
     * @throws ApplicationFailure `PEER_UNKNOWN` (not retried) when the peer was removed;
     *   `PEER_REJECTED` (not retried) when the peer answers 400, 401, 403 or 404 (bad token, invalid
     *   notification, not a vaultarr) or a 3xx redirect (never followed, so the token never goes
     *   elsewhere; the message names the `Location`); a plain Error, retried, when the peer is unreachable or
     *   answers 5xx or 429
     */
    async notifyPeer(input: { peer: string; notification: PeerNotification }): Promise<PeerAnswer> {
      const peer = await getPeer(deps.pool, input.peer);
      if (!peer) throw permanentFailure(FailureType.PEER_UNKNOWN, `peer "${input.peer}" was removed`);
      let res: Response;
      try {
        res = await fetch(`${peer.url}/api/v1/peers/notify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${peer.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input.notification),
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect would re-send the Bearer token to wherever it points: never follow one.
          redirect: 'manual',
        });
      } catch (err) {
        throw new Error(
          redactText(`peer "${peer.name}" at ${peer.url} is unreachable: ${(err as Error).message}`),
        );
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const location = res.headers.get('location') ?? '(no Location header)';
        throw permanentFailure(
          FailureType.PEER_REJECTED,
          redactText(
            `peer "${peer.name}" at ${peer.url} answered HTTP ${res.status} redirecting to ${location}; redirects are not followed (the token would go along): add the peer again with the URL it really answers at`,
          ),
        );
      }
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as PeerAnswer;
        } catch {
          return { status: 'accepted' };
        }
      }
      // Failure messages end up in workflow histories: no credential in them.
      const detail = redactText(text.slice(0, 500));
      if ([400, 401, 403, 404, 413].includes(res.status)) {
        throw permanentFailure(
          FailureType.PEER_REJECTED,
          `peer "${peer.name}" refused the notification: HTTP ${res.status}${
            res.status === 401
              ? ' (the token we hold for it is not valid there: `vaultarr peer add` it again with a new token)'
              : ''
          } ${detail}`.trim(),
        );
      }
      throw new Error(`peer "${peer.name}" answered HTTP ${res.status} ${detail}`.trim());
    },

    /**
     * Waits (by failing, so Temporal retries with backoff) until a peer's file is visible on our
     * view of the vault with the size the peer announced.
     *
     * @returns the size found, in bytes
     * @throws a plain Error, retried, while the file is missing or still of another size
     */
    async waitForVaultFile(input: {
      libraryPath: string;
      sizeBytes?: number;
    }): Promise<{ sizeBytes: number }> {
      const found = await deps.rclone.stat(input.libraryPath);
      if (!found) throw new Error(`${input.libraryPath} is not on the vault yet`);
      if (input.sizeBytes !== undefined && found.sizeBytes !== input.sizeBytes)
        throw new Error(
          `${input.libraryPath} is on the vault with ${found.sizeBytes} bytes, the peer announced ${input.sizeBytes}`,
        );
      return { sizeBytes: found.sizeBytes };
    },

    /** Records that a peer's notification was applied (upsert; the highest sequence wins). */
    async recordPeerReceipt(input: {
      sender: string;
      itemId: string;
      seq: number;
      libraryPath: string;
      outcome: Record<string, unknown>;
    }): Promise<void> {
      await deps.pool.query(
        `INSERT INTO peer_receipts (sender, item_id, last_seq, library_path, outcome)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sender, item_id) DO UPDATE
           SET last_seq = GREATEST(peer_receipts.last_seq, EXCLUDED.last_seq),
               library_path = CASE WHEN EXCLUDED.last_seq >= peer_receipts.last_seq
                                   THEN EXCLUDED.library_path ELSE peer_receipts.library_path END,
               outcome = EXCLUDED.outcome, applied_at = now()`,
        [input.sender, input.itemId, input.seq, input.libraryPath, JSON.stringify(input.outcome)],
      );
    },
  };
}

/** The peer activities, for `proxyActivities`. */
export type PeerActivities = ReturnType<typeof createPeerActivities>;
