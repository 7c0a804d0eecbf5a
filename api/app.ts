/**
 * The HTTP API (express): health now; webhooks, items and peers hang off the same app.
 */
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { ZodError } from 'zod';

/** Dependencies of the API. */
export interface ApiDeps {
  client: Client;
  pool: pg.Pool;
}

/** An error with an HTTP status, raised by route handlers. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the express app.
 *
 * Routes:
 * - `GET /healthz` → 200 `{ status: "ok" }` while the process runs (liveness).
 * - `GET /readyz` → 200 `{ status: "ready", checks }` when Temporal and Postgres answer, else 503
 *   `{ status: "not-ready", checks }` with each failing check's message.
 * - anything else → 404 `{ error: "not-found" }`.
 * Errors: zod → 400 `{ error: "invalid-request", problems: ["path: message", ...] }`; `AppError` →
 * its status; anything else → 500 without a stack.
 */
export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

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
    ]);
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

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
    if (err instanceof AppError) {
      res.status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad-request', message: (err as Error).message });
      return;
    }
    res.status(500).json({ error: 'internal' });
  });
  return app;
}
