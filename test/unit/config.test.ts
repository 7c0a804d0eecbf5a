import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { apiSettings } from '../../api/app.js';
import { loadConfig, redactConfig } from '../../lib/config.js';
import { UserError } from '../../lib/errors.js';
import { redactText } from '../../lib/secrets.js';
import { tempDir } from '../helpers/env.js';

describe('configuration', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  /** The problems a config with this environment is refused for (it must be refused). */
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ env, cwd: dir });
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as UserError).problems;
    }
    throw new Error('the config was accepted');
  };

  test('embedded defaults are rooted in VAULTARR_DATA_DIR and hostId defaults to the hostname', () => {
    const config = loadConfig({ env: { VAULTARR_DATA_DIR: 'media-data' }, cwd: dir });
    expect(config.dataDir).toBe(path.join(dir, 'media-data'));
    expect(config.library.localRoot).toBe(path.join(dir, 'media-data', '.Local'));
    expect(config.vault.remote).toBe(path.join(dir, 'media-data', 'cloud'));
    expect(config.hostId).toBe(hostname());
    expect(config.temporal.embedded.uiPort).toBe(8233);
  });

  test('the YAML file is read from VAULTARR_CONFIG and environment variables override it', () => {
    writeFileSync(
      path.join(dir, 'my.yml'),
      'hostId: pi-1\nvault:\n  remote: "gdrive:Media"\napi:\n  port: 9000\n',
    );
    const config = loadConfig({
      env: { VAULTARR_CONFIG: 'my.yml', VAULTARR_API__PORT: '9100', DATABASE_URL: 'postgres://x@h/db' },
      cwd: dir,
    });
    expect(config.hostId).toBe('pi-1');
    expect(config.vault.remote).toBe('gdrive:Media');
    expect(config.api.port).toBe(9100);
    expect(config.database.url).toBe('postgres://x@h/db');
  });

  test('environment values keep rclone remote specs as strings and read lists, numbers and booleans', () => {
    const config = loadConfig({
      env: {
        VAULTARR_VAULT__REMOTE: ":webdav,url='http://127.0.0.1:8080':",
        VAULTARR_VAULT__EXTRA_FLAGS: '["--bwlimit", "8M"]',
        VAULTARR_EVICTION__ENABLED: 'true',
        VAULTARR_EVICTION__LOW_FREE_RATIO: '0.2',
      },
      cwd: dir,
    });
    expect(config.vault.remote).toBe(":webdav,url='http://127.0.0.1:8080':");
    expect(config.vault.extraFlags).toEqual(['--bwlimit', '8M']);
    expect(config.eviction).toMatchObject({ enabled: true, lowFreeRatio: 0.2, highFreeRatio: 0.6 });
  });

  test('api.trustProxy and webhooks.dedupeWindowMinutes default to off and 10 minutes and reach the API settings', () => {
    expect(apiSettings(loadConfig({ env: {}, cwd: dir }))).toMatchObject({
      trustProxy: false,
      dedupeWindowMs: 600_000,
    });
    const config = loadConfig({
      env: { VAULTARR_API__TRUST_PROXY: 'loopback', VAULTARR_WEBHOOKS__DEDUPE_WINDOW_MINUTES: '0.5' },
      cwd: dir,
    });
    expect(apiSettings(config)).toMatchObject({ trustProxy: 'loopback', dedupeWindowMs: 30_000 });
  });

  test('metrics are on by default with workers on port 9464; the environment moves or disables them', () => {
    expect(loadConfig({ env: {}, cwd: dir }).metrics).toEqual({
      enabled: true,
      port: 9464,
      host: '127.0.0.1',
    });
    const moved = loadConfig({ env: { VAULTARR_METRICS__PORT: '19464' }, cwd: dir });
    expect(moved.metrics.port).toBe(19464);
    expect(loadConfig({ env: { VAULTARR_METRICS__ENABLED: 'false' }, cwd: dir }).metrics.enabled).toBe(false);
  });

  test('copies pause 6 hours on an exhausted quota and are not throttled unless vault.throttle is set', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.vault.quotaPauseHours).toBe(6);
    expect(config.vault.throttle).toBeUndefined();
    const throttled = loadConfig({ env: { VAULTARR_VAULT__THROTTLE: '{ bwLimit: 2M }' }, cwd: dir });
    expect(throttled.vault.throttle).toEqual({ bwLimit: '2M', minStreams: 1, pollSeconds: 30 });
  });

  test('vault.throttle.bwLimit must be one rate, not a timetable (rclone core/bwlimit takes one)', () => {
    expect(problemsOf({ VAULTARR_VAULT__THROTTLE: '{ bwLimit: "08:00,2M 23:00,off" }' })).toEqual([
      'vault.throttle.bwLimit: must be one rate in --bwlimit syntax, e.g. "2M" (no timetable)',
    ]);
  });

  test('notifications are off by default; their Apprise URLs are secrets hidden from printed config and logs', () => {
    expect(loadConfig({ env: {}, cwd: dir }).notifications).toMatchObject({ urls: [], digestAt: '08:00' });
    const url = 'discord://1234567890/s3cr3t-webhook-token';
    const config = loadConfig({ env: { VAULTARR_NOTIFICATIONS__URLS: `["${url}"]` }, cwd: dir });
    expect(config.notifications.urls).toEqual([url]);
    expect(config.notifications.events).toContain('needs-attention');
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cr3t');
    expect(redactText(`apprise failed on ${url}`)).not.toContain('s3cr3t');
  });

  test('a worker runs 16 host activities at once unless worker.hostActivities says otherwise (1-64)', () => {
    expect(loadConfig({ env: {}, cwd: dir }).worker.hostActivities).toBe(16);
    const pi = loadConfig({ env: { VAULTARR_WORKER__HOST_ACTIVITIES: '4' }, cwd: dir });
    expect(pi.worker.hostActivities).toBe(4);
    expect(problemsOf({ VAULTARR_WORKER__HOST_ACTIVITIES: '0' }).map((p) => p.split(':')[0])).toEqual([
      'worker.hostActivities (from VAULTARR_WORKER__HOST_ACTIVITIES)',
    ]);
  });

  test('every problem is reported at once with its key path', () => {
    writeFileSync(
      path.join(dir, 'vaultarr.yml'),
      'hostId: "bad host"\nvault:\n  verifyAttempts: 0\n  remot: x\napi:\n  port: 70000\nbogus: 1\n',
    );
    const problems = problemsOf({ VAULTARR_WATCHER__SETTLE_SECONDS: '-1' }).map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(
      [
        'hostId',
        'vault.verifyAttempts',
        'vault.remot',
        'api.port',
        'bogus',
        'watcher.settleSeconds (from VAULTARR_WATCHER__SETTLE_SECONDS)',
      ].sort(),
    );
  });
});
