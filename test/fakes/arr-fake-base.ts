/**
 * The *arr layer of the fake Radarr, Sonarr, Lidarr and Readarr, on top of the generic
 * {@link HttpFake}: the API key check (`X-Api-Key` header or `?apikey=`; a bad one → 401 with an
 * empty body), validation of every request against an OpenAPI document (the projects' own specs in
 * docs/contracts/ for Radarr and Sonarr), the FluentValidation error array of ARR.md, and a log
 * of every request with whether it passed the spec.
 *
 * {@link OpenApiValidator} finds the operation by method and path template and validates path and
 * query parameters and the JSON request body with Ajv, after turning the OpenAPI 3.0 schemas into
 * plain JSON Schema (`nullable` → a `null` type, `$ref`s into `#/components/schemas` kept).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import { projectRoot } from '../../lib/project.js';
import { empty, header, HttpFake, json, type FakeRequest, type FakeResponse } from './http-fake.js';

/** The Radarr and Sonarr OpenAPI specs: kept in docs/contracts/ with where each came from (docs/contracts/SOURCES.md, checked by test/unit/contracts.test.ts). */
export function contractPath(file: string): string {
  return path.join(projectRoot(), 'docs', 'contracts', file);
}

/** The part of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
}

/** The result of checking one request against a spec. */
export interface SpecCheck {
  /** `POST /api/v3/movie` as the spec names it, or `undefined` when no operation matches. */
  operation?: string;
  valid: boolean;
  /** One line per problem, e.g. `body.addOptions: has unknown property "searchForMovies"`. */
  problems: string[];
}

/** Extra body properties an operation's body accepts beyond the spec's schema. */
export type ExtraProperties = Record<string, Record<string, unknown>>;

