/**
 * The HTTP API (express): health, *arr webhooks, items and interventions.
 */
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger.js';
import { ZodError } from 'zod';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import type { Config } from '../lib/config.js';
import { anchorProblem, unionView } from '../lib/infra/union.js';
import { ItemError, ItemService } from '../lib/items/index.js';
import type { ApiMetrics } from '../lib/metrics.js';
import { redactText } from '../lib/secrets.js';
import { isUtf8 } from 'node:buffer';
import { WEBHOOK_APPS, type TokenScope } from '../lib/tokens.js';
import { requireScope, tokenAuth } from './auth.js';
import { itemsRouter } from './items.js';
import { peerImportPolicy, peersRouter } from './peers.js';
import { WebhookForwarder } from './webhooks/forwarder.js';
import { webhookRouter } from './webhooks/routes.js';

/**
 * The API's settings from config (`library`, `webhooks`, `hostId`, `api`, `union`, `peers`, `scan`):
 * - `localRoot`, `pathRewrites`, `hostId`: the library the *arr apps import into, how their paths
 *   map to it, and the host whose worker copies what they import;
 * - `maxBodyBytes`; `authFailureLimit` failed authentications within `authFailureWindowMs`;
 *   `trustProxy` (Express `trust proxy`);
 * - `dedupeWindowMs`: a webhook body delivered again within it is a duplicate;
 * - `taskQueue`: the workflow task queue, `vaultarr` (not a config key: tests use their own);
 * - `unionVaultMount`: the union view's vault mount when enabled: `/readyz` checks its anchor;
 * - `peerImport`: how items announced by peers are applied here (see `peerImportPolicy`).
 */
export function apiSettings(config: Config) {
  return {
    localRoot: config.library.localRoot,
    pathRewrites: config.webhooks.pathRewrites,
    hostId: config.hostId,
    maxBodyBytes: config.api.maxBodyBytes,
    authFailureLimit: config.api.authFailureLimit,
    authFailureWindowMs: Math.round(config.api.authFailureWindowMinutes * 60_000),
    trustProxy: config.api.trustProxy,
    dedupeWindowMs: Math.round(config.webhooks.dedupeWindowMinutes * 60_000),
    taskQueue: SHARED_TASK_QUEUE,
    unionVaultMount: unionView(config).vaultMount,
    peerImport: peerImportPolicy(config),
  };
}

/** What {@link apiSettings} returns. */
export type ApiSettings = ReturnType<typeof apiSettings>;

/** Dependencies of the API. */
export interface ApiDeps {
  client: Client;
  pool: pg.Pool;
  settings: ApiSettings;
  /** Prometheus metrics: `GET /metrics` and webhook observations (default none: no `/metrics`). */
  metrics?: ApiMetrics;
  /**
   * Logs one line per request (`pino-http`: method, path, status, time in ms) through the process
   * logger and its redaction rule; `/metrics` and `/healthz` polls are not logged. Default none.
   */
  logger?: Logger;
  /**
   * Forwards the recorded webhook deliveries to Temporal. The API process passes one it
   * `start()`ed (it also retries what a crash or an outage left); default one that forwards what
   * this app records, when it records it.
   */
  forwarder?: WebhookForwarder;
}

/**
 * Builds the express app.
 *
 * Routes (all JSON):
 * - `GET /healthz` → 200 `{ status: "ok" }` while the process runs (no auth).
 * - `GET /metrics` → Prometheus text format (no auth), when `deps.metrics` is given.
 * - `GET /readyz` → 200 `{ status: "ready", checks }` when Temporal and Postgres answer (and, with
 *   the union view, its vault mount shows the anchor file), else 503 with each failing check's
 *   message (no auth).
 * - `POST|PUT /api/v1/webhooks/{radarr|sonarr|lidarr|readarr}` → see `webhooks/routes.ts` (token auth).
 * - `/api/v1/items...` → see `items.ts` (token auth).
 * - `POST /api/v1/peers/notify` → see `peers.ts` (token auth; the token's name is the sender).
 * - anything else → 404 `{ error: "not-found" }`.
 * Errors: zod → 400 `{ error: "invalid-request", problems: ["path: message", ...] }`; bodies over
 * `maxBodyBytes` → 413; malformed JSON → 400; anything unexpected → 500 `{ error: "internal" }`,
 * never a stack.
 */
