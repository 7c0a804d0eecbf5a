/**
 * A fake autoscan speaking its manual trigger (docs/contracts/ARR.md, "Media servers and
 * autoscan"): basic auth when a username is configured (wrong or missing → 401, empty body).
 */
import { basicAuth, empty, HttpFake, json, type FakeRequest, type FakeResponse } from './http-fake.js';

/** Options of {@link FakeAutoscan}. */
export interface FakeAutoscanOptions {
  /** Basic auth credentials; none → the trigger is open. */
  username?: string;
  password?: string;
  port?: number;
}

/**
 * Fake autoscan: `POST /triggers/manual?dir=/a&dir=/b` → 200 (no `dir` → 400); `GET /health` →
 * 200 without auth.
 */
export class FakeAutoscan extends HttpFake {
  constructor(private readonly auth: FakeAutoscanOptions = {}) {
    super({ port: auth.port });
  }

  /** The `dir` lists of the triggers accepted (200), one list per request. */
  get triggers(): string[][] {
    return this.requests
      .filter((r) => r.status === 200 && r.path === '/triggers/manual')
      .map((r) => r.query.dir ?? []);
  }

  protected override handle(req: FakeRequest): FakeResponse {
    if (req.method === 'GET' && req.path === '/health') return json({ status: 'OK' });
    if (req.method !== 'POST' || req.path !== '/triggers/manual') return empty(404);
    if (this.auth.username !== undefined) {
      const got = basicAuth(req.headers);
      if (got?.username !== this.auth.username || got.password !== (this.auth.password ?? ''))
        return empty(401);
    }
    const dirs = req.query.dir ?? [];
    if (dirs.length === 0 || dirs.some((d) => d === '')) return { status: 400, text: 'no directories given' };
    return empty(200);
  }
}
