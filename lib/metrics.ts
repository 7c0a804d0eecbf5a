/**
 * Prometheus metrics (`prom-client`): what the API and each worker expose on `/metrics`.
 *
 * Every metric is created on a registry of its own (no module singletons), so a process or a test
 * can run several. Names follow Prometheus conventions: `vaultarr_` prefix, base units
 * (`_bytes`, `_seconds`, ratios 0-1), counters end in `_total`.
 *
 * - The API ({@link createApiMetrics}) counts webhook requests and, at each scrape, reads the
 *   catalog (Postgres `media_items`): items by stage and host.
 * - A worker ({@link createWorkerMetrics}) observes its activities through an activity interceptor
 *   ({@link WorkerMetrics.interceptor}): copies, verifications, scans, peer deliveries, evictions
 *   and failures by type, computed from each activity's input and result. Workflow code is not
 *   involved. At each scrape it measures the local disk's free ratio and whether the rclone daemon
 *   answers.
 *
 * One file per process under `lib/metrics/` (`api.ts`, `worker.ts`), and `registry.ts` for what
 * both share (the default metrics, {@link serveMetrics}); this module is their one entry.
 */
export { createApiMetrics, type ApiMetrics } from './metrics/api.js';
export { serveMetrics } from './metrics/registry.js';
export {
  createWorkerMetrics,
  workerMetricsSettings,
  type WorkerMetrics,
  type WorkerMetricsDeps,
  type WorkerMetricsSettings,
} from './metrics/worker.js';
