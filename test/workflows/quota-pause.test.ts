import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HostQuotaPause, isQuotaExhausted } from '../../activities/vault/quota-pause.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { cancelSignal } from '../../domain/messages.js';
import { createWorkerMetrics, workerMetricsSettings } from '../../lib/metrics.js';
import { testConfig } from '../helpers/config.js';
import { makeLibrary, makeVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

/** Google's answer to an upload over the account's rate limit (Drive API v3, 403). */
const GOOGLE_RATE_LIMIT_BODY = JSON.stringify({
  error: {
    errors: [
      {
        domain: 'usageLimits',
        reason: 'userRateLimitExceeded',
        message: 'User rate limit exceeded.',
      },
    ],
    code: 403,
    message: 'User rate limit exceeded.',
  },
});

/**
 * A small proxy in front of a WebDAV remote: while `exhausted`, every upload (PUT) is answered 403
 * with Google's error body; everything else goes through.
 */
class QuotaProxy {
  exhausted = true;
  /** Uploads refused. */
  refused = 0;
  private server?: http.Server;
  port = 0;

  constructor(private readonly target: number) {}

  get remote(): string {
    return `:webdav,url='http://127.0.0.1:${this.port}':`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      if (req.method === 'PUT' && this.exhausted) {
        this.refused++;
        req.resume();
        req.on('end', () =>
          res
            .writeHead(403, { 'content-type': 'application/json; charset=UTF-8' })
            .end(GOOGLE_RATE_LIMIT_BODY),
        );
        return;
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const PAUSE_MS = 8000;

describe('an exhausted upload quota pauses the host copies, then they resume', () => {
  let env: WorkflowTestEnv;
  let webdav: WebdavServer;
  let proxy: QuotaProxy;
  let dirs: ReturnType<typeof tempDir>;
  const quotaPause = new HostQuotaPause(PAUSE_MS);

  beforeAll(async () => {
    dirs = tempDir('vaultarr-quota-');
    webdav = await startWebdav(path.join(dirs.dir, 'cloud'));
    proxy = new QuotaProxy(webdav.port);
    await proxy.start();
  });

  afterAll(async () => {
    await env?.close();
    await proxy.stop();
    await webdav.stop();
    dirs.cleanup();
  });

  test('a 403 userRateLimitExceeded makes the item wait with the reason in its status, and it becomes resident after the pause', async () => {
    const localRoot = path.join(dirs.dir, '.Local');
    makeLibrary(localRoot);
    const metrics = createWorkerMetrics({
      settings: workerMetricsSettings(testConfig({ hostId: 'quota-host', library: { localRoot } })),
      quotaPause,
    });
    env = await createWorkflowTestEnv({
      localRoot,
      quotaPause,
      metrics,
      rcloneClient: (options) => new Rclone({ ...options, remote: proxy.remote }),
    });
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(localRoot, release), 1, 41);
    const workflowId = await env.startIncoming(release);

    const pausedStatus = async (id: string) => {
      for (;;) {
        const status = await env.waitForStage(id, 'copying');
        if (status.reason) return status;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const paused = await pausedStatus(workflowId);
    expect(paused.reason).toMatch(
      /upload quota is exhausted; this host's copies pause until \d{4}-.*userRateLimitExceeded/,
    );
    expect(proxy.refused).toBeGreaterThanOrEqual(1);
    const refusedBefore = proxy.refused;

    // Another item of this host meets the pause at once, without an upload to the remote.
    const second = 'Incoming/Ronin.1998.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(localRoot, second), 1, 42);
    const secondId = await env.startIncoming(second);
    const secondPaused = await pausedStatus(secondId);
    expect(secondPaused.reason).toContain(/pause until (\S+)/.exec(paused.reason!)![1]!);
    expect(proxy.refused).toBe(refusedBefore);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toMatch(/^vaultarr_vault_quota_paused\{host="quota-host"\} 1$/m);
    expect(scrape).toMatch(/^vaultarr_vault_quota_pauses_total\{host="quota-host"\} 1$/m);
    expect(scrape).toMatch(
      /^vaultarr_activity_failures_total\{activity="copyAndVerify",type="REMOTE_QUOTA_EXCEEDED",host="quota-host"\} 2$/m,
    );

    // Google's quota is back; the item copies again once the host's pause is over, on its own.
    proxy.exhausted = false;
    const resident = await env.waitForStage(workflowId, 'resident', 60_000);
    await env.waitForStage(secondId, 'resident', 60_000);
    expect(resident.reason).toBeUndefined();
    const libraryPath = 'Movies/Heat (1995)/Heat (1995).mkv';
    expect(sha256(path.join(webdav.dir, libraryPath))).toBe(sha256(path.join(localRoot, libraryPath)));
    expect(quotaPause.current()).toBeUndefined();

    const events = await env.pool.query(
      'SELECT stage, outcome FROM events WHERE workflow_id = $1 ORDER BY id',
      [workflowId],
    );
    expect(events.rows.map((e) => `${e.stage}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['copying:quota-paused', 'copying:quota-resumed', 'resident:verified']),
    );
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('quota-paused-then-resident-cancelled', handle);
  });
});

describe('quota errors', () => {
  test.each([
    'googleapi: Error 403: User rate limit exceeded., userRateLimitExceeded',
    'googleapi: Error 403: The user has exceeded their Drive upload quota, uploadLimitExceeded',
    'googleapi: Error 403: Quota exceeded for quota metric, quotaExceeded',
    'Failed to copy: {"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded"}],"code":403}}: 403 Forbidden',
    'Failed to copy: Too many requests: 429 Too Many Requests',
  ])('"%s" is an exhausted quota', (message) => {
    expect(isQuotaExhausted(message)).toBe(true);
  });

  test.each([
    'googleapi: Error 403: The user does not have sufficient permissions for this file., insufficientFilePermissions',
    'googleapi: Error 403: The user has exceeded their Drive storage quota, storageQuotaExceeded',
    'Failed to copy: Movies/Room 429 (2020)/Room 429 (2020).mkv: 401 Unauthorized',
  ])('"%s" is not', (message) => {
    expect(isQuotaExhausted(message)).toBe(false);
  });

  test('a copy that starts during a pause joins it; a pause ends by itself', () => {
    let now = 1_000_000;
    const pause = new HostQuotaPause(60_000, () => now);
    const first = pause.start('userRateLimitExceeded');
    now += 10_000;
    expect(pause.start('userRateLimitExceeded again')).toBe(first);
    expect(pause.current()?.untilMs).toBe(1_060_000);
    now += 50_000;
    expect(pause.current()).toBeUndefined();
    expect(pause.pausesStarted).toBe(1);
  });
});
