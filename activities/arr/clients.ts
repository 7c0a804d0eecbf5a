/**
 * Clients of this instance's own *arr apps, after Overseerr's `server/api/servarr`: one base class,
 * {@link ArrClient}, with the HTTP plumbing (base URL, `X-Api-Key`, JSON, per-request timeout, the
 * mapping of answers to failures) and the add-unmonitored/rescan procedure, and one subclass per app
 * with its endpoints and bodies: {@link RadarrClient}, {@link SonarrClient}, {@link LidarrClient},
 * {@link ReadarrClient}. Requests and bodies follow docs/contracts/ARR.md ("APIs") and the
 * Radarr and Sonarr v3 OpenAPI specs beside it.
 */
import { z } from 'zod';
import { FailureType } from '../../domain/failures.js';
import type { MediaIds, PeerNotification } from '../../domain/peers.js';
import type { SeasonSize } from '../../domain/media.js';
import type { ArrConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';

/** The *arr apps vaultarr adds items to, as named in the `arr` config section. */
export type ArrAppName = 'radarr' | 'sonarr' | 'lidarr' | 'readarr';

/** `arr.radarr` of the config: connection, quality profile, root folder, `minimumAvailability`. */
export type RadarrSettings = NonNullable<ArrConfig['radarr']>;
/** `arr.sonarr` of the config: connection, quality profile, root folder, `seriesType`. */
export type SonarrSettings = NonNullable<ArrConfig['sonarr']>;
/** `arr.lidarr` of the config: connection, quality and metadata profiles, root folder. */
export type LidarrSettings = NonNullable<ArrConfig['lidarr']>;
/** `arr.readarr` of the config: connection, quality and metadata profiles, root folder. */
export type ReadarrSettings = NonNullable<ArrConfig['readarr']>;
/** What every app's settings have in common. */
export type ArrAppSettings = RadarrSettings | SonarrSettings | LidarrSettings | ReadarrSettings;

/** Where an *arr app answers. */
export interface ArrConnection {
  /** Base URL including any URL base, e.g. `http://radarr:7878` or `https://host/radarr`. */
  url: string;
  /** Sent as `X-Api-Key`; never part of a URL or a message. */
  apiKey: string;
}

/** Tuning of the *arr clients. */
export interface ArrClientOptions {
  /** Per request, including reading the answer; default {@link DEFAULT_ARR_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Default per-request timeout of the *arr clients, in ms. */
export const DEFAULT_ARR_TIMEOUT_MS = 30_000;

/**
 * Outcome of {@link ArrClient.ensurePresentUnmonitored}: `added` (it was absent and is now there,
 * unmonitored), `present` (it was there and its monitoring was left alone, or it was already
 * unmonitored), `unmonitored` (it was there, monitored, and `unmonitorExisting` turned that off).
 * `id` is the app's own id of the movie, series, artist or author.
 */
export interface ArrEnsureResult {
  app: ArrAppName;
  action: 'added' | 'present' | 'unmonitored';
  id: number;
  rescanned: true;
}

/**
 * Outcome of {@link ArrClient.rescan}: `rescanned` with the app's id, or `absent` when the app does
 * not have the item (nothing to tell it about a rename or delete).
 */
export type ArrRescanResult =
  | { app: ArrAppName; action: 'rescanned'; id: number; rescanned: true }
  | { app: ArrAppName; action: 'absent'; reason: string };

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

/** What every app's library item has: its id and whether it is monitored. */
const libraryItemSchema = z.object({ id: z.number().int().positive(), monitored: z.boolean() });
/** A movie, series, artist or author the app has. */
export type ArrLibraryItem = z.infer<typeof libraryItemSchema>;

const SNIPPET_CHARS = 200;

/** An outside id of an item (`tmdbId` 603, `foreignArtistId` "f59c5520-..."). */
type ForeignKey = number | string;

/** How to find an item: its outside id, and the lookup result it came from when it was looked up. */
interface Target<Candidate> {
  key: ForeignKey;
  candidate?: Candidate;
}

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

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** `propertyName: errorMessage; ...` of a validation array. */
function describeFailures(failures: ValidationFailure[]): string {
  return failures
    .map((f) => (f.propertyName ? `${f.propertyName}: ${f.errorMessage}` : f.errorMessage))
    .join('; ');
}

/**
 * The base of the *arr clients: HTTP plumbing and the procedure shared by every app; subclasses
 * say which endpoints, ids, lookups and bodies their app uses.
 *
 * Failures, for every method: `ARR_AUTH_FAILED` (401, not retried); `ARR_REJECTED` (a 400
 * validation array, listing each `propertyName: errorMessage`; another 4xx; a redirect; an answer
 * that is not the app's JSON: not retried); a plain `Error` (retried) when the app cannot be
 * reached, times out, or answers 5xx, 408 or 429.
 *
 * @typeParam Settings - the app's config section
 * @typeParam Candidate - what the app's lookup answers for one item
 */
export abstract class ArrClient<Settings extends ArrAppSettings, Candidate> {
  /** The config name of the app. */
  abstract readonly app: ArrAppName;
  /** `Radarr`, the prefix of every message (`[Radarr] failed to add movie: ...`). */
  protected abstract readonly displayName: string;
  /**
   * `movie`, `series`, `artist`, `author`: what one library item is, in messages, and the
   * resource below {@link ArrClient.apiRoot} (`/api/v3/movie`, its `/lookup` and `/editor`).
   */
  protected abstract readonly noun: string;
  /** The outside id, e.g. `tmdbId`: its name in messages and its field in lookup results and library items. */
  protected abstract readonly keyName: Extract<keyof Candidate, string>;
  /** The field of a lookup result that holds its title or name (`title`, `artistName`). */
  protected abstract readonly titleField: Extract<keyof Candidate, string>;
  /** The notification id that is the outside id (`tmdbId`, `musicBrainzArtistId`). */
  protected abstract readonly idsKey: keyof MediaIds;
  /** The query parameter that filters the item list by outside id, or `undefined` when the app has none. */
  protected abstract readonly listFilter: string | undefined;
  /** Parses one library item (with its outside id under {@link ArrClient.keyName}). */
  protected abstract readonly itemSchema: z.ZodType<ArrLibraryItem>;
  /** The API root, `/api/v3` or `/api/v1`. */
  protected abstract readonly apiRoot: string;
  /** `errorCode`s of a 400 that mean "this item is already there" (a duplicate add). */
  protected abstract readonly existsCodes: readonly string[];
  /** Parses one lookup result. */
  protected abstract readonly candidateSchema: z.ZodType<Candidate>;
  /** The field of the editor body with the ids to unmonitor: `{ movieIds: [id], monitored: false }`. */
  protected abstract readonly editorIdsField: string;
  /** The command that makes the app look at the item's files again (`RescanMovie`)... */
  protected abstract readonly rescanCommandName: string;
  /** ...and its field with the item's id: `{ name: 'RescanMovie', movieId: id }`. */
  protected abstract readonly rescanIdField: string;

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

  /** True when a lookup result is exactly the notified item (case-insensitive title, year when given). */
  protected abstract isExactMatch(candidate: Candidate, n: PeerNotification): boolean;
  /** What the add body needs, for an item known by its outside id. */
  protected abstract candidateByKey(key: ForeignKey, n: PeerNotification): Promise<Candidate | undefined>;
  /** The body that adds the item unmonitored, without searching. */
  protected abstract addBody(candidate: Candidate, settings: Settings): Record<string, unknown>;

  /** The path items are listed and added at, e.g. `/api/v3/movie`. */
  protected get itemsPath(): string {
    return `${this.apiRoot}/${this.noun}`;
  }

  /** The lookup by term: `GET <path>?term=`. */
  protected get lookupPath(): string {
    return `${this.itemsPath}/lookup`;
  }

  /** The editor call that sets an item unmonitored. */
  protected get editorPath(): string {
    return `${this.itemsPath}/editor`;
  }

  /** The item's outside id from the notification's `ids`, when it has one (an empty string is none). */
  protected keyOf(n: PeerNotification): ForeignKey | undefined {
    const key = n.ids[this.idsKey];
    return key === '' ? undefined : key;
  }

  /** The term for a lookup by name, or `undefined` when the notification has no title. */
  protected searchTerm(n: PeerNotification): string | undefined {
    return n.title || undefined;
  }

  /** The outside id of a lookup result, or `undefined` when the result has none. */
  protected candidateKey(candidate: Candidate): ForeignKey | undefined {
    return candidate[this.keyName] as ForeignKey | undefined;
  }

  /** `"The Matrix" (1999, tmdbId 603)`, for messages. */
  protected describeCandidate(candidate: Candidate): string {
    const year = (candidate as { year?: number }).year;
    return `"${String(candidate[this.titleField])}" (${year ? `${year}, ` : ''}${this.keyName} ${this.candidateKey(candidate)})`;
  }

  /**
   * Makes sure the app has the notified item without ever making it search: finds it by outside id
   * (or, without one, by an exact title match of a lookup), adds it unmonitored when absent, leaves
   * a present item's monitoring alone unless `settings.unmonitorExisting`, then asks for a rescan so
   * the file shows as present. A duplicate-add 400 (someone added it meanwhile) counts as present.
   *
   * @param n - the peer's notification (`kind`, `title`, `year`, `ids`)
   * @param settings - the app's config section (quality profile, root folder, ...)
   * @returns what was done and the app's id of the item
   * @throws ApplicationFailure `NO_MEDIA_MATCH` (not retried) when the notification has no outside
   *   id and no single exact lookup match, or the app does not know the outside id; otherwise see
   *   {@link ArrClient}
   */
  async ensurePresentUnmonitored(n: PeerNotification, settings: Settings): Promise<ArrEnsureResult> {
    const target = await this.identify(n);
    if (!target.ok)
      throw permanentFailure(
        FailureType.NO_MEDIA_MATCH,
        `${this.label} failed to add ${this.noun}: ${target.reason}`,
        {
          app: this.app,
        },
      );
    const existing = await this.findByKey(target.key);
    if (existing) return this.keepPresent(existing, settings);

    const candidate = target.candidate ?? (await this.candidateByKey(target.key, n));
    if (!candidate)
      throw permanentFailure(
        FailureType.NO_MEDIA_MATCH,
        `${this.label} failed to add ${this.noun}: no ${this.noun} with ${this.keyName} ${target.key} is known to its lookup`,
        { app: this.app, [this.keyName]: target.key },
      );
    const what = `add ${this.noun} ${this.describeCandidate(candidate)}`;
    const answer = await this.send('POST', this.itemsPath, {
      what,
      body: this.addBody(candidate, settings),
      duplicateOk: true,
    });
    if (answer.kind === 'duplicate') {
      const raced = await this.findByKey(target.key);
      if (!raced)
        throw permanentFailure(
          FailureType.ARR_REJECTED,
          `${this.label} failed to ${what}: ${describeFailures(answer.failures)}, yet no ${this.noun} ` +
            `with ${this.keyName} ${target.key} is listed`,
          { app: this.app, failures: answer.failures },
        );
      return this.keepPresent(raced, settings);
    }
    const added = this.parse(libraryItemSchema, answer.kind === 'ok' ? answer.json : undefined, what);
    await this.requestRescan(added.id);
    return { app: this.app, action: 'added', id: added.id, rescanned: true };
  }

  /**
   * Asks the app to rescan the notified item (after a rename or delete on the peer), found by
   * outside id or an exact lookup match.
   *
   * @param n - the peer's notification
   * @returns `rescanned` with the app's id, or `absent` (not an error) when the app does not have it
   * @throws see {@link ArrClient}
   */
  async rescan(n: PeerNotification): Promise<ArrRescanResult> {
    const target = await this.identify(n);
    if (!target.ok) return { app: this.app, action: 'absent', reason: target.reason };
    const item = await this.findByKey(target.key);
    if (!item)
      return {
        app: this.app,
        action: 'absent',
        reason: `no ${this.noun} with ${this.keyName} ${target.key} in ${this.displayName}`,
      };
    await this.requestRescan(item.id);
    return { app: this.app, action: 'rescanned', id: item.id, rescanned: true };
  }

  /** `[Radarr]`. */
  protected get label(): string {
    return `[${this.displayName}]`;
  }

  /** The outside id from the notification, else from an exact match of a lookup by title. */
  private async identify(
    n: PeerNotification,
  ): Promise<({ ok: true } & Target<Candidate>) | { ok: false; reason: string }> {
    const key = this.keyOf(n);
    if (key !== undefined) return { ok: true, key };
    const term = this.searchTerm(n);
    if (!term) return { ok: false, reason: `the notification has neither a ${this.keyName} nor a title` };
    const results = await this.lookup(term, `look up ${this.noun} "${term}"`);
    const matches = new Map<ForeignKey, Candidate>();
    for (const raw of results) {
      const parsed = this.candidateSchema.safeParse(raw);
      if (!parsed.success) continue;
      const candidateKey = this.candidateKey(parsed.data);
      if (candidateKey !== undefined && this.isExactMatch(parsed.data, n) && !matches.has(candidateKey))
        matches.set(candidateKey, parsed.data);
    }
    if (matches.size === 0)
      return {
        ok: false,
        reason: `lookup of "${term}" found no ${this.noun} titled exactly "${n.title}"${n.year ? ` (${n.year})` : ''} among ${results.length} result(s)`,
      };
    if (matches.size > 1)
      return {
        ok: false,
        reason: `lookup of "${term}" is ambiguous: ${[...matches.values()].map((c) => this.describeCandidate(c)).join(', ')}; the notification needs a ${this.keyName}`,
      };
    const [[matchKey, candidate]] = [...matches.entries()] as [[ForeignKey, Candidate]];
    return { ok: true, key: matchKey, candidate };
  }

  private async keepPresent(item: ArrLibraryItem, settings: Settings): Promise<ArrEnsureResult> {
    let action: ArrEnsureResult['action'] = 'present';
    if (settings.unmonitorExisting && item.monitored) {
      await this.send('PUT', this.editorPath, {
        what: `unmonitor ${this.noun} ${item.id}`,
        body: { [this.editorIdsField]: [item.id], monitored: false },
      });
      action = 'unmonitored';
    }
    await this.requestRescan(item.id);
    return { app: this.app, action, id: item.id, rescanned: true };
  }

  private async requestRescan(id: number): Promise<void> {
    await this.send('POST', `${this.apiRoot}/command`, {
      what: `rescan ${this.noun} ${id}`,
      body: { name: this.rescanCommandName, [this.rescanIdField]: id },
    });
  }

  /**
   * The library item with this outside id, or `undefined`: lists the items at `itemsPath` (with the
   * {@link ArrClient.listFilter} query when the app has one) and keeps the one whose outside id is
   * `key`: a filter the app ignores must not make another item look like ours.
   */
  protected async findByKey(key: ForeignKey): Promise<ArrLibraryItem | undefined> {
    const what = `find ${this.noun} with ${this.keyName} ${key}`;
    const query: [string, string][] = this.listFilter ? [[this.listFilter, String(key)]] : [];
    const answer = await this.send('GET', this.itemsPath, { what, query });
    const items = this.parse(z.array(this.itemSchema), answer.kind === 'ok' ? answer.json : [], what);
    return items.find((item) => (item as Record<string, unknown>)[this.keyName] === key);
  }

  /** The raw results of a lookup by `term` (`GET <lookupPath>?term=`). */
  protected async lookup(term: string, what: string): Promise<unknown[]> {
    const answer = await this.send('GET', this.lookupPath, { what, query: [['term', term]] });
    return this.parse(z.array(z.unknown()), answer.kind === 'ok' ? answer.json : [], what);
  }

  /** The first result of a lookup by `term` (e.g. `tvdb:81189`) whose outside id is `key`. */
  protected async lookupByKey(key: ForeignKey, term: string): Promise<Candidate | undefined> {
    const results = await this.lookup(term, `look up ${this.noun} with ${this.keyName} ${key}`);
    for (const raw of results) {
      const parsed = this.candidateSchema.safeParse(raw);
      if (parsed.success && this.candidateKey(parsed.data) === key) return parsed.data;
    }
    return undefined;
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

const radarrMovieSchema = libraryItemSchema.extend({ tmdbId: z.number().int() });

/** A series or movie an *arr has, as the sort's known titles need it. */
export interface ArrTitle {
  /** Its title as the *arr writes it (`The Office (US)`, `The Matrix`). */
  title: string;
  year?: number;
  /** Its folder in the *arr's own view (`/media/Shows/The Office (US)`), when the *arr says. */
  path?: string;
  /**
   * A series' seasons (specials, season 0, left out) with their episode counts, ascending, when
   * Sonarr gives them (`seasons[].seasonNumber`, `seasons[].statistics.totalEpisodeCount`).
   */
  seasons?: SeasonSize[];
}

/** A series or movie an *arr lists: what the sort reads of Sonarr's `SeriesResource` and Radarr's `MovieResource`. */
const arrListedSchema = z.object({
  id: z.number().int().nullish(),
  title: z.string().nullish(),
  year: z.number().int().nullish(),
  path: z.string().nullish(),
});
const radarrListedSchema = arrListedSchema.extend({ title: z.string() });
/** A series Sonarr lists (`SeriesResource`), with its seasons' `SeasonResource` and their statistics. */
const sonarrListedSchema = arrListedSchema.extend({
  seasons: z
    .array(
      z.object({
        seasonNumber: z.number().int(),
        statistics: z.object({ totalEpisodeCount: z.number().int().nonnegative().nullish() }).nullish(),
      }),
    )
    .nullish(),
});
/** Radarr's `ParseResource`: `movie` is set when the name is one of its movies. */
const radarrParseSchema = z.object({ movie: arrListedSchema.nullish() });
/** An air date as Sonarr writes it (`2024-03-05`), kept only when it is one. */
const airDateSchema = z
  .string()
  .nullish()
  .transform((d) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined));
/**
 * Sonarr's `ParseResource`: `series` when the name is one of its series (`seriesType` `daily` for a
 * show numbered by air date), `episodes` as Sonarr maps them (with their `airDate`).
 */
const sonarrParseSchema = z.object({
  parsedEpisodeInfo: z
    .object({
      seasonNumber: z.number().int().nullish(),
      episodeNumbers: z.array(z.number().int()).nullish(),
      fullSeason: z.boolean().nullish(),
      airDate: airDateSchema,
    })
    .nullish(),
  series: arrListedSchema.extend({ seriesType: z.string().nullish() }).nullish(),
  episodes: z
    .array(
      z.object({ seasonNumber: z.number().int(), episodeNumber: z.number().int(), airDate: airDateSchema }),
    )
    .nullish(),
});

/**
 * What Sonarr makes of an episode's release name: its series and the episodes it maps the name to;
 * for a daily series, the air date too (Sonarr's `episodes[].airDate`, else the parsed `airDate`).
 */
export interface SonarrParsedEpisode {
  series: ArrTitle;
  season: number;
  /** Ascending; at least one, except for a daily episode Sonarr knows by its air date only. */
  episodes: number[];
  /** `YYYY-MM-DD`, for a daily series (`seriesType: "daily"`). */
  airDate?: string;
}
const radarrCandidateSchema = z.object({
  tmdbId: z.number().int().positive(),
  title: z.string(),
  year: z.number().int().optional(),
});
type RadarrCandidate = z.infer<typeof radarrCandidateSchema>;

/** A lookup result's title or name is the notification's, ignoring case and runs of white space. */
const sameTitle = (title: string, n: PeerNotification): boolean => !!n.title && norm(title) === norm(n.title);

/**
 * Radarr v3 (ARR.md; Radarr `openapi.json`): movies by `tmdbId`, lookups by term (`<title> <year>`)
 * or `lookup/tmdb`, adds to `POST /api/v3/movie` (201), `PUT /api/v3/movie/editor` (202) and
 * `RescanMovie` commands (201).
 */
export class RadarrClient extends ArrClient<RadarrSettings, RadarrCandidate> {
  readonly app = 'radarr' as const;
  protected readonly displayName = 'Radarr';
  protected readonly noun = 'movie';
  protected readonly keyName = 'tmdbId';
  protected readonly titleField = 'title';
  protected readonly idsKey = 'tmdbId';
  protected readonly listFilter = 'tmdbId';
  protected readonly itemSchema = radarrMovieSchema;
  protected readonly apiRoot = '/api/v3';
  protected readonly existsCodes = ['MovieExistsValidator'];
  protected readonly candidateSchema = radarrCandidateSchema;
  protected readonly editorIdsField = 'movieIds';
  protected readonly rescanCommandName = 'RescanMovie';
  protected readonly rescanIdField = 'movieId';

  /** `<title> <year>`: Radarr's lookup ranks by both. */
  protected override searchTerm(n: PeerNotification): string | undefined {
    return n.title ? [n.title, n.year].filter(Boolean).join(' ') : undefined;
  }

  protected isExactMatch(c: RadarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.title, n) && (n.year === undefined || c.year === n.year);
  }

  protected async candidateByKey(key: ForeignKey): Promise<RadarrCandidate | undefined> {
    const what = `look up movie with tmdbId ${key}`;
    const answer = await this.send('GET', '/api/v3/movie/lookup/tmdb', {
      what,
      query: [['tmdbId', String(key)]],
      notFoundOk: true,
    });
    if (answer.kind !== 'ok' || answer.json === null) return undefined;
    return this.parse(radarrCandidateSchema, answer.json, what);
  }

  /**
   * Every movie Radarr has (`GET /api/v3/movie`): its title and year, for the sort's known titles.
   *
   * @throws see {@link ArrClient}
   */
  async listMovies(): Promise<ArrTitle[]> {
    const what = 'list movies';
    const answer = await this.send('GET', this.itemsPath, { what });
    const movies = this.parse(z.array(radarrListedSchema), answer.kind === 'ok' ? answer.json : [], what);
    return movies.map((m) => ({ title: m.title, year: m.year ?? undefined, path: m.path ?? undefined }));
  }

  /**
   * What Radarr makes of a release name (`GET /api/v3/parse?title=`): the movie it names when it is
   * one of Radarr's own, else `undefined`.
   *
   * @param title - a release, folder or file name
   * @throws see {@link ArrClient}
   */
  async parseRelease(title: string): Promise<ArrTitle | undefined> {
    const what = `parse "${title}"`;
    const answer = await this.send('GET', `${this.apiRoot}/parse`, { what, query: [['title', title]] });
    const parsed = this.parse(radarrParseSchema, answer.kind === 'ok' ? (answer.json ?? {}) : {}, what);
    const movie = parsed.movie;
    if (!movie?.id || !movie.title || !movie.year) return undefined;
    return { title: movie.title, year: movie.year, path: movie.path ?? undefined };
  }

  /** ARR.md's unmonitored add: `monitored` always sent (Radarr defaults it to true), no search. */
  protected addBody(c: RadarrCandidate, s: RadarrSettings): Record<string, unknown> {
    return {
      tmdbId: c.tmdbId,
      title: c.title,
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      minimumAvailability: s.minimumAvailability,
      tags: [],
      addOptions: { searchForMovie: false, monitor: 'none' },
    };
  }
}

const sonarrSeriesSchema = libraryItemSchema.extend({ tvdbId: z.number().int() });
const sonarrCandidateSchema = z.object({
  tvdbId: z.number().int().positive(),
  title: z.string(),
  year: z.number().int().optional(),
  seasons: z.array(z.object({ seasonNumber: z.number().int() })).nullish(),
});
type SonarrCandidate = z.infer<typeof sonarrCandidateSchema>;

/**
 * Sonarr v3 (ARR.md; Sonarr `openapi.json`): series by `tvdbId`, lookups by term (the title, or
 * `tvdb:<id>` for the season list), adds to `POST /api/v3/series` (201) with every season
 * unmonitored, `PUT /api/v3/series/editor` (202) and `RescanSeries` commands (201).
 */
export class SonarrClient extends ArrClient<SonarrSettings, SonarrCandidate> {
  readonly app = 'sonarr' as const;
  protected readonly displayName = 'Sonarr';
  protected readonly noun = 'series';
  protected readonly keyName = 'tvdbId';
  protected readonly titleField = 'title';
  protected readonly idsKey = 'tvdbId';
  protected readonly listFilter = 'tvdbId';
  protected readonly itemSchema = sonarrSeriesSchema;
  protected readonly apiRoot = '/api/v3';
  protected readonly existsCodes = ['SeriesExistsValidator'];
  protected readonly candidateSchema = sonarrCandidateSchema;
  protected readonly editorIdsField = 'seriesIds';
  protected readonly rescanCommandName = 'RescanSeries';
  protected readonly rescanIdField = 'seriesId';

  /** The library writes a series with its year as `Title (2005)`: both forms match. */
  protected isExactMatch(c: SonarrCandidate, n: PeerNotification): boolean {
    if (c.year !== undefined && sameTitle(`${c.title} (${c.year})`, n)) return true;
    return sameTitle(c.title, n) && (n.year === undefined || c.year === n.year);
  }

  /** The lookup of `tvdb:<id>`, for the season list the add body needs. */
  protected candidateByKey(key: ForeignKey): Promise<SonarrCandidate | undefined> {
    return this.lookupByKey(key, `tvdb:${key}`);
  }

  /**
   * Every series Sonarr has (`GET /api/v3/series`): title, year and folder, for the sort's known titles.
   *
   * @throws see {@link ArrClient}
   */
  async listSeries(): Promise<ArrTitle[]> {
    const what = 'list series';
    const answer = await this.send('GET', this.itemsPath, { what });
    const series = this.parse(z.array(sonarrListedSchema), answer.kind === 'ok' ? answer.json : [], what);
    return series.flatMap((x) => {
      if (!x.title) return [];
      const seasons = (x.seasons ?? [])
        .flatMap((s) => {
          const episodes = s.statistics?.totalEpisodeCount;
          return s.seasonNumber > 0 && typeof episodes === 'number'
            ? [{ season: s.seasonNumber, episodes }]
            : [];
        })
        .sort((a, b) => a.season - b.season);
      return [
        {
          title: x.title,
          year: x.year ?? undefined,
          path: x.path ?? undefined,
          ...(seasons.length > 0 ? { seasons } : {}),
        },
      ];
    });
  }

  /**
   * What Sonarr makes of a release name (`GET /api/v3/parse?title=`): the series when it is one of
   * Sonarr's own, with the season and episodes Sonarr maps the name to (its `episodes`, which also
   * maps absolute anime numbering and air dates; else the parsed numbers), and the air date when
   * the series is daily (season = the date's year when Sonarr has no episode for it), or `undefined`.
   *
   * @param title - a release, folder or file name
   * @throws see {@link ArrClient}
   */
  async parseRelease(title: string): Promise<SonarrParsedEpisode | undefined> {
    const what = `parse "${title}"`;
    const answer = await this.send('GET', `${this.apiRoot}/parse`, { what, query: [['title', title]] });
    const parsed = this.parse(sonarrParseSchema, answer.kind === 'ok' ? (answer.json ?? {}) : {}, what);
    const series = parsed.series;
    if (!series?.id || !series.title) return undefined;
    const mapped = parsed.episodes ?? [];
    const info = parsed.parsedEpisodeInfo;
    const seasons = new Set(mapped.map((e) => e.seasonNumber));
    let season: number | undefined;
    let episodes: number[];
    if (mapped.length > 0 && seasons.size === 1) {
      season = mapped[0]!.seasonNumber;
      episodes = mapped.map((e) => e.episodeNumber);
    } else if (mapped.length === 0 && info?.airDate && series.seriesType === 'daily') {
      season = Number(info.airDate.slice(0, 4));
      episodes = [];
    } else if (mapped.length === 0 && !info?.fullSeason) {
      season = info?.seasonNumber ?? undefined;
      episodes = info?.episodeNumbers ?? [];
    } else return undefined;
    // Sonarr names a daily series' files by air date; a standard series' by its numbers, whatever the name said.
    const airDate = series.seriesType === 'daily' ? (mapped[0]?.airDate ?? info?.airDate) : undefined;
    if (season === undefined || (episodes.length === 0 && !airDate)) return undefined;
    return {
      series: { title: series.title, year: series.year ?? undefined, path: series.path ?? undefined },
      season,
      episodes: [...new Set(episodes)].sort((a, b) => a - b),
      ...(airDate ? { airDate } : {}),
    };
  }

  /** ARR.md's unmonitored add: series, new seasons and every known season unmonitored, no search. */
  protected addBody(c: SonarrCandidate, s: SonarrSettings): Record<string, unknown> {
    return {
      tvdbId: c.tvdbId,
      title: c.title,
      qualityProfileId: s.qualityProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      seasonFolder: true,
      seriesType: s.seriesType,
      seasons: (c.seasons ?? []).map((season) => ({ seasonNumber: season.seasonNumber, monitored: false })),
      addOptions: { monitor: 'none', searchForMissingEpisodes: false, searchForCutoffUnmetEpisodes: false },
    };
  }
}

const lidarrArtistSchema = libraryItemSchema.extend({ foreignArtistId: z.string() });
const lidarrCandidateSchema = z.object({ foreignArtistId: z.string().min(1), artistName: z.string() });
type LidarrCandidate = z.infer<typeof lidarrCandidateSchema>;

/**
 * Lidarr v1 (ARR.md): artists by MusicBrainz id (`GET /api/v1/artist?mbId=`), lookups by term,
 * adds to `POST /api/v1/artist` unmonitored, `PUT /api/v1/artist/editor` and `RefreshArtist`
 * commands (which rescan the artist's folder).
 */
export class LidarrClient extends ArrClient<LidarrSettings, LidarrCandidate> {
  readonly app = 'lidarr' as const;
  protected readonly displayName = 'Lidarr';
  protected readonly noun = 'artist';
  protected readonly keyName = 'foreignArtistId';
  protected readonly titleField = 'artistName';
  protected readonly idsKey = 'musicBrainzArtistId';
  protected readonly listFilter = 'mbId';
  protected readonly itemSchema = lidarrArtistSchema;
  protected readonly apiRoot = '/api/v1';
  protected readonly existsCodes = ['ArtistExistsValidator'];
  protected readonly candidateSchema = lidarrCandidateSchema;
  protected readonly editorIdsField = 'artistIds';
  protected readonly rescanCommandName = 'RefreshArtist';
  protected readonly rescanIdField = 'artistId';

  protected isExactMatch(c: LidarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.artistName, n);
  }

  /** The notification's name when it has one (Lidarr fetches the rest on add), else `lidarr:<mbid>`. */
  protected async candidateByKey(key: ForeignKey, n: PeerNotification): Promise<LidarrCandidate | undefined> {
    if (n.title) return { foreignArtistId: String(key), artistName: n.title };
    return this.lookupByKey(key, `lidarr:${key}`);
  }

  protected addBody(c: LidarrCandidate, s: LidarrSettings): Record<string, unknown> {
    return {
      artistName: c.artistName,
      foreignArtistId: c.foreignArtistId,
      qualityProfileId: s.qualityProfileId,
      metadataProfileId: s.metadataProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      tags: [],
      addOptions: { monitor: 'none', searchForMissingAlbums: false },
    };
  }
}

const readarrAuthorSchema = libraryItemSchema.extend({ foreignAuthorId: z.string() });
const readarrCandidateSchema = z.object({ foreignAuthorId: z.string().min(1), authorName: z.string() });
type ReadarrCandidate = z.infer<typeof readarrCandidateSchema>;

/**
 * Readarr v1 (ARR.md): authors by `foreignAuthorId` (Readarr has no filter query: the list is
 * searched), lookups by term, adds to `POST /api/v1/author` unmonitored, `PUT /api/v1/author/editor`
 * and `RefreshAuthor` commands (which rescan the author's folder).
 */
export class ReadarrClient extends ArrClient<ReadarrSettings, ReadarrCandidate> {
  readonly app = 'readarr' as const;
  protected readonly displayName = 'Readarr';
  protected readonly noun = 'author';
  protected readonly keyName = 'foreignAuthorId';
  protected readonly titleField = 'authorName';
  protected readonly idsKey = 'foreignAuthorId';
  protected readonly listFilter = undefined;
  protected readonly itemSchema = readarrAuthorSchema;
  protected readonly apiRoot = '/api/v1';
  protected readonly existsCodes = ['AuthorExistsValidator'];
  protected readonly candidateSchema = readarrCandidateSchema;
  protected readonly editorIdsField = 'authorIds';
  protected readonly rescanCommandName = 'RefreshAuthor';
  protected readonly rescanIdField = 'authorId';

  protected isExactMatch(c: ReadarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.authorName, n);
  }

  /** The notification's name when it has one (Readarr fetches the rest on add), else `readarr:<id>`. */
  protected async candidateByKey(
    key: ForeignKey,
    n: PeerNotification,
  ): Promise<ReadarrCandidate | undefined> {
    if (n.title) return { foreignAuthorId: String(key), authorName: n.title };
    return this.lookupByKey(key, `readarr:${key}`);
  }

  protected addBody(c: ReadarrCandidate, s: ReadarrSettings): Record<string, unknown> {
    return {
      authorName: c.authorName,
      foreignAuthorId: c.foreignAuthorId,
      qualityProfileId: s.qualityProfileId,
      metadataProfileId: s.metadataProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      tags: [],
      addOptions: { monitor: 'none', searchForMissingBooks: false },
    };
  }
}