export function createApp(deps: ApiDeps): express.Express {
  const { settings } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', settings.trustProxy);
  if (deps.logger) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        autoLogging: { ignore: (req) => req.url === '/metrics' || req.url === '/healthz' },
        customLogLevel: (_req, res, err) =>
          err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        // Routers rewrite `req.url` to their own part of the path; the line names the whole one.
        customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
        customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
        // No headers: they carry API keys and basic auth. What is left still passes the redaction rule.
        serializers: {
          req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url,
            remoteAddress: req.remoteAddress,
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
      }),
    );
  }
  // Every string in a JSON answer goes through the one redaction rule: an item's reason may quote
  // an rclone or media-server error naming a credential.
  app.set('json replacer', (_key: string, value: unknown) =>
    typeof value === 'string' ? redactText(value) : value,
  );
  // Bodies are read after the token check (an unauthenticated caller learns nothing about what a
  // route accepts) and must be UTF-8: anything else is refused, never stored with U+FFFD in it.
  const json = express.json({
    limit: settings.maxBodyBytes,
    strict: false,
    type: () => true,
    verify: (_req, _res, buf) => {
      if (!isUtf8(buf))
        throw Object.assign(new Error('the body is not valid UTF-8'), {
          status: 400,
          type: 'encoding.invalid',
        });
    },
  });
  const items = new ItemService({ client: deps.client, pool: deps.pool });
  const auth = tokenAuth(deps.pool, {
    failureLimit: settings.authFailureLimit,
    windowMs: settings.authFailureWindowMs,
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      deps.pool
        .query('SELECT 1')
        .then(() => (checks.postgres = 'ok'))
        .catch((err: Error) => (checks.postgres = err.message)),
      deps.client.connection.workflowService
        .getSystemInfo({})
        .then(() => (checks.temporal = 'ok'))
        .catch((err: Error) => (checks.temporal = err.message)),
      settings.unionVaultMount
        ? anchorProblem(settings.unionVaultMount).then((problem) => (checks.union = problem ?? 'ok'))
        : Promise.resolve(),
    ]);
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  const metrics = deps.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  app.use(
    '/api/v1/webhooks',
    // Observed when the answer is sent, whatever answered it (auth, validation, the route).
    (req, res, next) => {
      if (!metrics) return next();
      const started = performance.now();
      const app = req.path.split('/')[1] ?? '';
      res.once('finish', () => {
        const body = req.body as { eventType?: unknown } | undefined;
        const event = typeof body?.eventType === 'string' ? body.eventType : 'unknown';
        metrics.observeWebhook(app, event, res.statusCode, (performance.now() - started) / 1000);
      });
      next();
    },
    ...auth,
    requireScope((req) => {
      const app = req.path.split('/')[1] ?? '';
      return (WEBHOOK_APPS as readonly string[]).includes(app) ? (`webhook:${app}` as TokenScope) : undefined;
    }),
    json,
    webhookRouter({
      pool: deps.pool,
      forwarder:
        deps.forwarder ??
        new WebhookForwarder({ client: deps.client, pool: deps.pool, items, log: deps.logger }),
      settings,
    }),
  );
  app.use(
    '/api/v1/items',
    ...auth,
    requireScope(() => 'items'),
    json,
    itemsRouter(items),
  );
  app.use(
    '/api/v1/peers',
    ...auth,
    requireScope(() => 'peer'),
    json,
    peersRouter({ client: deps.client, pool: deps.pool, settings }),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not-found' });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ZodError) {
      res.status(400).json({
        error: 'invalid-request',
        problems: err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      });
      return;
    }
    if (err instanceof ItemError) {
      res.status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    const e = err as { status?: number; type?: string };
    if (e.status && e.status >= 400 && e.status < 500) {
      const message =
        e.type === 'entity.too.large'
          ? `body larger than ${settings.maxBodyBytes} bytes`
          : e.type === 'encoding.invalid'
            ? 'the body is not valid UTF-8'
            : 'malformed request body';
      res
        .status(e.status)
        .json({ error: e.type === 'entity.too.large' ? 'payload-too-large' : 'bad-request', message });
      return;
    }
    if (e.status === 503 || isUnavailable(err)) {
      res
        .status(503)
        .json({ error: 'unavailable', message: 'Temporal or Postgres is not reachable; try again' });
      return;
    }
    res.status(500).json({ error: 'internal' });
  });
  return app;
}

/** The path a request asked for (with its query), as the client sent it. */
function pathOf(req: { url?: string; originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}

function isUnavailable(err: unknown): boolean {
  const text = err instanceof Error ? `${err.name} ${err.message}` : '';
  return /ECONNREFUSED|UNAVAILABLE|ServiceError|Connection/i.test(text);
}
