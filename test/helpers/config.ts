/**
 * The parsed config for tests: the schema's defaults plus a test's overrides, so a test builds a
 * component's settings with the function production uses (`sortSettings(testConfig({ … }))`)
 * and never restates a default.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig, type Config, type ConfigInput } from '../../lib/config.js';

/**
 * A resolved config as `vaultarr` would load it from a `vaultarr.yml` holding `overrides`.
 *
 * @param overrides - keys as in `vaultarr.yml` (whole sections: a section given replaces the
 *   minimal config's, and its unset keys get the schema's defaults); by default the host is `test`
 *   and the data dir a path under the temp dir that nothing creates
 * @returns the config, every default filled in and every path absolute
 * @throws UserError when an override breaks the schema (a test's mistake)
 */
export function testConfig(overrides: ConfigInput = {}): Config {
  return parseConfig({
    hostId: 'test',
    dataDir: path.join(tmpdir(), 'vaultarr-test-config'),
    ...overrides,
  });
}
