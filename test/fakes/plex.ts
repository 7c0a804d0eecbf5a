/**
 * A fake Plex Media Server speaking the part of its API vaultarr uses
 * (docs/contracts/ARR.md, "Media servers and autoscan"): the library section list and
 * partial scans. Token in the `X-Plex-Token` header or query; a wrong or missing one → 401 with an
 * empty body.
 */
import {
  empty,
  header,
  HttpFake,
  json,
  matchPath,
  type FakeRequest,
  type FakeResponse,
} from './http-fake.js';
import { plexSessions, type FakeStream } from './sessions.js';

/** A library section of the fake. */
export interface FakePlexSection {
  key: string;
  title: string;
  /** `movie`, `show` or `artist`. */
  type: 'movie' | 'show' | 'artist';
  /** Absolute folder paths, as Plex lists them in `Location[].path`. */
  locations: string[];
}

/** Options of {@link FakePlex}. */
export interface FakePlexOptions {
  token: string;
  sections: FakePlexSection[];
  port?: number;
}

/**
 * Fake Plex: `GET /library/sections` → `{ MediaContainer: { size, Directory: [...] } }` (JSON);
 * `GET /library/sections/{key}/refresh?path=...` → 200 empty, 404 for an unknown section;
 * `GET /status/sessions` → `{ MediaContainer: { size, Metadata: [...] } }` for {@link FakePlex.streams}.
 */
export class FakePlex extends HttpFake {
  /** The sections listed; tests may change them while the fake runs. */
  sections: FakePlexSection[];
  /** The streams `GET /status/sessions` reports; tests start and end them. */
  streams: FakeStream[] = [];
  private readonly token: string;

  constructor(options: FakePlexOptions) {
    super({ port: options.port });
    this.token = options.token;
    this.sections = options.sections;
  }

  /** The partial scans received and answered 200, as `{ key, path }`. */
  get refreshes(): { key: string; path: string | undefined }[] {
    return this.requests
      .filter((r) => r.status === 200 && matchPath('/library/sections/:key/refresh', r.path))
      .map((r) => ({
        key: matchPath('/library/sections/:key/refresh', r.path)!.key!,
        path: r.query.path?.[0],
      }));
  }

  protected override handle(req: FakeRequest): FakeResponse {
    const list = req.method === 'GET' && req.path === '/library/sections';
    const refresh = req.method === 'GET' ? matchPath('/library/sections/:key/refresh', req.path) : undefined;
    const sessions = req.method === 'GET' && req.path === '/status/sessions';
    if (!list && !refresh && !sessions) return empty(404);
    const token = header(req.headers, 'x-plex-token') ?? req.query['X-Plex-Token']?.[0];
    if (token !== this.token) return empty(401);
    if (sessions) return json(plexSessions(this.streams));
    if (list) {
      return json({
        MediaContainer: {
          size: this.sections.length,
          allowSync: false,
          title1: 'Plex Library',
          Directory: this.sections.map((s, i) => ({
            allowSync: true,
            key: s.key,
            type: s.type,
            title: s.title,
            agent: 'tv.plex.agents.movie',
            scanner: 'Plex Movie',
            language: 'en-US',
            uuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
            Location: s.locations.map((path, j) => ({ id: i * 100 + j + 1, path })),
          })),
        },
      });
    }
    if (!this.sections.some((s) => s.key === refresh!.key)) return empty(404);
    return empty(200);
  }
}
