/**
 * `/metrics` of the API and of a worker, scraped over HTTP after a movie went through to
 * `resident`, checked with Prometheus's own `promtool check metrics`.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { evictSignal } from '../../domain/messages.js';
import { apiSettings, createApp } from '../../api/app.js';
import {
  createApiMetrics,
  createWorkerMetrics,
  serveMetrics,
  workerMetricsSettings,
  type WorkerMetrics,
} from '../../lib/metrics.js';
import { registerHost } from '../../lib/hosts.js';
import { createToken, TOKEN_SCOPES } from '../../lib/tokens.js';
import * as arr from '../helpers/arr-payloads.js';
import { freePort, waitFor } from '../../lib/infra/wait.js';
import { addPeer } from '../../lib/peers.js';
import { Component } from '../helpers/component.js';
import { testConfig } from '../helpers/config.js';
import { FakePlex } from '../fakes/plex.js';
import {
  freshDatabase,
  makeLibrary,
  makeVideo,
  temporalAddress,
  tempDir,
  uniqueName,
} from '../helpers/env.js';
import { createWorkflowTestEnv, TEST_REWRITES, type WorkflowTestEnv } from '../helpers/workflow-env.js';

/** Runs `promtool check metrics` on a scrape; returns what it printed (it exits non-zero on a problem). */
function promtool(scrape: string): string {
  return execFileSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8', stdio: 'pipe' });
}

