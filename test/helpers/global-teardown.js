// Stops the services of global-setup.js and removes their temp dir.
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const services = globalThis.__vaultarrServices;
  // Both, whatever happens to the first: a Postgres left running outlives the run.
  const stopped = await Promise.allSettled([services?.temporal.stop(), services?.postgres.stop()]);
  if (process.env.TEST_VAULTARR_ROOT)
    rmSync(process.env.TEST_VAULTARR_ROOT, { recursive: true, force: true });
  for (const s of stopped) if (s.status === 'rejected') throw s.reason;
}
