/**
 * A fake Emby server speaking the part of its API vaultarr uses
 * (docs/contracts/ARR.md, "Media servers and autoscan"): `X-Emby-Token` header or `api_key`
 * query; a wrong or missing one → 401 with an empty body.
 */
import { empty, header, HttpFake, json, type FakeRequest, type FakeResponse } from './http-fake.js';
import { isMediaUpdatedBody, type MediaUpdate } from './jellyfin.js';
import { sessionInfos, type FakeStream } from './sessions.js';

/** Options of {@link FakeEmby}. */
export interface FakeEmbyOptions {
  apiKey: string;
  port?: number;
}

/**
 * Fake Emby: `POST /emby/Library/Media/Updated` with `{ Updates: [{ Path, UpdateType }] }` → 204
 * (a missing JSON content type → 415, a bad body → 400); `GET /emby/Sessions` → a `SessionInfo`
 * list for {@link FakeEmby.streams}.
 */
export class FakeEmby extends HttpFake {
  /** The streams `GET /emby/Sessions` reports; tests start and end them. */
  streams: FakeStream[] = [];
  private readonly apiKey: string;

  constructor(options: FakeEmbyOptions) {
    super({ port: options.port });
    this.apiKey = options.apiKey;
  }

  /** Every `Updates` entry accepted (204), in order. */
  get updates(): MediaUpdate[] {
    return this.requests
      .filter((r) => r.status === 204)
      .flatMap((r) => (r.body as { Updates: MediaUpdate[] }).Updates);
  }

  protected override handle(req: FakeRequest): FakeResponse {
    const sessions = req.method === 'GET' && req.path === '/emby/Sessions';
    const updated = req.method === 'POST' && req.path === '/emby/Library/Media/Updated';
    if (!sessions && !updated) return empty(404);
    const token = header(req.headers, 'x-emby-token') ?? req.query.api_key?.[0];
    if (token !== this.apiKey) return empty(401);
    if (sessions) return json(sessionInfos(this.streams));
    if (!/^application\/json\b/i.test(header(req.headers, 'content-type') ?? '')) return empty(415);
    return isMediaUpdatedBody(req.body) ? empty(204) : { status: 400, text: 'invalid Updates body' };
  }
}
