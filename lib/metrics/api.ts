/**
 * The API process's metrics: webhook requests, and at each scrape the catalog (Postgres
 * `media_items`): items by stage and host, and the webhook deliveries not yet forwarded.
 */
import type pg from 'pg';
import { Registry } from 'prom-client';
import { ARR_APPS } from '../../api/webhooks/apps/registry.js';
import { STAGES } from '../../domain/stages.js';
import { defaultMetrics, defineMetrics } from './registry.js';

/** Duration buckets of webhook requests, in seconds. */
const REQUEST_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The labels of the catalog's gauges, set together for every stage of every known host. */
const BY_STAGE_AND_HOST = ['stage', 'host'] as const;

/** Metrics of the API process. */
export interface ApiMetrics {
  registry: Registry;
  /**
   * Records one webhook request.
   *
   * @param app - an app of the webhook registry, `radarr`, ... (anything else is recorded as `unknown`)
   * @param event - the payload's `eventType` (`Download`, `Test`, ...; `unknown` when absent or odd)
   * @param status - the HTTP status answered
   * @param durationSeconds - time from request to answer
   */
  observeWebhook(app: string, event: string, status: number, durationSeconds: number): void;
}

/** The apps of the webhook registry: any other `app` label is recorded as `unknown`. */
const WEBHOOK_APPS = new Set<string>(ARR_APPS);

/**
 * Creates the API's registry: webhook requests, the deliveries not yet forwarded, and the
 * catalog's items by stage and host (read from Postgres at each scrape; a failing query leaves the
 * gauges out of that scrape and is reported by `vaultarr_catalog_up 0`).
 *
 * @param deps.pool - the catalog
 */
export function createApiMetrics(deps: { pool: pg.Pool }): ApiMetrics {
  const registry = new Registry();
  defaultMetrics(registry);
  const metrics = defineMetrics(registry, {
    requests: {
      type: 'counter',
      name: 'vaultarr_webhook_requests_total',
      help: 'Webhook requests from the *arr apps, by app, event type and HTTP status answered.',
      labelNames: ['app', 'event', 'status'],
    },
    duration: {
      type: 'histogram',
      name: 'vaultarr_webhook_request_duration_seconds',
      help: 'Time to answer a webhook request, by app and event type.',
      labelNames: ['app', 'event'],
      buckets: REQUEST_SECONDS_BUCKETS,
    },
    catalogUp: {
      type: 'gauge',
      name: 'vaultarr_catalog_up',
      help: '1 when the catalog (Postgres) answered the last scrape, else 0.',
    },
    items: {
      type: 'gauge',
      name: 'vaultarr_items',
      help: 'Media items in the catalog, by stage and by the host whose disk holds them.',
      labelNames: BY_STAGE_AND_HOST,
    },
    itemBytes: {
      type: 'gauge',
      name: 'vaultarr_item_size_bytes',
      help: 'Total size of the media items in the catalog, by stage and host.',
      labelNames: BY_STAGE_AND_HOST,
    },
    pendingDeliveries: {
      type: 'gauge',
      name: 'vaultarr_webhook_deliveries_pending',
      help: 'Webhook deliveries answered but not yet forwarded to Temporal (waiting for their turn, or for Temporal).',
    },
    oldestPending: {
      type: 'gauge',
      name: 'vaultarr_webhook_delivery_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery not yet forwarded to Temporal, in seconds (0 when none).',
    },
  });
  const { catalogUp, items, itemBytes, pendingDeliveries, oldestPending } = metrics;
  const refreshCatalog = async (): Promise<void> => {
    try {
      const { rows: pending } = await deps.pool.query<{ n: number; age: number }>(
        `SELECT count(*)::int AS n, COALESCE(extract(epoch FROM now() - min(received_at)), 0)::float8 AS age
           FROM webhook_deliveries WHERE forwarded_at IS NULL`,
      );
      pendingDeliveries.set(pending[0]!.n);
      oldestPending.set(pending[0]!.age);
      const { rows } = await deps.pool.query<{ host_id: string; stage: string; n: string; bytes: string }>(
        `SELECT host_id, stage, count(*) AS n, COALESCE(sum(size_bytes), 0) AS bytes
           FROM media_items GROUP BY host_id, stage`,
      );
      const { rows: hosts } = await deps.pool.query<{ host_id: string }>('SELECT host_id FROM hosts');
      items.reset();
      itemBytes.reset();
      // Every stage of every known host, zero when empty, so a dashboard's series never vanish.
      for (const host of new Set([...hosts.map((h) => h.host_id), ...rows.map((r) => r.host_id)])) {
        for (const stage of STAGES) {
          items.set({ stage, host }, 0);
          itemBytes.set({ stage, host }, 0);
        }
      }
      for (const r of rows) {
        items.set({ stage: r.stage, host: r.host_id }, Number(r.n));
        itemBytes.set({ stage: r.stage, host: r.host_id }, Number(r.bytes));
      }
      catalogUp.set(1);
    } catch {
      items.reset();
      itemBytes.reset();
      pendingDeliveries.reset();
      oldestPending.reset();
      catalogUp.set(0);
    }
  };
  // One round of queries per scrape, shared by every Postgres-backed gauge.
  const scrape = registry.metrics.bind(registry);
  registry.metrics = async () => {
    await refreshCatalog();
    return scrape();
  };
  return {
    registry,
    observeWebhook(app, event, status, durationSeconds) {
      const a = WEBHOOK_APPS.has(app) ? app : 'unknown';
      const e = /^[A-Za-z]{1,40}$/.test(event) ? event : 'unknown';
      metrics.requests.inc({ app: a, event: e, status: String(status) });
      metrics.duration.observe({ app: a, event: e }, durationSeconds);
    },
  };
}
