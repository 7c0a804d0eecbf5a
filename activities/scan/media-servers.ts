/**
 * Media server clients for the scan stage: one class per server type behind {@link MediaServer},
 * each speaking the requests of docs/contracts/ARR.md ("Media servers and autoscan") with
 * Node's global `fetch`, and mapping HTTP outcomes to failures Temporal retries or not.
 */
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { FailureType } from '../../domain/failures.js';
import type { MediaServerConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';

/** How a folder changed, in Jellyfin/Emby's `UpdateType` words. */
export type UpdateType = 'Created' | 'Modified' | 'Deleted';

/** Every {@link UpdateType}, for validating input. */
export const UPDATE_TYPES: readonly UpdateType[] = ['Created', 'Modified', 'Deleted'];

/** A folder to scan, as the media server sees it. */
export interface FolderChange {
  /** Absolute folder path on the media server, e.g. `/media/Movies/The Matrix (1999)`. */
  path: string;
  updateType: UpdateType;
}

/** A media server (or autoscan) that can be asked to scan changed folders. */
export interface MediaServer {
  /** `mediaServers[].name`, used in messages as `[plex "home"]`. */
  readonly name: string;
  readonly type: MediaServerConfig['type'];
  /**
   * Asks the server to scan the folders; resolves once it accepted the request (the scan itself
   * runs on the server afterwards).
   *
   * @param changes - distinct folders with their update type; an empty list sends nothing
   * @throws ApplicationFailure `MEDIA_SERVER_AUTH_FAILED` (401/403), `MEDIA_SERVER_REJECTED` (other
   *   4xx, redirects, unreadable answers), `NO_LIBRARY_SECTION` (Plex only): none retried.
   *   A plain `Error` (retried) when the server is unreachable, times out, or answers 5xx/408/429.
   */
  scan(changes: FolderChange[]): Promise<void>;
  /**
   * Counts the remote streams playing now (playing or buffering, not paused; a player outside the
   * server's LAN), for stream-aware upload throttling. Plex, Jellyfin and Emby have it; autoscan
   * has no sessions.
   *
   * @returns the number of remote streams
   * @throws as {@link MediaServer.scan} (the poller counts a failing server as 0 and says so)
   */
  remoteStreams?(): Promise<number>;
}

/** Tuning of the media server clients. */
export interface MediaServerOptions {
  /** Per request, including reading the answer; default {@link DEFAULT_FETCH_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** How long Plex's section list is reused before it is fetched again; default 60 000 ms. */
  sectionCacheMs?: number;
}

/** Default per-request timeout of the media server clients, in ms. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
const DEFAULT_SECTION_CACHE_MS = 60_000;
const SNIPPET_CHARS = 200;

/** The answer of a request that passed the status checks. */
interface HttpAnswer {
  status: number;
  text: string;
}

interface SendOptions {
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: string;
  /** Non-2xx statuses the caller handles itself instead of the common mapping. */
  passStatuses?: number[];
}

/** Shared HTTP plumbing: URL building, timeouts and the mapping of outcomes to failures. */
abstract class HttpMediaServer implements MediaServer {
  abstract readonly type: MediaServerConfig['type'];
  readonly name: string;
  /** The configured URL with any `user:password@` removed (they never reach a message). */
  protected readonly baseUrl: URL;
  protected readonly timeoutMs: number;
  private readonly secrets: string[];

  constructor(
    protected readonly config: MediaServerConfig,
    options: MediaServerOptions = {},
  ) {
    this.name = config.name;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.baseUrl = new URL(config.url);
    this.secrets = [config.token, config.password, decodeURIComponent(this.baseUrl.password)].filter(
      (s): s is string => Boolean(s),
    );
    this.baseUrl.username = '';
    this.baseUrl.password = '';
  }

  abstract scan(changes: FolderChange[]): Promise<void>;

  /** `[plex "home"]`, the prefix of every message. */
  protected get label(): string {
    return `[${this.type} "${this.name}"]`;
  }

  /** What a 401/403 refused, for the message. */
  protected abstract get credentialName(): string;

  /**
   * Sends one request below the base URL (a base path such as `/jellyfin` is kept) and reads the
   * whole answer within the timeout. Query values are encoded with `encodeURIComponent`.
   *
   * @returns the answer when the status is 2xx or in `passStatuses`
   * @throws see {@link MediaServer.scan}
   */
  protected async send(method: string, endpoint: string, options: SendOptions = {}): Promise<HttpAnswer> {
    const url = new URL(this.baseUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${endpoint}`;
    url.search = (options.query ?? [])
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const what = `${method} ${url.pathname}`;
    let answer: HttpAnswer;
    let location: string | null = null;
    try {
      const res = await fetch(url, {
        method,
        headers: options.headers,
        body: options.body,
        // A redirect would carry the token headers along; report it instead of following it.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      location = res.headers.get('location');
      answer = { status: res.status, text: await res.text() };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        throw new Error(`${this.label} ${what} timed out after ${this.timeoutMs} ms`);
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new Error(`${this.label} cannot reach ${this.baseUrl.origin}: ${this.redact(reason)}`);
    }
    const { status } = answer;
    if ((status >= 200 && status < 300) || options.passStatuses?.includes(status)) return answer;
    const got = `${what} answered ${status}`;
    if (status === 401 || status === 403)
      throw permanentFailure(
        FailureType.MEDIA_SERVER_AUTH_FAILED,
        `${this.label} ${got}: the ${this.credentialName} was refused`,
        { server: this.name, status },
      );
    if (status >= 500 || status === 408 || status === 429)
      throw new Error(`${this.label} ${got}${this.snippet(answer.text)}`);
    if (status >= 300 && status < 400) {
      let hint = '';
      try {
        const to = location ? new URL(location, url) : undefined;
        if (to) hint = ` to ${to.origin}${to.pathname}; point mediaServers[].url at the final address`;
      } catch {
        // An unparseable Location: the status alone still says what happened.
      }
      throw permanentFailure(FailureType.MEDIA_SERVER_REJECTED, `${this.label} ${got} (redirect${hint})`, {
        server: this.name,
        status,
      });
    }
    throw permanentFailure(
      FailureType.MEDIA_SERVER_REJECTED,
      `${this.label} ${got}${this.snippet(answer.text)} (check mediaServers[].url)`,
      { server: this.name, status },
    );
  }

  /** A `GET /Sessions` answer (Jellyfin, Emby), parsed. */
  protected sessions(text: string): z.infer<typeof sessionInfoSchema> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.unreadable('GET /Sessions did not answer JSON');
    }
    const parsed = sessionInfoSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable('GET /Sessions did not answer a list of sessions');
    return parsed.data;
  }

  /** A permanent failure for an answer that is not what the contract describes. */
  protected unreadable(what: string): Error {
    return permanentFailure(FailureType.MEDIA_SERVER_REJECTED, `${this.label} ${what}`, {
      server: this.name,
    });
  }

  private snippet(text: string): string {
    const short = this.redact(text.replace(/\s+/g, ' ').trim()).slice(0, SNIPPET_CHARS);
    return short ? `: ${short}` : '';
  }

  private redact(text: string): string {
    return this.secrets.reduce((t, s) => t.split(s).join('***'), text);
  }
}

const plexSectionsSchema = z.object({
  MediaContainer: z.object({
    Directory: z
      .array(
        z.object({
          key: z.union([z.string(), z.number()]).transform(String),
          title: z.string(),
          type: z.string(),
          Location: z.array(z.object({ path: z.string() })).default([]),
        }),
      )
      .default([]),
  }),
});

/** The part of Plex's `GET /status/sessions` the throttle reads (one `Metadata` entry per session). */
const plexSessionsSchema = z.object({
  MediaContainer: z.object({
    Metadata: z
      .array(
        z.object({
          Player: z
            .object({
              state: z.string().optional(),
              local: z.union([z.boolean(), z.number(), z.string()]).optional(),
            })
            .optional(),
          Session: z.object({ location: z.string().optional() }).optional(),
        }),
      )
      .default([]),
  }),
});

/** Jellyfin's and Emby's `GET /Sessions`: the fields of `SessionInfo` the throttle reads. */
const sessionInfoSchema = z.array(
  z.object({
    NowPlayingItem: z.unknown().optional(),
    PlayState: z.object({ IsPaused: z.boolean().nullish() }).nullish(),
    RemoteEndPoint: z.string().nullish(),
  }),
);

/**
 * True for an address on this side of the router: loopback, RFC 1918, link-local, IPv6 ULA and
 * link-local, and IPv4-mapped forms of them. Unparseable addresses count as remote.
 */
export function isLanAddress(address: string): boolean {
  let a = address.trim().replace(/^\[(.*)\](:\d+)?$/, '$1');
  if (/^[\d.]+:\d+$/.test(a)) a = a.replace(/:\d+$/, '');
  a = a.replace(/^::ffff:/i, '');
  if (isIPv4(a)) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return (
      x === 10 ||
      x === 127 ||
      (x === 172 && y >= 16 && y <= 31) ||
      (x === 192 && y === 168) ||
      (x === 169 && y === 254)
    );
  }
  if (isIPv6(a)) {
    const lower = a.toLowerCase();
    return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  return false;
}

/** Remote streams in a `GET /Sessions` answer: something playing, not paused, from outside the LAN. */
function countRemoteSessions(sessions: z.infer<typeof sessionInfoSchema>): number {
  return sessions.filter(
    (s) => s.NowPlayingItem && !s.PlayState?.IsPaused && !isLanAddress(s.RemoteEndPoint ?? ''),
  ).length;
}

/** A Plex library section as `GET /library/sections` lists it (ARR.md). */
export interface PlexSection {
  key: string;
  title: string;
  /** `movie`, `show`, `artist`, ... */
  type: string;
  /** Absolute folder paths on the Plex host. */
  locations: string[];
}

const trimTrailingSlashes = (p: string): string => p.replace(/\/+$/, '') || '/';

/** True when `prefix` is `folder` or one of its parents, on whole path segments. */
function isWithin(folder: string, prefix: string): boolean {
  const p = trimTrailingSlashes(prefix);
  return p === '/' || folder === p || folder.startsWith(`${p}/`);
}

/**
 * The sections whose longest matching `Location` is the longest of all: usually one; several only
 * when two sections share the folder, and then each of them should scan it.
 */
function sectionsForFolder(sections: PlexSection[], folder: string): PlexSection[] {
  let best = -1;
  let found: PlexSection[] = [];
  for (const section of sections) {
    const lengths = section.locations
      .filter((l) => isWithin(folder, l))
      .map((l) => trimTrailingSlashes(l).length);
    if (lengths.length === 0) continue;
    const length = Math.max(...lengths);
    if (length > best) [best, found] = [length, [section]];
    else if (length === best) found.push(section);
  }
  return found;
}

/**
 * Plex: partial scans with `GET /library/sections/{key}/refresh?path=<folder>`, once per distinct
 * (section, folder). The section is the one whose `Location` is the longest whole-segment prefix
 * of the folder; the section list is cached for `sectionCacheMs` and fetched again once when no
 * section matches (a library added since).
 */
export class PlexServer extends HttpMediaServer {
  readonly type = 'plex' as const;
  private readonly sectionCacheMs: number;
  private cache?: { fetchedAtMs: number; sections: Promise<PlexSection[]> };

  constructor(config: MediaServerConfig, options: MediaServerOptions = {}) {
    super(config, options);
    this.sectionCacheMs = options.sectionCacheMs ?? DEFAULT_SECTION_CACHE_MS;
  }

  protected get credentialName(): string {
    return 'X-Plex-Token';
  }

  private get headers(): Record<string, string> {
    return { 'X-Plex-Token': this.config.token ?? '', Accept: 'application/json' };
  }

  /**
   * The library sections: the cached list when it was fetched at or after `notBeforeMs`, else a
   * new one. Concurrent scans share one fetch; a failed fetch is not kept.
   */
  private sections(notBeforeMs: number): Promise<PlexSection[]> {
    if (this.cache && this.cache.fetchedAtMs >= notBeforeMs) return this.cache.sections;
    const entry = { fetchedAtMs: Date.now(), sections: this.fetchSections() };
    this.cache = entry;
    entry.sections.catch(() => {
      if (this.cache === entry) this.cache = undefined;
    });
    return entry.sections;
  }

  private async fetchSections(): Promise<PlexSection[]> {
    const answer = await this.send('GET', '/library/sections', { headers: this.headers });
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw this.unreadable(
        'GET /library/sections did not answer JSON; is mediaServers[].url a Plex server?',
      );
    }
    const parsed = plexSectionsSchema.safeParse(json);
    if (!parsed.success)
      throw this.unreadable('GET /library/sections did not answer a MediaContainer with Directory[]');
    return parsed.data.MediaContainer.Directory.map((d) => ({
      key: d.key,
      title: d.title,
      type: d.type,
      locations: d.Location.map((l) => l.path),
    }));
  }

  /**
   * Remote streams from `GET /status/sessions`: each `MediaContainer.Metadata[]` whose
   * `Player.state` is `playing` or `buffering` and whose `Session.location` is `wan` (or, from
   * servers that do not send it, whose `Player.local` is false).
   */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/status/sessions', { headers: this.headers });
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw this.unreadable('GET /status/sessions did not answer JSON; is mediaServers[].url a Plex server?');
    }
    const parsed = plexSessionsSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable('GET /status/sessions did not answer a MediaContainer');
    return parsed.data.MediaContainer.Metadata.filter((m) => {
      const state = m.Player?.state;
      if (state !== 'playing' && state !== 'buffering') return false;
      if (m.Session?.location) return m.Session.location === 'wan';
      const local = m.Player?.local;
      return local === false || local === 0 || local === '0';
    }).length;
  }

  /**
   * Refreshes each distinct (section, folder) once, one request after the other.
   *
   * @throws ApplicationFailure `NO_LIBRARY_SECTION` (not retried) when no section contains a folder
   *   even after fetching the list again; otherwise see {@link MediaServer.scan}
   */
  async scan(changes: FolderChange[]): Promise<void> {
    const startedAtMs = Date.now();
    const refreshes = new Map<string, { key: string; folder: string }>();
    for (const change of changes) {
      const folder = trimTrailingSlashes(change.path);
      let list = await this.sections(startedAtMs - this.sectionCacheMs);
      let matched = sectionsForFolder(list, folder);
      if (matched.length === 0) {
        // A section added since the list was cached: look once more, unless this scan fetched it.
        list = await this.sections(startedAtMs);
        matched = sectionsForFolder(list, folder);
      }
      if (matched.length === 0) {
        const known = list.map((s) => `${s.title} (${s.locations.join(', ') || 'no folders'})`).join('; ');
        throw permanentFailure(
          FailureType.NO_LIBRARY_SECTION,
          `${this.label} no library section contains ${folder}; sections: ${known || 'none'}`,
          { server: this.name, folder },
        );
      }
      for (const section of matched) refreshes.set(`${section.key}\0${folder}`, { key: section.key, folder });
    }
    for (const { key, folder } of refreshes.values()) {
      const answer = await this.send('GET', `/library/sections/${encodeURIComponent(key)}/refresh`, {
        query: [['path', folder]],
        headers: this.headers,
        passStatuses: [404],
      });
      if (answer.status === 404) {
        this.cache = undefined;
        throw new Error(
          `${this.label} library section ${key} is gone (404); the next attempt looks it up again`,
        );
      }
    }
  }
}

/** The `Updates` body shared by Jellyfin and Emby (ARR.md). */
function mediaUpdatedBody(changes: FolderChange[]): string {
  return JSON.stringify({ Updates: changes.map((c) => ({ Path: c.path, UpdateType: c.updateType })) });
}

/** Jellyfin: every change in one `POST /Library/Media/Updated`, `Authorization: MediaBrowser Token="..."`. */
export class JellyfinServer extends HttpMediaServer {
  readonly type = 'jellyfin' as const;

  protected get credentialName(): string {
    return 'API key';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.send('POST', '/Library/Media/Updated', {
      headers: {
        Authorization: `MediaBrowser Token="${this.config.token ?? ''}"`,
        'Content-Type': 'application/json',
      },
      body: mediaUpdatedBody(changes),
    });
  }

  /** Remote streams from `GET /Sessions`: a `NowPlayingItem`, not paused, `RemoteEndPoint` outside the LAN. */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/Sessions', {
      headers: { Authorization: `MediaBrowser Token="${this.config.token ?? ''}"` },
    });
    return countRemoteSessions(this.sessions(answer.text));
  }
}

/** Emby: every change in one `POST /emby/Library/Media/Updated`, `X-Emby-Token` header. */
export class EmbyServer extends HttpMediaServer {
  readonly type = 'emby' as const;

  protected get credentialName(): string {
    return 'API key';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.send('POST', '/emby/Library/Media/Updated', {
      headers: { 'X-Emby-Token': this.config.token ?? '', 'Content-Type': 'application/json' },
      body: mediaUpdatedBody(changes),
    });
  }

  /** Remote streams from `GET /emby/Sessions`, counted as Jellyfin's. */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/emby/Sessions', {
      headers: { 'X-Emby-Token': this.config.token ?? '' },
    });
    return countRemoteSessions(this.sessions(answer.text));
  }
}

/**
 * autoscan: every distinct folder in one `POST /triggers/manual?dir=/a&dir=/b`, with basic auth
 * when `username` is set (or the URL carries `user:password@`). autoscan has no update types: it
 * passes each folder on to its own targets.
 */
export class AutoscanServer extends HttpMediaServer {
  readonly type = 'autoscan' as const;
  private readonly authorization?: string;

  constructor(config: MediaServerConfig, options: MediaServerOptions = {}) {
    super(config, options);
    const url = new URL(config.url);
    const username = config.username ?? decodeURIComponent(url.username);
    const password = config.password ?? decodeURIComponent(url.password);
    if (username)
      this.authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  protected get credentialName(): string {
    return this.authorization ? 'username/password' : 'request without credentials';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    const dirs = [...new Set(changes.map((c) => trimTrailingSlashes(c.path)))];
    if (dirs.length === 0) return;
    await this.send('POST', '/triggers/manual', {
      query: dirs.map((d): [string, string] => ['dir', d]),
      headers: this.authorization ? { Authorization: this.authorization } : {},
    });
  }
}

/**
 * Creates the client of one configured media server.
 *
 * @param config - one entry of `mediaServers` (lib/config.ts)
 * @param options - request timeout and Plex section cache lifetime, both in ms
 */
export function createMediaServer(config: MediaServerConfig, options: MediaServerOptions = {}): MediaServer {
  switch (config.type) {
    case 'plex':
      return new PlexServer(config, options);
    case 'jellyfin':
      return new JellyfinServer(config, options);
    case 'emby':
      return new EmbyServer(config, options);
    case 'autoscan':
      return new AutoscanServer(config, options);
  }
}

/**
 * Maps a library-relative folder to the absolute path at which a media server sees it: the
 * longest `pathRewrites[].from` matching on whole segments is replaced by its `to`; without one,
 * the folder is placed under `libraryRoot` (or `defaultLibraryRoot`).
 *
 * @param config - the server's `libraryRoot` and `pathRewrites`
 * @param libraryRelativeFolder - e.g. `Movies/The Matrix (1999)`; `''` is the library root
 * @param defaultLibraryRoot - absolute, used when the server has no `libraryRoot` (the union view)
 * @returns e.g. `/media/Movies/The Matrix (1999)` (no trailing slash)
 * @throws ApplicationFailure `INVALID_INPUT` (not retried) for an absolute folder or one with `..`
 */
export function serverPath(
  config: Pick<MediaServerConfig, 'libraryRoot' | 'pathRewrites'>,
  libraryRelativeFolder: string,
  defaultLibraryRoot: string,
): string {
  const folder = libraryRelativeFolder;
  if (folder.startsWith('/') || folder.includes('\0') || folder.split('/').includes('..'))
    throw permanentFailure(
      FailureType.INVALID_INPUT,
      `"${folder}" is not a library-relative folder (absolute or with "..")`,
    );
  const normalized = path.posix.normalize(folder).replace(/\/+$/, '').replace(/^\.$/, '');
  const under = (root: string, rest: string): string =>
    rest ? path.posix.join(root, rest) : trimTrailingSlashes(path.posix.normalize(root));
  const rewrite = config.pathRewrites
    .map((r) => ({ from: r.from.replace(/^\/+|\/+$/g, ''), to: r.to }))
    .filter((r) => r.from === '' || normalized === r.from || normalized.startsWith(`${r.from}/`))
    .sort((a, b) => b.from.length - a.from.length)[0];
  if (rewrite) return under(rewrite.to, normalized.slice(rewrite.from.length).replace(/^\/+/, ''));
  return under(config.libraryRoot ?? defaultLibraryRoot, normalized);
}
