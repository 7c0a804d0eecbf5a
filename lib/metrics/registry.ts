/**
 * What every metrics registry shares: the process and Node.js metrics, and the HTTP endpoint a
 * registry is served on (`/metrics`, Prometheus text format).
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC), without the three
 * gauges it names `..._total` (`nodejs_active_handles_total`, ...), which break the Prometheus
 * convention that only counters end in `_total` (`promtool check metrics` rejects them).
 *
 * @param registry - the registry they are added to
 */
export function defaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
}

/**
 * One metric of a {@link defineMetrics} table: its type, name and help text, its label names (none
 * when absent), a histogram's buckets, and for a counter or gauge set at each scrape its `collect`
 * (called with the metric as `this`).
 */
export type MetricDef =
  | ScrapedDef<'counter', Counter>
  | ScrapedDef<'gauge', Gauge>
  | { type: 'histogram'; name: string; help: string; labelNames?: readonly string[]; buckets: number[] };

/** A counter or gauge of a {@link defineMetrics} table. */
type ScrapedDef<T, M> = {
  type: T;
  name: string;
  help: string;
  labelNames?: readonly string[];
  collect?: (this: M) => void | Promise<void>;
};

type LabelsOf<D> = D extends { labelNames: readonly (infer L extends string)[] } ? L : never;
type MetricOf<D extends MetricDef> = D extends { type: 'counter' }
  ? Counter<LabelsOf<D>>
  : D extends { type: 'gauge' }
    ? Gauge<LabelsOf<D>>
    : Histogram<LabelsOf<D>>;

/**
 * Makes and registers the metrics of a table, one entry a metric.
 *
 * @param registry - where they are registered
 * @param defs - the table: a key per metric (its name in the result) and its {@link MetricDef}
 * @returns the metrics by the table's keys, typed by their labels
 */
export function defineMetrics<const T extends Record<string, MetricDef>>(
  registry: Registry,
  defs: T,
): { [K in keyof T]: MetricOf<T[K]> } {
  const registers = [registry];
  // prom-client sets its own `type` on each metric, the same string as the table's.
  const make = (def: MetricDef) => {
    switch (def.type) {
      case 'counter':
        return new Counter({ ...def, registers });
      case 'gauge':
        return new Gauge({ ...def, registers });
      case 'histogram':
        return new Histogram({ ...def, registers });
    }
  };
  return Object.fromEntries(Object.entries(defs).map(([key, def]) => [key, make(def)])) as {
    [K in keyof T]: MetricOf<T[K]>;
  };
}

/**
 * Serves a registry's `/metrics` (Prometheus text format) on its own port; any other path is 404.
 *
 * @param port - TCP port (0: any free one)
 * @param host - address to bind (`metrics.host`; `0.0.0.0` for a Prometheus elsewhere)
 * @returns the server and the port it listens on
 * @throws Error (`EADDRINUSE`, `EACCES`) when the port cannot be bound
 */
export async function serveMetrics(
  registry: Registry,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
