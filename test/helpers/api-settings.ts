import { apiSettings } from '../../api/app.js';
import { testConfig } from './config.js';

/**
 * API settings for tests that run the app without a library: the config's defaults with host
 * `test`, no library (`/nonexistent`) and a one-minute authentication failure window.
 */
export const TEST_API_SETTINGS = apiSettings(
  testConfig({ library: { localRoot: '/nonexistent' }, api: { authFailureWindowMinutes: 1 } }),
);
