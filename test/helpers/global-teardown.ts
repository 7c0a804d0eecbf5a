import { rmSync } from 'node:fs';

/** Stops the services of global-setup.ts and removes their temp dir. */
export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__vaultarrServices as
    { temporal: { stop(): Promise<void> }; postgres: { stop(): Promise<void> } } | undefined;
  await services?.temporal.stop();
  await services?.postgres.stop();
  if (process.env.VAULTARR_TEST_ROOT)
    rmSync(process.env.VAULTARR_TEST_ROOT, { recursive: true, force: true });
}