/** What the validator needs of Ajv; the same in Ajv 6 and 8, whichever `ajv` resolves to. */
interface AjvError {
  keyword: string;
  /** Ajv 8. */
  instancePath?: string;
  /** Ajv 6. */
  dataPath?: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvLike {
  addSchema(schema: object, key?: string): unknown;
  addFormat(
    name: string,
    format: { type: 'number' | 'string'; validate: (value: never) => boolean },
  ): unknown;
  compile(schema: object): AjvValidate;
}
const Ajv = AjvModule as unknown as new (options: Record<string, unknown>) => AjvLike;

const SPEC_ID = 'openapi';
/** JSON Schema keywords kept from OpenAPI schemas; the rest (`nullable`, `example`, `deprecated`, ...) are OpenAPI's own. */
const JSON_SCHEMA_KEYWORDS = new Set([
  'type',
  'enum',
  'format',
  'items',
  'additionalProperties',
  'required',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/** An OpenAPI 3.0 schema as JSON Schema, with `$ref`s pointing into the registered spec. */
function toJsonSchema(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const schema = node as Record<string, unknown>;
  if (typeof schema.$ref === 'string') {
    // OpenAPI 3.0 ignores the siblings of a $ref, except that tools honour `nullable`.
    const ref = { $ref: schema.$ref.startsWith('#') ? `${SPEC_ID}${schema.$ref}` : schema.$ref };
    return schema.nullable === true ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null)
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf')
      out[key] = (value as unknown[]).map(toJsonSchema);
    else if (key === 'items' || key === 'additionalProperties' || key === 'not')
      out[key] = toJsonSchema(value);
    else if (JSON_SCHEMA_KEYWORDS.has(key)) out[key] = value;
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Turns a query or path value into what its schema's type expects, so the schema can judge it. */
function coerce(value: string, schema: Record<string, unknown>): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function describeError(prefix: string, e: AjvError): string {
  const raw = e.instancePath ?? e.dataPath ?? '';
  const where = raw
    .replace(/\[['"]?([^'"\]]+)['"]?\]/g, '.$1')
    .replace(/\//g, '.')
    .replace(/^\./, '');
  const at = where ? `${prefix}.${where}` : prefix;
  if (e.keyword === 'additionalProperties')
    return `${at}: has unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'enum')
    return `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * Validates requests against an OpenAPI 3.0 document: the operation is found by method and path
 * template (literal segments win over `{params}`); path and query parameters are coerced from
 * strings and checked against their schemas (undeclared query parameters are problems, except the
 * `apikey` of the security schemes); a JSON body is checked against the operation's schema.
 */
export class OpenApiValidator {
  private readonly ajv: AjvLike;
  private readonly routes: {
    method: string;
    template: string;
    regex: RegExp;
    literals: number;
    op: OpenApiOperation;
  }[] = [];
  private readonly compiled = new Map<string, AjvValidate>();
  /** The spec's component schemas as JSON Schema. */
  private readonly components: Record<string, unknown>;

  /**
   * @param spec - the OpenAPI document (e.g. `radarr-v3-openapi.json`)
   * @param name - for messages, e.g. `Radarr v3 spec`
   */
  constructor(
    spec: OpenApiDocument,
    readonly name: string,
  ) {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX,
    });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    for (const f of ['float', 'double']) this.ajv.addFormat(f, { type: 'number', validate: () => true });
    this.ajv.addFormat('date-time', {
      type: 'string',
      validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)),
    });
    // .NET TimeSpan: [d.]hh:mm:ss[.fffffff]
    this.ajv.addFormat('date-span', {
      type: 'string',
      validate: (s: string) => /^-?(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d+)?$/.test(s),
    });
    this.components = Object.fromEntries(
      Object.entries(spec.components?.schemas ?? {}).map(([k, v]) => [k, toJsonSchema(v)]),
    );
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas: this.components } }, SPEC_ID);
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters' || typeof op !== 'object' || op === null) continue;
        const segments = template.split('/');
        const pattern = segments
          .map((s) => (/^\{.+\}$/.test(s) ? '([^/]+)' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('/');
        this.routes.push({
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${pattern}$`),
          literals: segments.filter((s) => !/^\{.+\}$/.test(s)).length,
          op: op as OpenApiOperation,
        });
      }
    }
  }

  /**
   * Checks one request.
   *
   * @param extraBodyProperties - properties the body may carry beyond its schema (for polymorphic
   *   bodies the spec cannot describe, such as a command's own fields)
   */
  check(req: FakeRequest, extraBodyProperties?: ExtraProperties): SpecCheck {
    const candidates = this.routes
      .filter((r) => r.method === req.method && r.regex.test(req.path))
      .sort((a, b) => b.literals - a.literals);
    const route = candidates[0];
    if (!route)
      return {
        valid: false,
        problems: [`${req.method} ${req.path} is not an operation of the ${this.name}`],
      };
    const operation = `${route.method} ${route.template}`;
    const problems: string[] = [];
    const parameters = route.op.parameters ?? [];

    const names = [...route.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const values = route.regex.exec(req.path)!.slice(1);
    names.forEach((name, i) => {
      const param = parameters.find((p) => p.in === 'path' && p.name === name);
      if (param?.schema) this.checkValue(`path.${name}`, values[i]!, param.schema, problems);
    });

    for (const [name, given] of Object.entries(req.query)) {
      if (name === 'apikey') continue;
      const param = parameters.find((p) => p.in === 'query' && p.name === name);
      if (!param) {
        problems.push(`query.${name}: not a parameter of ${operation}`);
        continue;
      }
      const schema = param.schema ?? {};
      if (schema.type === 'array') {
        const items = (schema.items ?? {}) as Record<string, unknown>;
        this.validate(
          `query.${name}`,
          given.map((v) => coerce(v, items)),
          schema,
          problems,
        );
      } else if (given.length > 1)
        problems.push(`query.${name}: given ${given.length} times, takes one value`);
      else this.checkValue(`query.${name}`, given[0]!, schema, problems);
    }
    for (const param of parameters)
      if (param.in === 'query' && param.required && !(param.name in req.query))
        problems.push(`query.${param.name}: required`);

    const content = route.op.requestBody?.content;
    if (req.body !== undefined) {
      const contentType = (header(req.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const media = content?.[contentType];
      if (!content) problems.push(`body: ${operation} takes no body`);
      else if (!media)
        problems.push(`body: content type "${contentType}" is not one of ${Object.keys(content).join(', ')}`);
      else if (media.schema) this.validate('body', req.body, media.schema, problems, extraBodyProperties);
    } else if (route.op.requestBody?.required) problems.push('body: required');
    return { operation, valid: problems.length === 0, problems };
  }

  private checkValue(at: string, value: string, schema: Record<string, unknown>, problems: string[]): void {
    this.validate(at, coerce(value, schema), schema, problems);
  }

  private validate(
    at: string,
    data: unknown,
    schema: Record<string, unknown>,
    problems: string[],
    extra?: ExtraProperties,
  ): void {
    const key = JSON.stringify([schema, extra ?? null]);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.withExtra(toJsonSchema(schema) as Record<string, unknown>, extra));
      this.compiled.set(key, validate);
    }
    if (!validate(data)) problems.push(...(validate.errors ?? []).map((e) => describeError(at, e)));
  }

  /** The schema, its top-level object (one `$ref` deep) widened by `extra` properties. */
  private withExtra(schema: Record<string, unknown>, extra?: ExtraProperties): Record<string, unknown> {
    if (!extra) return schema;
    const ref = typeof schema.$ref === 'string' ? schema.$ref : undefined;
    const prefix = `${SPEC_ID}#/components/schemas/`;
    if (!ref?.startsWith(prefix)) return schema;
    const target = (this.components[ref.slice(prefix.length)] ?? {}) as Record<string, unknown>;
    const properties = { ...(target.properties as Record<string, unknown>) };
    for (const [k, v] of Object.entries(extra)) properties[k] = toJsonSchema(v);
    return { ...target, properties };
  }

  /** Reads a spec file (e.g. {@link contractPath}`('radarr-v3-openapi.json')`). */
  static load(file: string, name: string): OpenApiValidator {
    return new OpenApiValidator(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument, name);
  }
}

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

/** The specs of docs/contracts/ already read, by file name (each is read once per process). */
const loadedSpecs = new Map<string, OpenApiValidator>();

/** The validator of a spec of docs/contracts/ (e.g. `radarr-v3-openapi.json`), read once. */
export function contractValidator(file: string, name: string): OpenApiValidator {
  let validator = loadedSpecs.get(file);
  if (!validator) {
    validator = OpenApiValidator.load(contractPath(file), name);
    loadedSpecs.set(file, validator);
  }
  return validator;
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

/** What the v1 fakes (Lidarr, Readarr) keep of an item besides its outside id and name. */
export interface FakeNamedItem extends FakeLibraryItem {
  monitorNewItems: string;
  qualityProfileId: number;
  metadataProfileId: number;
  rootFolderPath: string;
  path: string;
  addOptions?: Record<string, unknown>;
}

/**
 * The shared part of the small v1 fakes (Lidarr, Readarr), whose items are a foreign id and a name:
 * `GET /api/v1/<resource>` (optionally filtered), `GET .../lookup` (an id term or words of the name),
 * `POST /api/v1/<resource>` → 201, `PUT .../editor` → 202, `POST /api/v1/command` (the refresh
 * command, which asks `fileExists`) → 201. The subclasses hold the contract and its names.
 */
export abstract class NamedArrFake<Item extends FakeNamedItem, Entry extends object> extends LibraryArrFake<
  Item,
  Entry
> {
  /** The resource below `/api/v1`: `artist`, `author`. */
  protected abstract readonly resource: string;
  /** The query parameter that filters the list by outside id (`mbId`), or `undefined` when there is none. */
  protected abstract readonly listFilter: string | undefined;
  /** A lookup term naming an outside id, capturing it: `/^lidarr:(.+)$/i`. */
  protected abstract readonly idTerm: RegExp;
  /** The ids field of the editor body: `artistIds`. */
  protected abstract readonly editorIdsField: string;
  /** The refresh command (`RefreshArtist`) and its id field (`artistId`). */
  protected abstract readonly refreshCommand: { name: string; idField: string };

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    const items = `/api/v1/${this.resource}`;
    switch (`${req.method} ${req.path}`) {
      case `GET ${items}`:
        return json(this.listed(this.listFilter === undefined ? undefined : req.query[this.listFilter]?.[0]));
      case `GET ${items}/lookup`:
        return json(this.searchCatalog(req.query.term?.[0] ?? '', this.idTerm));
      case `POST ${items}`:
        return this.add(req.body as Record<string, unknown>);
      case `PUT ${items}/editor`:
        return json(this.setMonitored(req.body, this.editorIdsField), 202);
      case 'POST /api/v1/command': {
        const b = req.body as Record<string, unknown>;
        return this.runCommand(this.refreshCommand.name, b, [b[this.refreshCommand.idField]]);
      }
      default:
        return empty(404);
    }
  }

  private add(b: Record<string, unknown>): FakeResponse {
    const failures: ArrValidationFailure[] = [];
    const key = b[this.keyField] as string | undefined;
    if (!key) failures.push(notEmpty(this.keyProperty, null));
    for (const f of ['qualityProfileId', 'metadataProfileId'] as const)
      if (!b[f]) failures.push(notEmpty(f, b[f], f));
    if (!b.rootFolderPath && !b.path) failures.push(notEmpty('Path', null));
    failures.push(...this.existsFailures(key));
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => field(c, this.keyField) === key);
    const name =
      (known && (field(known, this.nameField) as string | undefined)) ?? (b[this.nameField] as string);
    const rootFolderPath = (b.rootFolderPath as string | undefined) ?? '';
    const item = {
      id: nextId(this.library),
      [this.keyField]: key,
      [this.nameField]: name,
      monitored: (b.monitored as boolean | undefined) ?? true,
      monitorNewItems: (b.monitorNewItems as string | undefined) ?? 'all',
      hasFile: false,
      qualityProfileId: b.qualityProfileId as number,
      metadataProfileId: b.metadataProfileId as number,
      rootFolderPath,
      path: (b.path as string | undefined) ?? `${rootFolderPath}/${name}`,
      addOptions: b.addOptions as Record<string, unknown> | undefined,
    } as unknown as Item;
    this.library.push(item);
    return json(item, 201);
  }
}

/** A field of a request body, library item or catalog entry. */
function field(record: unknown, name: string): unknown {
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
