/**
 * The base of the clients of this instance's own *arr apps, after Overseerr's `server/api/servarr`:
 * {@link ArrClient}, the add-unmonitored/rescan procedure on top of the HTTP layer (`http.ts`), and
 * {@link arrApp}, which turns an app's client into its entry of the registry (`registry.ts`). Each
 * app's own file (`radarr.ts`, ..., listed in `registry.ts`) says which endpoints, ids,
 * lookups and bodies it uses. Requests and bodies follow docs/contracts/ARR.md ("APIs") and the
 * Radarr and Sonarr v3 OpenAPI specs beside it.
 */
import { z } from 'zod';
import { FailureType } from '../../domain/failures.js';
import type { MediaIds, PeerNotification } from '../../domain/peers.js';
import type { MediaKind, SeasonSize } from '../../domain/media.js';
import type { ArrConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';
import {
  ArrHttpClient,
  describeFailures,
  type ArrAppName,
  type ArrClientOptions,
  type ArrConnection,
} from './http.js';

/** What every app's settings (its `arr.<app>` config section) have in common. */
export type ArrAppSettings = NonNullable<ArrConfig[ArrAppName]>;

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

/** What every app's library item has: its id and whether it is monitored. */
export const libraryItemSchema = z.object({ id: z.number().int().positive(), monitored: z.boolean() });
/** A movie, series, artist or author the app has. */
export type ArrLibraryItem = z.infer<typeof libraryItemSchema>;

/** An outside id of an item (`tmdbId` 603, `foreignArtistId` "f59c5520-..."). */
export type ForeignKey = number | string;

/** How to find an item: its outside id, and the lookup result it came from when it was looked up. */
interface Target<Candidate> {
  key: ForeignKey;
  candidate?: Candidate;
}

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** A lookup result's title or name is the notification's, ignoring case and runs of white space. */
export const sameTitle = (title: string, n: PeerNotification): boolean =>
  !!n.title && norm(title) === norm(n.title);

/**
 * What one app's API calls things: its names, ids, schemas and commands, one object per app (in the
 * app's file) that {@link ArrClient} reads.
 *
 * @typeParam Candidate - what the app's lookup answers for one item
 */
export interface ArrApi<Candidate> {
  /** `Radarr`, the prefix of every message (`[Radarr] failed to add movie: ...`). */
  displayName: string;
  /**
   * `movie`, `series`, `artist`, `author`: what one library item is, in messages, and the
   * resource below {@link ArrApi.apiRoot} (`/api/v3/movie`, its `/lookup` and `/editor`).
   */
  noun: string;
  /** The outside id, e.g. `tmdbId`: its name in messages and its field in lookup results and library items. */
  keyName: keyof Candidate & string;
  /** The field of a lookup result that holds its title or name (`title`, `artistName`). */
  titleField: keyof Candidate & string;
  /** The notification id that is the outside id (`tmdbId`, `musicBrainzArtistId`). */
  idsKey: keyof MediaIds;
  /** The query parameter that filters the item list by outside id, or `undefined` when the app has none. */
  listFilter: string | undefined;
  /** Parses one library item (with its outside id under {@link ArrApi.keyName}). */
  itemSchema: z.ZodType<ArrLibraryItem>;
  /** The API root, `/api/v3` or `/api/v1`. */
  apiRoot: string;
  /** `errorCode`s of a 400 that mean "this item is already there" (a duplicate add). */
  existsCodes: readonly string[];
  /** Parses one lookup result. */
  candidateSchema: z.ZodType<Candidate>;
  /** The field of the editor body with the ids to unmonitor: `{ movieIds: [id], monitored: false }`. */
  editorIdsField: string;
  /** The command that makes the app look at the item's files again (`RescanMovie`)... */
  rescanCommandName: string;
  /** ...and its field with the item's id: `{ name: 'RescanMovie', movieId: id }`. */
  rescanIdField: string;
}

/**
 * The base of the *arr clients: the procedure shared by every app, on the HTTP layer of
 * {@link ArrHttpClient}; subclasses give their app's names ({@link ArrApi}), exact match, lookup by
 * outside id and add body.
 *
 * Failures, for every method: `ARR_AUTH_FAILED` (401, not retried); `ARR_REJECTED` (a 400
 * validation array, listing each `propertyName: errorMessage`; another 4xx; a redirect; an answer
 * that is not the app's JSON: not retried); a plain `Error` (retried) when the app cannot be
 * reached, times out, or answers 5xx, 408 or 429.
 *
 * @typeParam Settings - the app's config section
 * @typeParam Candidate - what the app's lookup answers for one item
 */
export abstract class ArrClient<Settings extends ArrAppSettings, Candidate> extends ArrHttpClient {
  /** What the app's API calls things. */
  protected abstract readonly api: ArrApi<Candidate>;

  protected get displayName(): string {
    return this.api.displayName;
  }

  protected get existsCodes(): readonly string[] {
    return this.api.existsCodes;
  }

  /** True when a lookup result is exactly the notified item (case-insensitive title, year when given). */
  protected abstract isExactMatch(candidate: Candidate, n: PeerNotification): boolean;
  /** What the add body needs, for an item known by its outside id. */
  protected abstract candidateByKey(key: ForeignKey, n: PeerNotification): Promise<Candidate | undefined>;
  /** The body that adds the item unmonitored, without searching. */
  protected abstract addBody(candidate: Candidate, settings: Settings): Record<string, unknown>;

  /** The path items are listed and added at, e.g. `/api/v3/movie`. */
  protected get itemsPath(): string {
    return `${this.api.apiRoot}/${this.api.noun}`;
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
    const key = n.ids[this.api.idsKey];
    return key === '' ? undefined : key;
  }

  /** The term for a lookup by name, or `undefined` when the notification has no title. */
  protected searchTerm(n: PeerNotification): string | undefined {
    return n.title || undefined;
  }

  /** The outside id of a lookup result, or `undefined` when the result has none. */
  protected candidateKey(candidate: Candidate): ForeignKey | undefined {
    return candidate[this.api.keyName] as ForeignKey | undefined;
  }

  /** `"The Matrix" (1999, tmdbId 603)`, for messages. */
  protected describeCandidate(candidate: Candidate): string {
    const year = (candidate as { year?: number }).year;
    return `"${String(candidate[this.api.titleField])}" (${year ? `${year}, ` : ''}${this.api.keyName} ${this.candidateKey(candidate)})`;
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
        `${this.label} failed to add ${this.api.noun}: ${target.reason}`,
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
        `${this.label} failed to add ${this.api.noun}: no ${this.api.noun} with ${this.api.keyName} ${target.key} is known to its lookup`,
        { app: this.app, [this.api.keyName]: target.key },
      );
    const what = `add ${this.api.noun} ${this.describeCandidate(candidate)}`;
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
          `${this.label} failed to ${what}: ${describeFailures(answer.failures)}, yet no ${this.api.noun} ` +
            `with ${this.api.keyName} ${target.key} is listed`,
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
        reason: `no ${this.api.noun} with ${this.api.keyName} ${target.key} in ${this.displayName}`,
      };
    await this.requestRescan(item.id);
    return { app: this.app, action: 'rescanned', id: item.id, rescanned: true };
  }

  /** The outside id from the notification, else from an exact match of a lookup by title. */
  private async identify(
    n: PeerNotification,
  ): Promise<({ ok: true } & Target<Candidate>) | { ok: false; reason: string }> {
    const key = this.keyOf(n);
    if (key !== undefined) return { ok: true, key };
    const term = this.searchTerm(n);
    if (!term) return { ok: false, reason: `the notification has neither a ${this.api.keyName} nor a title` };
    const results = await this.lookup(term, `look up ${this.api.noun} "${term}"`);
    const matches = new Map<ForeignKey, Candidate>();
    for (const raw of results) {
      const parsed = this.api.candidateSchema.safeParse(raw);
      if (!parsed.success) continue;
      const candidateKey = this.candidateKey(parsed.data);
      if (candidateKey !== undefined && this.isExactMatch(parsed.data, n) && !matches.has(candidateKey))
        matches.set(candidateKey, parsed.data);
    }
    if (matches.size === 0)
      return {
        ok: false,
        reason: `lookup of "${term}" found no ${this.api.noun} titled exactly "${n.title}"${n.year ? ` (${n.year})` : ''} among ${results.length} result(s)`,
      };
    if (matches.size > 1)
      return {
        ok: false,
        reason: `lookup of "${term}" is ambiguous: ${[...matches.values()].map((c) => this.describeCandidate(c)).join(', ')}; the notification needs a ${this.api.keyName}`,
      };
    const [[matchKey, candidate]] = [...matches.entries()] as [[ForeignKey, Candidate]];
    return { ok: true, key: matchKey, candidate };
  }

  private async keepPresent(item: ArrLibraryItem, settings: Settings): Promise<ArrEnsureResult> {
    let action: ArrEnsureResult['action'] = 'present';
    if (settings.unmonitorExisting && item.monitored) {
      await this.send('PUT', this.editorPath, {
        what: `unmonitor ${this.api.noun} ${item.id}`,
        body: { [this.api.editorIdsField]: [item.id], monitored: false },
      });
      action = 'unmonitored';
    }
    await this.requestRescan(item.id);
    return { app: this.app, action, id: item.id, rescanned: true };
  }

  private async requestRescan(id: number): Promise<void> {
    await this.send('POST', `${this.api.apiRoot}/command`, {
      what: `rescan ${this.api.noun} ${id}`,
      body: { name: this.api.rescanCommandName, [this.api.rescanIdField]: id },
    });
  }

  /**
   * The library item with this outside id, or `undefined`: lists the items at `itemsPath` (with the
   * {@link ArrApi.listFilter} query when the app has one) and keeps the one whose outside id is
   * `key`: a filter the app ignores must not make another item look like ours.
   */
  protected async findByKey(key: ForeignKey): Promise<ArrLibraryItem | undefined> {
    const what = `find ${this.api.noun} with ${this.api.keyName} ${key}`;
    const query: [string, string][] = this.api.listFilter ? [[this.api.listFilter, String(key)]] : [];
    const answer = await this.send('GET', this.itemsPath, { what, query });
    const items = this.parse(z.array(this.api.itemSchema), answer.kind === 'ok' ? answer.json : [], what);
    return items.find((item) => (item as Record<string, unknown>)[this.api.keyName] === key);
  }

  /** Every item the app lists (`GET <itemsPath>`, e.g. `/api/v3/movie`), parsed by `schema`. */
  protected async listAll<T>(schema: z.ZodType<T>, what: string): Promise<T[]> {
    const answer = await this.send('GET', this.itemsPath, { what });
    return this.parse(z.array(schema), answer.kind === 'ok' ? answer.json : [], what);
  }

  /** What the app makes of a release name (`GET <apiRoot>/parse?title=`), parsed by `schema`. */
  protected async parseName<T>(schema: z.ZodType<T>, title: string): Promise<T> {
    const what = `parse "${title}"`;
    const answer = await this.send('GET', `${this.api.apiRoot}/parse`, { what, query: [['title', title]] });
    return this.parse(schema, answer.kind === 'ok' ? (answer.json ?? {}) : {}, what);
  }

  /** The raw results of a lookup by `term` (`GET <lookupPath>?term=`). */
  protected async lookup(term: string, what: string): Promise<unknown[]> {
    const answer = await this.send('GET', this.lookupPath, { what, query: [['term', term]] });
    return this.parse(z.array(z.unknown()), answer.kind === 'ok' ? answer.json : [], what);
  }

  /** The first result of a lookup by `term` (e.g. `tvdb:81189`) whose outside id is `key`. */
  protected async lookupByKey(key: ForeignKey, term: string): Promise<Candidate | undefined> {
    const results = await this.lookup(term, `look up ${this.api.noun} with ${this.api.keyName} ${key}`);
    for (const raw of results) {
      const parsed = this.api.candidateSchema.safeParse(raw);
      if (parsed.success && this.candidateKey(parsed.data) === key) return parsed.data;
    }
    return undefined;
  }
}

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
export const arrListedSchema = z.object({
  id: z.number().int().nullish(),
  title: z.string().nullish(),
  year: z.number().int().nullish(),
  path: z.string().nullish(),
});

