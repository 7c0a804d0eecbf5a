/**
 * Scenario 4, webhook ingest: 2,000 Radarr `Download` webhooks (each a different imported file)
 * at a steady 100 per second (`pacedLoad`) against the API of a fresh stack: p50 and p99 response time,
 * errors, workflows started, and how long after its answer each delivery's workflow was started
 * (the outbox's `forwarded_at - received_at`). Measured twice: with the whole stack running (the worker busy
 * carrying the imported files to the vault, as on a real host) and with the API alone; and
 * against the floor, bare `client.workflow.signalWithStart` calls at the same rate on a fresh
 * Temporal server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { createToken } from '../../lib/tokens.js';
import { pacedLoad, runBareSignalWithStart } from '../lib/baselines.js';
import { checked, headline, info, round, type Scenario, type ScenarioContext } from '../lib/report.js';
import { BenchStack, type Component } from '../lib/stack.js';

/** A Radarr `Download` (import) webhook body as Radarr v5 sends it, for movie `i`. */
function radarrDownload(i: number, localRoot: string) {
  const title = `Bench Movie ${i}`;
  const year = 1950 + (i % 70);
  const folderPath = path.join(localRoot, 'Movies', `${title} (${year})`);
  const filePath = path.join(folderPath, `${title} (${year}).mkv`);
  return {
    filePath,
    body: {
      eventType: 'Download',
      instanceName: 'Radarr',
      applicationUrl: 'http://radarr.local',
      movie: {
        id: 1000 + i,
        title,
        year,
        releaseDate: `${year}-03-31`,
        folderPath,
        tmdbId: 100_000 + i,
        imdbId: `tt${String(9_000_000 + i)}`,
        genres: ['Drama'],
        images: [],
        tags: [],
        originalLanguage: { id: 1, name: 'English' },
      },
      remoteMovie: { tmdbId: 100_000 + i, imdbId: `tt${String(9_000_000 + i)}`, title, year },
      movieFile: {
        id: 5000 + i,
        relativePath: path.basename(filePath),
        path: filePath,
        quality: 'Bluray-1080p',
        qualityVersion: 1,
        releaseGroup: 'BENCH',
        sceneName: `Bench.Movie.${i}.${year}.1080p.BluRay.x264-BENCH`,
        indexerFlags: '0',
        size: 1024,
        dateAdded: '2026-11-21T10:00:00Z',
        languages: [{ id: 1, name: 'English' }],
        mediaInfo: {
          audioChannels: 2,
          audioCodec: 'AAC',
          audioLanguages: ['eng'],
          height: 1080,
          width: 1920,
        },
      },
      isUpgrade: false,
      downloadClient: 'qBittorrent',
      downloadClientType: 'qBittorrent',
      downloadId: `BENCH${String(i).padStart(8, '0')}`,
      customFormatInfo: { customFormats: [], customFormatScore: 0 },
      release: {
        releaseTitle: `Bench.Movie.${i}.${year}.1080p.BluRay.x264-BENCH`,
        indexer: 'Indexer',
        size: 1024,
        indexerFlags: [],
      },
    },
  };
}

/** Requests in flight at most, in every load run. */
const CONNECTIONS = 20;

