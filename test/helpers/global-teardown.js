// Stops the services of global-setup.js and removes their temp dir.
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const services = globalThis.__vaultarrServices;
  await services?.temporal.stop();
  await services?.postgres.stop();
  if (process.env.VAULTARR_TEST_ROOT) rmSync(process.env.VAULTARR_TEST_ROOT, { recursive: true, force: true });
}
