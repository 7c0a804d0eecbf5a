/**
 * The *arr layer of the fake Radarr, Sonarr, Lidarr and Readarr, on top of the generic
 * {@link HttpFake}: the API key check (`X-Api-Key` header or `?apikey=`; a bad one → 401 with an
 * empty body), validation of every request against an OpenAPI document (`openapi-validator.ts`),
 * the FluentValidation error array of ARR.md, and a log of every request with whether it passed
 * the spec. The v3 fakes (Radarr, Sonarr) build on {@link V3ArrFake}, the v1 fakes (Lidarr,
 * Readarr) on `NamedArrFake` (`arr-fake-v1.ts`).
 */
import { empty, header, HttpFake, json, type FakeRequest, type FakeResponse } from './http-fake.js';
import type { ExtraProperties, OpenApiValidator, SpecCheck } from './openapi-validator.js';

/** One FluentValidation failure as the *arr apps answer it in a 400 array (ARR.md, "APIs"). */
export interface ArrValidationFailure {
  propertyName: string;
  errorMessage: string;
  attemptedValue: unknown;
  severity: 'error';
  errorCode: string;
}

/** One failure of a 400 array. */
export function validationFailure(
  propertyName: string,
  errorMessage: string,
  attemptedValue: unknown,
  errorCode: string,
): ArrValidationFailure {
  return { propertyName, errorMessage, attemptedValue, severity: 'error', errorCode };
}

/** A 400 with the FluentValidation array. */
export function validationErrors(failures: ArrValidationFailure[]): FakeResponse {
  return json(failures, 400);
}

/** One request to an *arr fake, with what the fake made of it. */
export interface ArrRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  body: unknown;
  /** The status answered. */
  status: number;
  /** False when the API key was missing or wrong (answered 401, not checked further). */
  authorized: boolean;
  /** The spec check; `undefined` for a request refused for its API key. */
  spec?: SpecCheck;
}

/** Options every *arr fake takes. */
export interface ArrFakeOptions {
  apiKey: string;
  port?: number;
}

/**
 * The base of the *arr fakes: checks the API key, then the request against the spec (a request
 * the spec refuses → 400 with one `OpenApiSpec` failure per problem; no operation → 404), then
 * hands it to {@link ArrFake.route}. Every request lands in {@link ArrFake.received}.
 */
export abstract class ArrFake extends HttpFake {
  /** Every request, in order, with its status, API key verdict and spec check. */
  readonly received: ArrRequest[] = [];
  private readonly apiKey: string;

  constructor(options: ArrFakeOptions) {
    super({ port: options.port });
    this.apiKey = options.apiKey;
  }

  /** The spec requests are validated against. */
  protected abstract readonly validator: OpenApiValidator;

  /** Answers a request that passed the key and spec checks. */
  protected abstract route(req: FakeRequest): FakeResponse | Promise<FakeResponse>;

  /** Body properties the spec cannot describe (a command's own fields), per request. */
  protected extraBodyProperties(_req: FakeRequest): ExtraProperties | undefined {
    return undefined;
  }

  /** The authorized requests with this method and path. */
  requestsTo(method: string, path: string): ArrRequest[] {
    return this.received.filter((r) => r.authorized && r.method === method && r.path === path);
  }

  /** True when every authorized request passed the spec check. */
  get allWithinSpec(): boolean {
    return this.received.every((r) => !r.authorized || r.spec?.valid === true);
  }

  override reset(): void {
    super.reset();
    this.received.length = 0;
  }

  protected override async handle(req: FakeRequest): Promise<FakeResponse> {
    const entry: ArrRequest = {
      method: req.method,
      path: req.path,
      query: req.query,
      body: req.body,
      status: 0,
      authorized: false,
    };
    this.received.push(entry);
    const answer = await this.answer(req, entry);
    entry.status = answer.status;
    return answer;
  }

  private async answer(req: FakeRequest, entry: ArrRequest): Promise<FakeResponse> {
    const key = header(req.headers, 'x-api-key') ?? req.query.apikey?.[0];
    if (key !== this.apiKey) return empty(401);
    entry.authorized = true;
    const spec = this.validator.check(req, this.extraBodyProperties(req));
    entry.spec = spec;
    if (!spec.operation) return json({ message: spec.problems[0] }, 404);
    if (!spec.valid)
      return validationErrors(
        spec.problems.map((p) => {
          const i = p.indexOf(': ');
          return validationFailure(p.slice(0, i), p.slice(i + 2), null, 'OpenApiSpec');
        }),
      );
    return this.route(req);
  }
}
/** A command received (201), in order. */
export interface FakeCommand {
  id: number;
  name: string;
  body: Record<string, unknown>;
}

/** What every item of a fake's library has. */
export interface FakeLibraryItem {
  id: number;
  monitored: boolean;
  hasFile: boolean;
}

/** Options of every *arr fake with a library. */
export interface LibraryFakeOptions<Item, Entry> extends ArrFakeOptions {
  /** What the fake's metadata lookup knows. */
  catalog?: Entry[];
  /** Whether an item has files on disk, asked on its rescan command; default: `hasFile` stays as it is. */
  fileExists?: (item: Item) => boolean | Promise<boolean>;
}

