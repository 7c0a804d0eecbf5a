/**
 * What every media server client shares: the {@link MediaServer} interface the scan activities and
 * the stream throttle use, and {@link HttpMediaServer}, the one place that sends a request (Node's
 * global `fetch`) and maps its HTTP outcome to a failure Temporal retries or not. One file per
 * server beside this one (`plex.ts`, `jellyfin.ts`, `emby.ts`, `autoscan.ts`) speaks the requests
 * of docs/contracts/ARR.md ("Media servers and autoscan"); `index.ts` is the registry.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { FailureType } from '../../../domain/failures.js';
import type { MediaServerConfig } from '../../../lib/config.js';
import { permanentFailure } from '../../failures.js';

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
}

/** Default per-request timeout of the media server clients, in ms. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
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
export abstract class HttpMediaServer implements MediaServer {
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

/** A folder path without trailing slashes (`/` stays `/`). */
export const trimTrailingSlashes = (p: string): string => p.replace(/\/+$/, '') || '/';
