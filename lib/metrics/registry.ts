/**
 * What every metrics registry shares: the process and Node.js metrics, and the HTTP endpoint a
 * registry is served on (`/metrics`, Prometheus text format).
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, type Registry } from 'prom-client';

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
