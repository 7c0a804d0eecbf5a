import type { ApiSettings } from '../../api/app.js';

/** API settings for tests that run the app without a library: a generous failure limit, 1 MiB bodies. */
export const TEST_API_SETTINGS: ApiSettings = {
  localRoot: '/nonexistent',
  pathRewrites: [],
  hostId: 'test',
  maxBodyBytes: 1024 * 1024,
  authFailureLimit: 10,
  authFailureWindowMs: 60_000,
};
