/**
 * The rclone client's settings for tests, built as production builds them: the config schema's
 * `vault` section parsed (every default from the schema) with the test's keys, through
 * `rcloneSettings`.
 */
import type { z } from 'zod';
import { rcloneSettings, type RcloneSettings } from '../../activities/vault/rclone/client.js';
import { ConfigSchema } from '../../lib/config.js';

/** `vault` keys as a vaultarr.yml writes them; `remote` is required (each test owns its vault). */
export type TestVaultConfig = z.input<typeof ConfigSchema.shape.vault> & { remote: string };

/**
 * @param vault - e.g. `{ remote: dir, rcloneDaemon: false, bwLimit: '8M' }`; keys left out (or
 *   `undefined`) take the schema's defaults
 * @throws ZodError when a key is invalid, as the config would reject it
 */
export function testRcloneSettings(vault: TestVaultConfig): RcloneSettings {
  return rcloneSettings({ vault: { ...ConfigSchema.shape.vault.parse(vault), remote: vault.remote } });
}
