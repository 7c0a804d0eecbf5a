/**
 * `vaultarr watcher`: the Incoming/ watcher. Its own module, loaded only by that subcommand, so that other components
 * do not load its dependencies (memory on small hosts).
 */
import type { Config } from '../lib/config.js';
import { endpoints } from '../lib/endpoints.js';
import { createLogger } from '../lib/logger.js';
import { startIncomingItem } from '../lib/start-item.js';
import { connectClient } from '../lib/temporal.js';
import { IncomingWatcher, watcherSettings } from '../watcher/incoming-watcher.js';
import { ensureLayout } from './stack.js';

/** Watches Incoming/ until SIGINT/SIGTERM. */
export async function runWatcher(config: Config): Promise<void> {
  const log = createLogger('watcher', config.logLevel);
  const ep = endpoints(config);
  ensureLayout(config);
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  const watcher = new IncomingWatcher({
    settings: watcherSettings(config),
    logger: log,
    onReady: async (release) => {
      const workflowId = await startIncomingItem(client, {
        releasePath: release.releasePath,
        arrival: release.arrival,
        localRoot: config.library.localRoot,
        hostId: config.hostId,
      });
      log.info({ release: release.releasePath, workflowId }, 'workflow started');
    },
  });
  await watcher.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await watcher.close();
  await client.connection.close();
}
