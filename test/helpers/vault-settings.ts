/**
 * The rclone client's settings for tests, built as production builds them: `rcloneSettings` of
 * the test config ({@link testConfig}: the schema's defaults) with the test's `vault` keys.
 */
import { rcloneSettings, type RcloneSettings } from '../../activities/vault/rclone/client.js';
import type { ConfigInput } from '../../lib/config.js';
import { testConfig } from './config.js';

/** `vault` keys as a vaultarr.yml writes them; `remote` is required (each test owns its vault). */
export type TestVaultConfig = NonNullable<ConfigInput['vault']> & { remote: string };

/**
 * @param vault - e.g. `{ remote: dir, rcloneDaemon: false, bwLimit: '8M' }`; keys left out (or
 *   `undefined`) take the schema's defaults
 * @throws UserError when a key is invalid, as the config would reject it
 */
export function testRcloneSettings(vault: TestVaultConfig): RcloneSettings {
  return rcloneSettings(testConfig({ vault }));
}
