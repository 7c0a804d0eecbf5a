/**
 * `vaultarr api`: the HTTP API. Its own module, loaded only by that subcommand, so that other components
 * do not load its dependencies (memory on small hosts).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { apiSettings, createApp } from '../api/app.js';
import { WebhookForwarder } from '../api/webhooks/forwarder.js';
import type { Config } from '../lib/config.js';
import { createPool, migrate } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { UserError } from '../lib/errors.js';
import { ItemService } from '../lib/items/index.js';
import { createLogger } from '../lib/logger.js';
import { createApiMetrics } from '../lib/metrics.js';
import { connectClient } from '../lib/temporal.js';

/** Serves the API until SIGINT/SIGTERM. */
export async function runApi(config: Config): Promise<void> {
  const log = createLogger('api', config.logLevel);
  const ep = endpoints(config);
  await migrate(ep.databaseUrl);
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const pool = createPool(ep.databaseUrl, undefined, (err) =>
    log.warn({ err: err.message }, 'lost a database connection; the next query opens a new one'),
  );
  const metrics = config.metrics.enabled ? createApiMetrics({ pool }) : undefined;
  const items = new ItemService({ client, pool });
  // Forwards what this process records, and what an earlier run or another API left undone.
  const forwarder = new WebhookForwarder({ client, pool, items, log }).start();
  const server = createServer(
    createApp({ client, pool, settings: apiSettings(config), metrics, logger: log, forwarder }),
  );
  server.listen(config.api.port, config.api.host);
  await once(server, 'listening').catch((err: NodeJS.ErrnoException) => {
    const where = `${config.api.host}:${config.api.port}`;
    if (err.code === 'EADDRINUSE')
      throw new UserError(
        `the API cannot listen on ${where}: the port is in use (another vaultarr api? set api.port)`,
      );
    if (err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')
      throw new UserError(`the API cannot listen on ${where} (${err.code}): check api.host and api.port`);
    throw err;
  });
  log.info({ host: config.api.host, port: config.api.port }, 'API listening');
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await forwarder.stop();
  await pool.end();
  await client.connection.close();
}