/** The value of one sample line `name{labels} value`, the labels in any order. */
function sample(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of scrape.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics on the API and a worker', () => {
  const hostId = uniqueName('host');
  const { dir, cleanup } = tempDir('vaultarr-metrics-');
  const localRoot = path.join(dir, '.Local');
  let env: WorkflowTestEnv;
  let rclone: Rclone;
  let workerMetrics: WorkerMetrics;
  let metricsServer: Server;
  let workerUrl: string;
  let app: Express;
  let token: string;
  const movie = 'Movies/Alien (1979)/Alien (1979).mkv';
  const plex = new FakePlex({
    token: 'plex-token',
    sections: [{ key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] }],
  });

  beforeAll(async () => {
    await plex.start();
    workerMetrics = createWorkerMetrics({
      settings: workerMetricsSettings(testConfig({ hostId, library: { localRoot } })),
      rcloneDaemonUp: () => rclone.daemonUp(),
    });
    env = await createWorkflowTestEnv({
      hostId,
      localRoot,
      metrics: workerMetrics,
      rcloneClient: (options) => (rclone = new Rclone(options)),
      config: {
        mediaServers: [{ name: 'plex', type: 'plex', url: plex.url, token: 'plex-token' }],
        union: { mediaMount: '/media' },
        scan: { mergeWindowSeconds: 0 },
      },
    });
    // A peer nobody answers for: its delivery fails (and keeps retrying).
    await addPeer(env.pool, {
      name: 'far-away',
      url: `http://127.0.0.1:${await freePort()}`,
      token: `vt_${'y'.repeat(24)}`,
    });
    await registerHost(env.pool, hostId, localRoot);
    const served = await serveMetrics(workerMetrics.registry, 0, '127.0.0.1');
    metricsServer = served.server;
    workerUrl = `http://127.0.0.1:${served.port}/metrics`;
    app = createApp({
      client: env.client,
      pool: env.pool,
      metrics: createApiMetrics({ pool: env.pool }),
      settings: {
        ...apiSettings(
          testConfig({
            hostId,
            library: { localRoot },
            webhooks: { pathRewrites: TEST_REWRITES },
            api: { maxBodyBytes: 256 * 1024, authFailureLimit: 100, authFailureWindowMinutes: 1 },
          }),
        ),
        taskQueue: env.taskQueue,
      },
    });
    ({ token } = await createToken(env.pool, uniqueName('metrics'), TOKEN_SCOPES));

    const release = 'Incoming/Alien.1979.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(localRoot, release), 1, 7);
    const workflowId = await env.startIncoming(release);
    await env.waitForStage(workflowId, 'resident');
  });
  afterAll(async () => {
    metricsServer?.close();
    await env?.close();
    await rclone?.close();
    await plex.stop();
    cleanup();
  });

  test("a worker's scrape passes promtool and counts the item's copy and sha256 verification with their bytes", async () => {
    const res = await fetch(workerUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const scrape = await res.text();
    promtool(scrape);
    const sizeBytes = statSync(path.join(localRoot, movie)).size;
    const host = { host: hostId };
    expect(sample(scrape, 'vaultarr_vault_copies_total', { ...host, method: 'rclone-daemon' })).toBe(1);
    expect(sample(scrape, 'vaultarr_vault_copied_bytes_total', { ...host, method: 'rclone-daemon' })).toBe(
      sizeBytes,
    );
    expect(sample(scrape, 'vaultarr_vault_copy_duration_seconds_count', host)).toBe(1);
    expect(
      sample(scrape, 'vaultarr_vault_verifications_total', { ...host, method: 'sha256', outcome: 'match' }),
    ).toBe(1);
    expect(sample(scrape, 'vaultarr_vault_verified_bytes_total', { ...host, method: 'sha256' })).toBe(
      sizeBytes,
    );
    expect(sample(scrape, 'vaultarr_vault_verification_duration_seconds_count', host)).toBe(1);
    expect(sample(scrape, 'vaultarr_rclone_daemon_up', host)).toBe(1);
    const freeRatio = sample(scrape, 'vaultarr_local_free_ratio', host)!;
    expect(freeRatio).toBeGreaterThan(0);
    expect(freeRatio).toBeLessThanOrEqual(1);
    expect(scrape).toContain('# TYPE vaultarr_activity_failures_total counter');
  });

  test('a worker counts the scan of a media server and the failed delivery to a peer', async () => {
    let scrape = '';
    await waitFor(
      'the failed peer delivery',
      async () => {
        scrape = await (await fetch(workerUrl)).text();
        return (
          (sample(scrape, 'vaultarr_peer_deliveries_total', { peer: 'far-away', outcome: 'failed' }) ?? 0) >=
          1
        );
      },
      30_000,
    );
    expect(sample(scrape, 'vaultarr_scans_total', { host: hostId, target: 'plex', outcome: 'scanned' })).toBe(
      1,
    );
    expect(
      sample(scrape, 'vaultarr_activity_failures_total', { activity: 'notifyPeer', type: 'transient' }),
    ).toBeGreaterThanOrEqual(1);
  });

  test('any other path on the worker metrics port answers 404', async () => {
    expect((await fetch(workerUrl.replace('/metrics', '/'))).status).toBe(404);
  });

  test("the API's scrape passes promtool and shows the catalog's items by stage and the webhook requests", async () => {
    expect(
      (
        await request(app)
          .post('/api/v1/webhooks/radarr')
          .set('X-Api-Key', token)
          .send(arr.testEvent('radarr'))
      ).status,
    ).toBe(200);
    expect(
      (
        await request(app)
          .post('/api/v1/webhooks/radarr')
          .set('X-Api-Key', 'wrong')
          .send(arr.testEvent('radarr'))
      ).status,
    ).toBe(401);
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    const scrape = res.text;
    promtool(scrape);
    expect(sample(scrape, 'vaultarr_catalog_up')).toBe(1);
    expect(sample(scrape, 'vaultarr_webhook_deliveries_pending')).toBe(0);
    expect(sample(scrape, 'vaultarr_webhook_delivery_oldest_pending_seconds')).toBe(0);
    expect(sample(scrape, 'vaultarr_items', { stage: 'resident', host: hostId })).toBe(1);
    expect(sample(scrape, 'vaultarr_items', { stage: 'failed-needs-attention', host: hostId })).toBe(0);
    expect(sample(scrape, 'vaultarr_item_size_bytes', { stage: 'resident', host: hostId })).toBe(
      statSync(path.join(localRoot, movie)).size,
    );
    expect(
      sample(scrape, 'vaultarr_webhook_requests_total', { app: 'radarr', event: 'Test', status: '200' }),
    ).toBe(1);
    // An unauthenticated body is never read, so its event is not known.
    expect(
      sample(scrape, 'vaultarr_webhook_requests_total', { app: 'radarr', event: 'unknown', status: '401' }),
    ).toBe(1);
    expect(
      sample(scrape, 'vaultarr_webhook_request_duration_seconds_count', { app: 'radarr', event: 'Test' }),
    ).toBe(1);
  });

  test('an eviction is counted with the bytes it freed, and the API then counts the item evicted', async () => {
    const sizeBytes = statSync(path.join(localRoot, movie)).size;
    const workflowId = (
      await env.pool.query<{ workflow_id: string }>(
        'SELECT workflow_id FROM media_items WHERE library_path = $1',
        [movie],
      )
    ).rows[0]!.workflow_id;
    await env.client.workflow.getHandle(workflowId).signal(evictSignal);
    await env.waitForStage(workflowId, 'evicted');
    const scrape = await (await fetch(workerUrl)).text();
    expect(sample(scrape, 'vaultarr_evictions_total', { host: hostId, outcome: 'evicted' })).toBe(1);
    expect(sample(scrape, 'vaultarr_evicted_bytes_total', { host: hostId })).toBe(sizeBytes);
    const api = (await request(app).get('/metrics')).text;
    expect(sample(api, 'vaultarr_items', { stage: 'evicted', host: hostId })).toBe(1);
    expect(sample(api, 'vaultarr_items', { stage: 'resident', host: hostId })).toBe(0);
  });

  test('a worker counts a failed activity attempt by its failure type', async () => {
    const acts = workerMetrics.interceptor({ info: { activityType: 'copyToVault' } } as never);
    const failure = Object.assign(new Error('gone'), { type: 'SOURCE_MISSING' });
    await expect(
      acts.inbound!.execute!({ args: [{}], headers: {} }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    const scrape = await (await fetch(workerUrl)).text();
    expect(
      sample(scrape, 'vaultarr_activity_failures_total', { activity: 'copyToVault', type: 'SOURCE_MISSING' }),
    ).toBe(1);
  });
});

describe('a `vaultarr worker` process', () => {
  const { dir, cleanup } = tempDir('vaultarr-metrics-proc-');
  const hostId = uniqueName('proc');
  let worker: Component | undefined;
  afterAll(async () => {
    await worker?.kill();
    cleanup();
  });

  test('serves /metrics on metrics.port with its host, disk and rclone daemon', async () => {
    const local = path.join(dir, '.Local');
    makeLibrary(local);
    const port = await freePort();
    worker = new Component(
      'worker',
      {
        VAULTARR_HOST_ID: hostId,
        VAULTARR_DATA_DIR: dir,
        VAULTARR_LIBRARY__LOCAL_ROOT: local,
        VAULTARR_TEMPORAL__ADDRESS: temporalAddress(),
        VAULTARR_VAULT__REMOTE: path.join(dir, 'cloud'),
        VAULTARR_WORKER__HOST_ONLY: 'true',
        VAULTARR_METRICS__PORT: String(port),
        DATABASE_URL: await freshDatabase(),
      },
      dir,
    );
    await worker.start('host activity worker running');
    expect(worker.output()).toContain('metrics served on /metrics');
    const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    promtool(scrape);
    expect(sample(scrape, 'vaultarr_local_free_ratio', { host: hostId })).toBeGreaterThan(0);
    expect(sample(scrape, 'vaultarr_rclone_daemon_up', { host: hostId })).toBe(1);
  });
});
