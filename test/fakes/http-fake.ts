/**
 * The base of the fake HTTP servers tests talk to (media servers, *arr apps): a Node `http` server
 * on 127.0.0.1 with one route handler, JSON body parsing, a log of every request and its answer,
 * and a switch to take it down (a real connection refusal) and bring it back on the same port.
 *
 * Subclass it and override {@link HttpFake.handle}, or pass `handler` for a one-off fake.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the handler sees it. */
export interface FakeRequest {
  method: string;
  /** Decoded path without the query, e.g. `/library/sections/1/refresh`. */
  path: string;
  /** Decoded query values per name, in order (`?dir=/a&dir=/b` → `{ dir: ['/a', '/b'] }`). */
  query: Record<string, string[]>;
  /** Node's lower-cased headers. */
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the content type is JSON, else the text (`undefined` when empty). */
  body: unknown;
  /** The request target exactly as sent, e.g. `/triggers/manual?dir=%2Fa`. */
  rawUrl: string;
}

/** What the handler answers. */
export interface FakeResponse {
  status: number;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is (`text/plain` unless `headers` say otherwise). */
  text?: string;
  headers?: Record<string, string>;
}

/** One entry of the request log. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawUrl: string;
  /** The status answered. */
  status: number;
}

/** A route handler. */
export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** How a fake that is down behaves. */
export type DownMode = 'refuse' | '503';

/** Options of {@link HttpFake}. */
export interface HttpFakeOptions {
  /** Port on 127.0.0.1; default a free one chosen by the kernel (kept across down/up). */
  port?: number;
  /** Used when the subclass does not override `handle`. */
  handler?: FakeHandler;
}

/** An empty answer with a status (401, 404, 204, ...). */
export const empty = (status: number): FakeResponse => ({ status });
/** A JSON answer. */
export const json = (value: unknown, status = 200): FakeResponse => ({ status, json: value });

/**
 * Matches a path against a pattern with `:name` segments.
 *
 * @returns the decoded parameters, or `undefined` when the path does not match
 * @example matchPath('/api/v3/movie/:id', '/api/v3/movie/12') → `{ id: '12' }`
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i]!;
    if (segment.startsWith(':')) {
      if (!actual) return undefined;
      params[segment.slice(1)] = actual;
    } else if (segment !== actual) return undefined;
  }
  return params;
}

/** True when the content type is JSON (`application/json; charset=utf-8`, `+json`). */
const isJson = (contentType: string | undefined): boolean =>
  !!contentType && /^application\/([\w.-]+\+)?json\b/i.test(contentType);

/** A fake HTTP server recording every request; see the module comment. */
export class HttpFake {
  /** Every request received, in order, with the status it was answered with. */
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  private port: number;
  private down: DownMode | undefined;
  private latencyMs = 0;

  constructor(private readonly options: HttpFakeOptions = {}) {
    this.port = options.port ?? 0;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`; valid after {@link start}. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (on a free port unless one was given). */
  async start(): Promise<{ url: string; port: number }> {
    await this.listen();
    return { url: this.url, port: this.port };
  }

  /** Stops listening and drops open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * Takes the fake down or brings it back up. `refuse` (default) closes the listener, so clients
   * get a real connection refusal; `503` keeps listening and answers every request 503 (logged).
   * Coming back up listens again on the same port.
   */
  async setDown(down: boolean, mode: DownMode = 'refuse'): Promise<void> {
    if (down) {
      this.down = mode;
      if (mode === 'refuse') await this.stop();
      else if (!this.server) await this.listen();
    } else {
      this.down = undefined;
      if (!this.server) await this.listen();
    }
  }

  /** Delays every answer by this many ms (for client timeouts). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Clears the request log. */
  reset(): void {
    this.requests.length = 0;
  }

  /** Answers one request; subclasses override it. Unknown routes → 404. */
  protected handle(req: FakeRequest): FakeResponse | Promise<FakeResponse> {
    return this.options.handler ? this.options.handler(req) : empty(404);
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      void this.serve(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://fake');
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    let path = url.pathname;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      // Keep the raw path; no route will match it.
    }
    let body: unknown = text === '' ? undefined : text;
    let badJson = false;
    if (text !== '' && isJson(req.headers['content-type'])) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headers,
      body,
      rawUrl,
    };
    let answer: FakeResponse;
    if (this.down === '503') answer = empty(503);
    else if (badJson) answer = { status: 400, text: 'invalid JSON' };
    else {
      try {
        answer = await this.handle(request);
      } catch (err) {
        answer = { status: 500, text: String(err) };
      }
    }
    this.requests.push({ ...request, status: answer.status });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (res.destroyed) return;
    const headers = { ...answer.headers };
    let payload: string | undefined = answer.text;
    if (answer.json !== undefined) {
      payload = JSON.stringify(answer.json);
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    } else if (payload !== undefined) headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    res.writeHead(answer.status, headers);
    res.end(payload);
  }
}

/** The decoded `user:password` of a basic `Authorization` header, or `undefined`. */
export function basicAuth(
  headers: http.IncomingHttpHeaders,
): { username: string; password: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** A single header value (the first when repeated). */
export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
