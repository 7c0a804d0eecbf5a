/**
 * Validation of requests against an OpenAPI 3.0 document, for the *arr fakes: the projects' own
 * specs in docs/contracts/ for Radarr and Sonarr, small documents written from ARR.md for Lidarr
 * and Readarr.
 *
 * {@link OpenApiValidator} finds the operation by method and path template and validates path and
 * query parameters and the JSON request body with Ajv, after turning the OpenAPI 3.0 schemas into
 * plain JSON Schema (`nullable` → a `null` type, `$ref`s into `#/components/schemas` kept).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import { projectRoot } from '../../lib/project.js';
import { header, type FakeRequest } from './http-fake.js';

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
