/**
 * Hosts: every machine that has run a vaultarr worker. `vaultarr hosts` lists them with the last
 * time their host task queue was polled, as Temporal's task-queue pollers report it.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type pg from 'pg';
import { hostTaskQueue } from '../domain/task-queues.js';
import { ENDED_STAGES_SQL } from '../domain/stages.js';

/** Records that a host's worker started (called by `vaultarr worker`). */
export async function registerHost(pool: pg.Pool, hostId: string, localRoot: string): Promise<void> {
  await pool.query(
    `INSERT INTO hosts (host_id, local_root) VALUES ($1, $2)
     ON CONFLICT (host_id) DO UPDATE SET local_root = EXCLUDED.local_root, last_started_at = now()`,
    [hostId, localRoot],
  );
}

/** A host as `vaultarr hosts` shows it. */
export interface HostInfo {
  hostId: string;
  localRoot?: string;
  /** Last poll of `vaultarr-host-<hostId>` by any worker, ISO time; absent when Temporal has none. */
  lastPollAt?: string;
  /** Worker identities (`pid@hostname`) polling the host queue. */
  pollers: string[];
  /** A poll within the last `onlineWithinMs`. */
  online: boolean;
  /** Items of this host still on their way (not resident, evicted, deleted). */
  itemsInFlight: number;
}

/**
 * Lists the known hosts (from the `hosts` table and the catalog) with their poller state.
 *
 * @param onlineWithinMs - a host polled more recently than this counts as online (default 2 min;
 *   an idle worker long-polls about once a minute)
 */
export async function listHosts(
  pool: pg.Pool,
  client: Client,
  namespace: string,
  onlineWithinMs = 120_000,
): Promise<HostInfo[]> {
  const { rows } = await pool.query<{ host_id: string; local_root: string | null; in_flight: string }>(
    // Hosts that registered a worker, and hosts only the catalog knows; items counted once per host.
    `SELECT h.host_id, max(h.local_root) AS local_root,
            (SELECT count(*) FROM media_items m
              WHERE m.host_id = h.host_id AND m.stage NOT IN ('resident', 'evicted', ${ENDED_STAGES_SQL})) AS in_flight
     FROM (SELECT host_id, local_root FROM hosts
           UNION ALL SELECT DISTINCT host_id, NULL FROM media_items) h
     GROUP BY h.host_id ORDER BY h.host_id`,
  );
  const now = Date.now();
  return Promise.all(
    rows.map(async (row) => {
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: hostTaskQueue(row.host_id) },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      const times = (pollers ?? [])
        .map((p) => (p.lastAccessTime?.seconds ? Number(p.lastAccessTime.seconds) * 1000 : 0))
        .filter((t) => t > 0);
      const last = times.length ? Math.max(...times) : undefined;
      return {
        hostId: row.host_id,
        localRoot: row.local_root ?? undefined,
        lastPollAt: last ? new Date(last).toISOString() : undefined,
        pollers: (pollers ?? []).map((p) => p.identity ?? '?'),
        online: last !== undefined && now - last < onlineWithinMs,
        itemsInFlight: Number(row.in_flight),
      };
    }),
  );
}