/**
 * An *arr fake with an in-memory library: the bookkeeping every app shares (finding items by their
 * outside id, the list filter, lookups in the catalog, the editor's `monitored` switch, commands
 * that ask `fileExists`). Subclasses route requests and hold their app's contract.
 *
 * @typeParam Item - one library item
 * @typeParam Entry - one catalog entry (what the metadata lookup knows)
 */
export abstract class LibraryArrFake<Item extends FakeLibraryItem, Entry extends object> extends ArrFake {
  /** The library; tests may change it while the fake runs. */
  protected readonly library: Item[] = [];
  /** What the metadata lookup knows. */
  catalog: Entry[];
  /** Every command accepted, in order. */
  readonly commands: FakeCommand[] = [];
  /** Whether an item has files on disk, asked on its rescan command. */
  fileExists?: (item: Item) => boolean | Promise<boolean>;
  /** The outside id's field in items and catalog entries (`tmdbId`, `foreignArtistId`). */
  protected abstract readonly keyField: string;
  /** The catalog entries' title or name field, searched by a lookup (`title`, `artistName`). */
  protected abstract readonly nameField: string;

  constructor(options: LibraryFakeOptions<Item, Entry>) {
    super(options);
    this.catalog = options.catalog ?? [];
    this.fileExists = options.fileExists;
  }

  /** The 400 failure of an add whose item is already there (`MovieExistsValidator`, ...). */
  protected abstract readonly alreadyAdded: { errorMessage: string; errorCode: string };

  /** The outside id's `propertyName` in validation failures (`TmdbId`, `ForeignArtistId`). */
  protected get keyProperty(): string {
    return this.keyField.charAt(0).toUpperCase() + this.keyField.slice(1);
  }

  /** The failure of an add whose outside id is already in the library, if it is. */
  protected existsFailures(key: unknown): ArrValidationFailure[] {
    if (!key || !this.inLibrary(key)) return [];
    return [
      validationFailure(this.keyProperty, this.alreadyAdded.errorMessage, key, this.alreadyAdded.errorCode),
    ];
  }

  /** The library item with this outside id. */
  protected inLibrary(key: unknown): Item | undefined {
    return this.library.find((item) => field(item, this.keyField) === key);
  }

  /** The library item with this outside id (`tmdbId` 603, `foreignArtistId` "a74b..."), if there is one. */
  item(key: string | number): Item | undefined {
    return this.inLibrary(key);
  }

  /** The library, or its items whose outside id is `filter` (a query value) when one is given. */
  protected listed(filter: string | undefined): Item[] {
    return this.library.filter(
      (item) => filter === undefined || field(item, this.keyField) === asKeyOf(item, this.keyField, filter),
    );
  }

  /**
   * A lookup by `term`: the catalog entry whose outside id `idTerm` captures (`tvdb:81189`), or
   * the entries with a word of the term in their name.
   */
  protected searchCatalog(term: string, idTerm?: RegExp): Entry[] {
    const byId = idTerm?.exec(term);
    return this.catalog.filter((entry) =>
      byId
        ? field(entry, this.keyField) === asKeyOf(entry, this.keyField, byId[1]!)
        : termMatches(term, String(field(entry, this.nameField))),
    );
  }

  /** The editor call: sets `monitored` of the items listed in the body's `idsField`; returns them. */
  protected setMonitored(body: unknown, idsField: string): Item[] {
    const ids = field(body, idsField) as number[] | null | undefined;
    const monitored = field(body, 'monitored');
    const changed = this.library.filter((item) => ids?.includes(item.id));
    for (const item of changed) if (typeof monitored === 'boolean') item.monitored = monitored;
    return changed;
  }

  /**
   * Accepts a command (201): records it, then sets `hasFile` of the items with these ids from
   * `fileExists` (the real server does it a moment later).
   */
  protected async runCommand(
    name: string,
    body: Record<string, unknown>,
    ids: unknown[],
  ): Promise<FakeResponse> {
    const id = this.commands.length + 1;
    this.commands.push({ id, name, body });
    if (this.fileExists)
      for (const item of this.library.filter((i) => ids.includes(i.id)))
        item.hasFile = await this.fileExists(item);
    return json(commandResource(id, body), 201);
  }
}

/** A `NotEmptyValidator` failure: `'Tmdb Id' must not be empty.` (the label spells out the property). */
export function notEmpty(
  propertyName: string,
  attemptedValue: unknown,
  label = propertyName.replace(/([a-z])([A-Z])/g, '$1 $2'),
): ArrValidationFailure {
  return validationFailure(
    propertyName,
    `'${label}' must not be empty.`,
    attemptedValue,
    'NotEmptyValidator',
  );
}

/** Options of the v3 fakes (Radarr, Sonarr). */
export interface V3FakeOptions<Item, Entry> extends LibraryFakeOptions<Item, Entry> {
  /** Existing quality profile ids; default `[1]`. */
  qualityProfileIds?: number[];
  /** Existing root folders; default: the app's own (`/media/Movies`, `/media/Shows`). */
  rootFolders?: string[];
}

