/**
 * The HTTP layer of the *arr clients, after autoscan's one `do()` per target: base URL, `X-Api-Key`,
 * JSON, the per-request timeout, and the mapping of every answer to a failure, written once for
 * every app. {@link ArrClient} (`base.ts`) builds the add-unmonitored/rescan procedure on it.
 * Answers follow docs/contracts/ARR.md ("APIs").
 */
import { z } from 'zod';
import { FailureType } from '../../domain/failures.js';
import type { ArrConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';

/** The *arr apps vaultarr adds items to: the keys of the `arr` config section. */
export type ArrAppName = keyof ArrConfig;

/** Where an *arr app answers: the `url` and `apiKey` of its `arr.<app>` config section. */
export type ArrConnection = Pick<NonNullable<ArrConfig[ArrAppName]>, 'url' | 'apiKey'>;

/** Tuning of the *arr clients. */
export interface ArrClientOptions {
  /** Per request, including reading the answer; default {@link DEFAULT_ARR_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Default per-request timeout of the *arr clients, in ms. */
export const DEFAULT_ARR_TIMEOUT_MS = 30_000;

/**
 * One entry of the 400 validation array the *arr apps answer (ARR.md, "APIs": FluentValidation's
 * `{propertyName, errorMessage, attemptedValue, severity, errorCode}`).
 */
const validationFailuresSchema = z.array(
  z.object({
    propertyName: z.string().nullish(),
    errorMessage: z.string(),
    errorCode: z.string().nullish(),
    attemptedValue: z.unknown().optional(),
    severity: z.string().nullish(),
  }),
);
type ValidationFailure = z.infer<typeof validationFailuresSchema>[number];

/** The other error shape of the *arr apps: `{message, description?}`. */
const errorMessageSchema = z.object({ message: z.string(), description: z.string().nullish() });

const SNIPPET_CHARS = 200;

interface SendOptions {
  /** What the request is for, in messages: `[Radarr] failed to <what>: ...`. */
  what: string;
  query?: [string, string][];
  body?: unknown;
  /** Answer a 404 with `{ kind: 'not-found' }` instead of failing. */
  notFoundOk?: boolean;
  /** Answer a duplicate-add 400 (see `existsCodes`) with `{ kind: 'duplicate' }` instead of failing. */
  duplicateOk?: boolean;
}

type SendResult =
  | { kind: 'ok'; status: number; json: unknown }
  | { kind: 'not-found' }
  | { kind: 'duplicate'; failures: ValidationFailure[] };

/** `propertyName: errorMessage; ...` of a validation array. */
export function describeFailures(failures: ValidationFailure[]): string {
  return failures
    .map((f) => (f.propertyName ? `${f.propertyName}: ${f.errorMessage}` : f.errorMessage))
    .join('; ');
}

/**
 * The HTTP plumbing of an *arr client: sends one request and maps the answer to a result or a
 * failure, with messages of the form `[Radarr] failed to <what>: ...`. Failures: see
 * {@link ArrClient}.
 */
export abstract class ArrHttpClient {
  /** The config name of the app. */
  abstract readonly app: ArrAppName;
  /** `Radarr`, the prefix of every message (`[Radarr] failed to add movie: ...`). */
  protected abstract readonly displayName: string;
  /** `errorCode`s of a 400 that mean "this item is already there" (a duplicate add). */
  protected abstract readonly existsCodes: readonly string[];

  /** The configured URL without any `user:password@`, for requests and messages. */
  protected readonly baseUrl: URL;
  protected readonly timeoutMs: number;
  private readonly apiKey: string;

  /**
   * @param connection - base URL and API key of the app
   * @param options - per-request timeout in ms
   */
  constructor(connection: ArrConnection, options: ArrClientOptions = {}) {
    this.baseUrl = new URL(connection.url);
    this.baseUrl.username = '';
    this.baseUrl.password = '';
    this.apiKey = connection.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ARR_TIMEOUT_MS;
  }

  /** `[Radarr]`. */
  protected get label(): string {
    return `[${this.displayName}]`;
  }

  /**
   * Parses an answer, or fails permanently: an answer of another shape means `url` points at
   * something that is not this app's API.
   */
  protected parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw permanentFailure(
      FailureType.ARR_REJECTED,
      `${this.label} failed to ${what}: unexpected answer (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}); is arr.${this.app}.url a ${this.displayName}?`,
      { app: this.app },
    );
  }

  /**
   * Sends one JSON request below the base URL with `X-Api-Key` and reads the whole answer within
   * the timeout.
   *
   * @returns the parsed JSON of a 2xx (`null` when empty), or the branches `notFoundOk`/`duplicateOk` ask for
   * @throws see {@link ArrClient}
   */
  protected async send(method: string, endpoint: string, options: SendOptions): Promise<SendResult> {
    const url = new URL(this.baseUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${endpoint}`;
    url.search = (options.query ?? [])
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const failed = `${this.label} failed to ${options.what}`;
    const headers: Record<string, string> = { 'X-Api-Key': this.apiKey, Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let status: number;
    let text: string;
    let location: string | null;
    try {
      const res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        // A redirect would carry X-Api-Key along to wherever it points; report it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      location = res.headers.get('location');
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        throw new Error(`${failed}: ${method} ${url.pathname} timed out after ${this.timeoutMs} ms`);
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new Error(`${failed}: cannot reach ${this.baseUrl.origin}: ${this.redact(reason)}`);
    }
    const got = `${method} ${url.pathname} answered ${status}`;
    const details = { app: this.app, status };

    if (status >= 200 && status < 300) {
      if (text.trim() === '') return { kind: 'ok', status, json: null };
      try {
        return { kind: 'ok', status, json: JSON.parse(text) as unknown };
      } catch {
        throw permanentFailure(
          FailureType.ARR_REJECTED,
          `${failed}: ${got} without JSON${this.snippet(text)}; is arr.${this.app}.url a ${this.displayName}?`,
          details,
        );
      }
    }
    if (status === 401)
      throw permanentFailure(
        FailureType.ARR_AUTH_FAILED,
        `${failed}: ${got}: the API key was refused (check arr.${this.app}.apiKey)`,
        details,
      );
    if (status >= 500 || status === 408 || status === 429)
      throw new Error(`${failed}: ${got}${this.snippet(text)}`);
    if (status === 404 && options.notFoundOk) return { kind: 'not-found' };
    if (status >= 300 && status < 400)
      throw permanentFailure(
        FailureType.ARR_REJECTED,
        `${failed}: ${got} (redirect${location ? ` to ${this.redact(location)}` : ''}; point arr.${this.app}.url at the final address)`,
        details,
      );

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const validation = validationFailuresSchema.safeParse(json);
    if (status === 400 && validation.success && validation.data.length > 0) {
      const failures = validation.data;
      if (options.duplicateOk && failures.some((f) => f.errorCode && this.existsCodes.includes(f.errorCode)))
        return { kind: 'duplicate', failures };
      throw permanentFailure(
        FailureType.ARR_REJECTED,
        `${failed}: ${this.redact(describeFailures(failures))}`,
        {
          ...details,
          failures,
        },
      );
    }
    const error = errorMessageSchema.safeParse(json);
    const message = error.success
      ? `: ${this.redact([error.data.message, error.data.description].filter(Boolean).join(': '))}`
      : this.snippet(text);
    throw permanentFailure(
      FailureType.ARR_REJECTED,
      `${failed}: ${got}${message}${status === 404 ? ` (check arr.${this.app}.url)` : ''}`,
      details,
    );
  }

  private snippet(text: string): string {
    const short = this.redact(text.replace(/\s+/g, ' ').trim()).slice(0, SNIPPET_CHARS);
    return short ? `: ${short}` : '';
  }

  private redact(text: string): string {
    return this.apiKey ? text.split(this.apiKey).join('***') : text;
  }
}