/** One configured app with its settings bound in: what the *arr activities ask of it. */
export interface ConnectedArrApp {
  /** {@link ArrClient.ensurePresentUnmonitored} with the app's settings. */
  ensurePresentUnmonitored(n: PeerNotification): Promise<ArrEnsureResult>;
  /** {@link ArrClient.rescan}. */
  rescan(n: PeerNotification): Promise<ArrRescanResult>;
}

/** An app's entry in the registry (`registry.ts`), made by {@link arrApp}. */
export interface ArrAppEntry<A extends ArrAppName> {
  /** The kind of item the app keeps: a peer's item of this kind goes to this app. */
  kind: MediaKind;
  /**
   * A client of the app with its settings bound in.
   *
   * @param settings - the app's `arr.<app>` config section
   * @param options - per-request timeout in ms
   */
  connect(settings: NonNullable<ArrConfig[A]>, options: ArrClientOptions): ConnectedArrApp;
}

/**
 * The registry entry of the app whose client is `Client`.
 *
 * @param kind - the kind of item the app keeps (`movie` for Radarr)
 * @param Client - the app's client class (a subclass of {@link ArrClient})
 */
export function arrApp<A extends ArrAppName>(
  kind: MediaKind,
  Client: new (
    connection: ArrConnection,
    options: ArrClientOptions,
  ) => {
    ensurePresentUnmonitored(
      n: PeerNotification,
      settings: NonNullable<ArrConfig[A]>,
    ): Promise<ArrEnsureResult>;
    rescan(n: PeerNotification): Promise<ArrRescanResult>;
  },
): ArrAppEntry<A> {
  return {
    kind,
    connect: (settings, options) => {
      const client = new Client(settings, options);
      return {
        ensurePresentUnmonitored: (n) => client.ensurePresentUnmonitored(n, settings),
        rescan: (n) => client.rescan(n),
      };
    },
  };
}
