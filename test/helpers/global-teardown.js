// Stops the services of global-setup.js and removes their temp dir.
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const services = globalThis.__vaultarrServices;
  await services?.temporal.stop();
  await services?.postgres.stop();
  if (process.env.TEST_VAULTARR_ROOT)
    rmSync(process.env.TEST_VAULTARR_ROOT, { recursive: true, force: true });
}