/**
 * The shared part of the v3 fakes (Radarr, Sonarr), validated against the projects' own specs: the
 * checks of an add (outside id, title, quality profile, root folder, duplicate) and
 * `POST /api/v3/command`, whose command fields the spec cannot describe.
 */
export abstract class V3ArrFake<Item extends FakeLibraryItem, Entry extends object> extends LibraryArrFake<
  Item,
  Entry
> {
  protected readonly qualityProfileIds: number[];
  protected readonly rootFolders: string[];
  /**
   * The fields of the app's commands that its spec cannot describe: `POST /api/v3/command` takes a
   * `CommandResource` (no extra properties allowed) but the server reads the body as the named
   * command's class. A command not named here is answered 400.
   */
  protected abstract readonly commandFields: Record<string, ExtraProperties>;

  /**
   * @param options - the fake's options
   * @param defaultRootFolder - the root folder when `options.rootFolders` names none
   */
  constructor(options: V3FakeOptions<Item, Entry>, defaultRootFolder: string) {
    super(options);
    this.qualityProfileIds = options.qualityProfileIds ?? [1];
    this.rootFolders = options.rootFolders ?? [defaultRootFolder];
  }

  /** The ids of the items a command is about (its own field, or the whole library). */
  protected abstract commandTargets(name: string, body: Record<string, unknown>): unknown[];

  protected override extraBodyProperties(req: FakeRequest): ExtraProperties | undefined {
    if (req.method !== 'POST' || req.path !== '/api/v3/command') return undefined;
    const name = (req.body as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? this.commandFields[name] : undefined;
  }

  /** The failures of an add, in the order the app reports them. */
  protected addFailures(body: Record<string, unknown>): ArrValidationFailure[] {
    const failures: ArrValidationFailure[] = [];
    const key = body[this.keyField] as number | undefined;
    const title = body.title as string | null | undefined;
    if (!key || key <= 0) failures.push(notEmpty(this.keyProperty, key ?? 0));
    if (!title) failures.push(notEmpty('Title', title ?? null));
    if (!this.qualityProfileIds.includes(body.qualityProfileId as number))
      failures.push(
        validationFailure(
          'QualityProfileId',
          'Quality Profile does not exist',
          body.qualityProfileId,
          'QualityProfileExistsValidator',
        ),
      );
    const rootFolderPath = body.rootFolderPath as string | undefined;
    if (!rootFolderPath || !this.rootFolders.includes(rootFolderPath))
      failures.push(
        validationFailure(
          'RootFolderPath',
          `Root folder '${rootFolderPath ?? ''}' does not exist`,
          rootFolderPath,
          'RootFolderExistsValidator',
        ),
      );
    failures.push(...this.existsFailures(key));
    return failures;
  }

  /** `POST /api/v3/command`: a command of {@link V3ArrFake.commandFields} (201), else 400. */
  protected async command(body: Record<string, unknown>): Promise<FakeResponse> {
    const name = body.name;
    if (typeof name !== 'string' || !(name in this.commandFields))
      return json({ message: `Unknown command: ${String(name)}` }, 400);
    return this.runCommand(name, body, this.commandTargets(name, body));
  }
}
/** A field of a request body, library item or catalog entry. */
export function field(record: unknown, name: string): unknown {
  return (record as Record<string, unknown>)[name];
}

/** A query or term value as the type of the record's outside id (a number for `tmdbId`). */
function asKeyOf(record: unknown, keyField: string, value: string): unknown {
  return typeof field(record, keyField) === 'number' ? Number(value) : value;
}

/** Next id of a fake's table (1, 2, 3, ...). */
export function nextId(items: { id: number }[]): number {
  return items.reduce((max, i) => Math.max(max, i.id), 0) + 1;
}

/** A lookup by term the way a metadata search behaves: any word of the term in the title. */
export function termMatches(term: string, title: string): boolean {
  const words = term
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !/^(19|20)\d\d$/.test(w));
  const t = title.toLowerCase();
  return words.some((w) => t.includes(w));
}

/** The command resource the apps answer a `POST /api/v3/command` with (201). */
export function commandResource(id: number, body: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  const name = String(body.name);
  return {
    id,
    name,
    commandName: name.replace(/([a-z])([A-Z])/g, '$1 $2'),
    body: { sendUpdatesToClient: true, updateScheduledTask: true, trigger: 'manual', ...body },
    priority: 'normal',
    status: 'queued',
    queued: now,
    trigger: 'manual',
    stateChangeTime: now,
    sendUpdatesToClient: true,
    updateScheduledTask: true,
  };
}

/**
 * A title as Sonarr and Radarr compare titles (their `CleanSeriesTitle`/`CleanMovieTitle`, in
 * short): lowercase letters and digits only, without the articles `a`, `an`, `the` and the word `and`.
 */
export function arrCleanTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/(?<=^|[^a-z0-9])(?:a|an|and|the)(?=[^a-z0-9]|$)/g, ' ')
    .replace(/[^a-z0-9]+/g, '');
}
