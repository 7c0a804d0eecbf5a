/**
 * A fake Jellyfin server speaking the part of its API vaultarr uses
 * (docs/contracts/ARR.md, "Media servers and autoscan"). Auth only through
 * `Authorization: MediaBrowser Token="<key>"` (the legacy `X-Emby-Token` is refused, as with
 * Jellyfin 12's defaults); a wrong or missing one → 401 with an empty body.
 */
import type http from 'node:http';
import { empty, header, HttpFake, json, type FakeRequest, type FakeResponse } from './http-fake.js';
import { sessionInfos, type FakeStream } from './sessions.js';

/**
 * One entry of the body Jellyfin and Emby take on `Library/Media/Updated`:
 * `{ "Updates": [{ "Path": "/x", "UpdateType": "Created|Modified|Deleted" }] }`.
 */
export interface MediaUpdate {
  Path: string;
  UpdateType: 'Created' | 'Modified' | 'Deleted';
}

const UPDATE_TYPES = new Set(['Created', 'Modified', 'Deleted']);

/** True when `body` is exactly the contract's shape: a non-empty `Updates` of `{ Path, UpdateType }`. */
export function isMediaUpdatedBody(body: unknown): body is { Updates: MediaUpdate[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { Updates } = body as { Updates?: unknown };
  if (!Array.isArray(Updates) || Updates.length === 0) return false;
  return Updates.every((u: unknown) => {
    if (typeof u !== 'object' || u === null) return false;
    const { Path, UpdateType } = u as Record<string, unknown>;
    return (
      typeof Path === 'string' &&
      Path.startsWith('/') &&
      typeof UpdateType === 'string' &&
      UPDATE_TYPES.has(UpdateType)
    );
  });
}

/** A library of the fake (`GET /Library/VirtualFolders`). */
export interface FakeJellyfinLibrary {
  name: string;
  /** `movies`, `tvshows`, `music`, ... */
  collectionType: string;
  locations: string[];
}

/** Options of {@link FakeJellyfin}. */
export interface FakeJellyfinOptions {
  apiKey: string;
  libraries?: FakeJellyfinLibrary[];
  port?: number;
}

/** The `Token` of a `MediaBrowser` authorization header (`MediaBrowser Client="x", Token="y"`). */
export function mediaBrowserToken(headers: http.IncomingHttpHeaders): string | undefined {
  const value = header(headers, 'authorization');
  const m = value ? /^MediaBrowser\s+(.*)$/i.exec(value) : null;
  if (!m) return undefined;
  for (const part of m[1]!.split(',')) {
    const kv = /^\s*([A-Za-z]+)="([^"]*)"\s*$/.exec(part);
    if (kv && kv[1] === 'Token') return kv[2];
  }
  return undefined;
}

/**
 * Fake Jellyfin: `POST /Library/Media/Updated` with `{ Updates: [{ Path, UpdateType }] }` → 204
 * (a missing JSON content type → 415, a bad body → 400); `GET /Library/VirtualFolders` → the
 * libraries; `GET /Sessions` → a `SessionInfo` list for {@link FakeJellyfin.streams}.
 */
export class FakeJellyfin extends HttpFake {
  libraries: FakeJellyfinLibrary[];
  /** The streams `GET /Sessions` reports; tests start and end them. */
  streams: FakeStream[] = [];
  private readonly apiKey: string;

  constructor(options: FakeJellyfinOptions) {
    super({ port: options.port });
    this.apiKey = options.apiKey;
    this.libraries = options.libraries ?? [];
  }

  /** Every `Updates` entry accepted (204), in order. */
  get updates(): MediaUpdate[] {
    return this.requests
      .filter((r) => r.status === 204)
      .flatMap((r) => (r.body as { Updates: MediaUpdate[] }).Updates);
  }

  protected override handle(req: FakeRequest): FakeResponse {
    const updated = req.method === 'POST' && req.path === '/Library/Media/Updated';
    const folders = req.method === 'GET' && req.path === '/Library/VirtualFolders';
    const sessions = req.method === 'GET' && req.path === '/Sessions';
    if (!updated && !folders && !sessions) return empty(404);
    if (mediaBrowserToken(req.headers) !== this.apiKey) return empty(401);
    if (sessions) return json(sessionInfos(this.streams));
    if (folders) {
      return json(
        this.libraries.map((l, i) => ({
          Name: l.name,
          Locations: l.locations,
          CollectionType: l.collectionType,
          ItemId: `${i + 1}`.padStart(32, '0'),
          RefreshStatus: 'Idle',
        })),
      );
    }
    if (!/^application\/json\b/i.test(header(req.headers, 'content-type') ?? '')) return empty(415);
    return isMediaUpdatedBody(req.body) ? empty(204) : { status: 400, text: 'invalid Updates body' };
  }
}