/** One load run; returns the latencies, the answers by status and the workflows the stack started. */
async function loadRun(ctx: ScenarioContext, components: Component[], amount: number, rate: number) {
  const stack = await BenchStack.start({ components });
  try {
    const { token } = await createToken(stack.pool, 'radarr', ['webhook:radarr']);
    const payloads = Array.from({ length: amount }, (_, i) => radarrDownload(i, stack.localRoot));
    // The imported files exist, as after a real import: the worker copies them to the vault.
    for (const p of payloads) {
      mkdirSync(path.dirname(p.filePath), { recursive: true });
      writeFileSync(p.filePath, Buffer.alloc(1024, p.filePath));
    }
    const statuses: Record<string, number> = {};
    ctx.log(`${amount} webhooks at ${rate}/s (${components.join(', ')})`);
    const load = await pacedLoad({ amount, rate, connections: CONNECTIONS }, async (i) => {
      const res = await fetch(`${stack.apiUrl}/api/v1/webhooks/radarr`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': token },
        body: JSON.stringify(payloads[i]!.body),
        signal: AbortSignal.timeout(10_000),
      });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    });
    // The answer comes once a delivery is recorded; the API's forwarder starts the workflows.
    const pending = async () =>
      (
        await stack.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM webhook_deliveries WHERE forwarded_at IS NULL',
        )
      ).rows[0]!.n;
    await waitFor('every delivery forwarded', async () => (await pending()) === 0, 120_000, 250).catch(
      () => undefined,
    );
    const { rows } = await stack.pool.query<{ p50: number; p99: number; max: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
         FROM (SELECT extract(epoch FROM forwarded_at - received_at) * 1000 AS ms
                 FROM webhook_deliveries WHERE forwarded_at IS NOT NULL) t`,
    );
    // Visibility trails the starts by a moment: count once it reaches the deliveries.
    await waitFor(
      'the started workflows to be visible',
      async () => (await stack.mediaItemWorkflows()) >= amount,
      15_000,
      250,
    ).catch(() => undefined);
    const workflows = await stack.mediaItemWorkflows();
    return {
      responses: Object.values(statuses).reduce((a, b) => a + b, 0),
      latencyMs: load.latencyMs,
      errors: load.errors,
      statuses,
      notForwarded: await pending(),
      /** Answer to workflow started or signalled (the forwarder's `forwarded_at - received_at`), in ms. */
      forwardedMs: { p50: rows[0]!.p50, p99: rows[0]!.p99, max: rows[0]!.max },
      workflowsInTemporal: workflows,
    };
  } finally {
    await stack.stop();
  }
}

/** The floor: bare `signalWithStart` calls at the same rate on a fresh stack that runs no component. */
async function bareLoadRun(ctx: ScenarioContext, amount: number, rate: number) {
  const stack = await BenchStack.start({ components: [] });
  try {
    ctx.log(`${amount} bare signalWithStart calls at ${rate}/s`);
    return await runBareSignalWithStart(stack, { amount, rate, connections: CONNECTIONS });
  } finally {
    await stack.stop();
  }
}

export const webhookScenario: Scenario = {
  number: 4,
  ids: ['webhook', 'webhooks'],
  title: 'Webhook ingest: 2,000 Radarr Download webhooks at 100/s',
  async run(ctx) {
    const amount = ctx.quick ? 200 : 2000;
    const rate = 100;
    const full = await loadRun(ctx, ['worker', 'api', 'watcher'], amount, rate);
    ctx.log(
      `whole stack: p50 ${full.latencyMs.p50} ms, p99 ${full.latencyMs.p99} ms; recorded → forwarded p99 ${round(full.forwardedMs.p99, 1)} ms`,
    );
    const alone = await loadRun(ctx, ['api'], amount, rate);
    ctx.log(`API alone: p50 ${alone.latencyMs.p50} ms, p99 ${alone.latencyMs.p99} ms`);
    const bare = await bareLoadRun(ctx, amount, rate);
    ctx.log(
      `bare signalWithStart: p50 ${round(bare.latencyMs.p50, 1)} ms, p99 ${round(bare.latencyMs.p99, 1)} ms`,
    );
    const s = '4 webhook';
    const errors = (r: typeof full) => r.errors;
    return {
      rows: [
        info(s, `${amount} webhooks at ${rate}/s, whole stack: p50`, full.latencyMs.p50, 'ms', 1),
        info(s, 'whole stack: p99', full.latencyMs.p99, 'ms', 1),
        headline(
          checked(
            s,
            `webhook p99 at ${rate}/s ÷ bare signalWithStart p99`,
            full.latencyMs.p99 / bare.latencyMs.p99,
            '',
            {
              atMost: 1.5,
            },
          ),
        ),
        info(s, 'whole stack: recorded → workflow started, p50', full.forwardedMs.p50, 'ms', 1),
        info(s, 'whole stack: recorded → workflow started, p99', full.forwardedMs.p99, 'ms', 1),
        checked(s, 'whole stack: errors', errors(full), '', { exactly: 0 }, 0),
        checked(s, 'whole stack: workflows started', full.workflowsInTemporal, '', { exactly: amount }, 0),
        info(s, 'API alone (no worker busy): p50', alone.latencyMs.p50, 'ms', 1),
        info(s, 'API alone: p99', alone.latencyMs.p99, 'ms', 1),
        info(s, 'API alone: p99 ÷ bare signalWithStart p99', alone.latencyMs.p99 / bare.latencyMs.p99, ''),
        info(s, 'API alone: recorded → workflow started, p99', alone.forwardedMs.p99, 'ms', 1),
        checked(s, 'API alone: errors', errors(alone), '', { exactly: 0 }, 0),
        checked(s, 'API alone: workflows started', alone.workflowsInTemporal, '', { exactly: amount }, 0),
        info(s, `bare signalWithStart at ${rate}/s: p50`, bare.latencyMs.p50, 'ms', 1),
        info(s, 'bare signalWithStart: p99', bare.latencyMs.p99, 'ms', 1),
        checked(s, 'bare signalWithStart: errors', bare.errors, '', { exactly: 0 }, 0),
      ],
      figures: { amount, ratePerSecond: rate, wholeStack: full, apiAlone: alone, bareSignalWithStart: bare },
    };
  },
};
