/**
 * `npm run docs:config`: writes `docs/configuration.md`, the configuration reference, from the zod
 * schema in `lib/config.ts` — every key with its dotted path, type, default, environment variable and
 * description (`.describe()` / `.meta({ description, defaultText })` on the key's schema). A test
 * (`test/unit/docs.test.ts`) renders it again and fails when the committed file differs, so the
 * reference cannot miss a key.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { ConfigSchema, envVariableOf } from '../lib/config.js';
import { projectRoot } from '../lib/project.js';
import { secretFields, type SecretKind } from '../lib/secrets.js';

/** Where the reference is written, relative to the repository root. */
export const CONFIG_REFERENCE_PATH = 'docs/configuration.md';

/** One key of the configuration, as the reference shows it. */
export interface ConfigKey {
  /** Keys from the root; `[]` stands for "every element of this list", e.g. `['mediaServers', '[]', 'url']`. */
  path: string[];
  /** Readable type, e.g. `integer ≥ 1`, `list of string`, `object`. */
  type: string;
  /** Whether the key holds further keys (an object, or a list of objects). */
  hasChildren: boolean;
  /** The default as the reference shows it; `unset` when the key has none. */
  defaultText: string;
  description: string;
  secret?: SecretKind;
}

type Def = Record<string, unknown> & { type: string };
const defOf = (s: z.ZodType): Def => s._zod.def as unknown as Def;

/** The schema's metadata (`.describe()` / `.meta()`), read from every wrapper around a key, outermost first. */
interface KeyMeta {
  description?: string;
  defaultText?: string;
}

/**
 * Every key of a schema in document order: objects and lists of objects first, then their keys.
 *
 * @param schema - the config schema (an object schema)
 * @returns one {@link ConfigKey} per key, objects and lists included
 */
export function configKeys(schema: z.ZodType = ConfigSchema): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const walk = (outer: z.ZodType, at: string[]): void => {
    const wrappers = layers(outer);
    const s = wrappers.at(-1)!;
    const def = defOf(s);
    const first = <T>(pick: (layer: z.ZodType) => T | undefined): T | undefined =>
      wrappers.map(pick).find((v) => v !== undefined);
    const meta = (layer: z.ZodType): KeyMeta | undefined =>
      z.globalRegistry.get(layer) as KeyMeta | undefined;
    const withDefault = wrappers.find((layer) => defOf(layer).type === 'default');
    const optional = wrappers.some((layer) => defOf(layer).type === 'optional');
    const element = def.type === 'array' ? layers(def.element as z.ZodType).at(-1)! : undefined;
    const childObject =
      def.type === 'object' ? s : element && defOf(element).type === 'object' ? element : undefined;
    if (at.length > 0)
      keys.push({
        path: at,
        type: typeText(s),
        hasChildren: childObject !== undefined,
        defaultText:
          first((layer) => meta(layer)?.defaultText) ??
          (withDefault
            ? valueText(defOf(withDefault).defaultValue)
            : optional
              ? 'unset'
              : childObject === s
                ? ''
                : 'required'),
        description: first((layer) => meta(layer)?.description) ?? '',
        secret:
          first((layer) => secretFields.get(layer)?.secret) ??
          (element && secretFields.get(def.element as z.ZodType)?.secret),
      });
    if (!childObject) return;
    const inner = childObject === s ? at : [...at, '[]'];
    for (const [key, child] of Object.entries(defOf(childObject).shape as Record<string, z.ZodType>))
      walk(child, [...inner, key]);
  };
  walk(schema, []);
  return keys;
}

/** A schema and the schemas it wraps (optional, default, prefault, pipe, ...), outermost first. */
function layers(s: z.ZodType): z.ZodType[] {
  const def = defOf(s);
  const inner = (def.type === 'pipe' ? def.in : def.innerType) as z.ZodType | undefined;
  return inner ? [s, ...layers(inner)] : [s];
}

/** A readable type, with the bounds a user must respect (`integer 1-65535`, `number > 0`). */
function typeText(outer: z.ZodType): string {
  const def = defOf(layers(outer).at(-1)!);
  switch (def.type) {
    case 'string':
      return def.format === 'url' ? 'URL' : 'string';
    case 'number': {
      const checks = ((def.checks ?? []) as Array<{ _zod: { def: Record<string, unknown> } }>).map(
        (c) => c._zod.def,
      );
      const name = checks.some((c) => c.check === 'number_format') ? 'integer' : 'number';
      const min = checks.find((c) => c.check === 'greater_than');
      const max = checks.find((c) => c.check === 'less_than');
      if (min?.inclusive && max?.inclusive) return `${name} ${String(min.value)}-${String(max.value)}`;
      const bounds = [
        min && `${min.inclusive ? '≥' : '>'} ${String(min.value)}`,
        max && `${max.inclusive ? '≤' : '<'} ${String(max.value)}`,
      ];
      return [name, ...bounds.filter(Boolean)].join(' ');
    }
    case 'boolean':
      return 'boolean';
    case 'enum':
      return `one of ${Object.values(def.entries as Record<string, string>)
        .map((v) => `\`${v}\``)
        .join(', ')}`;
    case 'array':
      return `list of ${typeText(def.element as z.ZodType).replace(/^one of/, 'any of')}`;
    case 'union':
      return (def.options as z.ZodType[]).map(typeText).join(' or ');
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

/** A default as YAML would write it, in backticks. */
function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : `\`[${value.join(', ')}]\``;
  return `\`${String(value)}\``;
}

/** The environment variable of a key, or why there is none (keys inside lists). */
function envText(key: ConfigKey): string {
  const list = key.path.indexOf('[]');
  if (list === -1) return `\`${envVariableOf(key.path)}\``;
  return `the whole list: \`${envVariableOf(key.path.slice(0, list))}\``;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(keys: ConfigKey[]): string {
  const rows = keys.map((key) => {
    const secret =
      key.secret === 'value' ? ' (secret)' : key.secret === 'credentials' ? ' (credentials hidden)' : '';
    return `| ${[
      `\`${key.path.join('.').replace(/\.\[\]/g, '[]')}\`<br>${envText(key)}`,
      `${key.type}${secret}`,
      key.defaultText,
      key.description,
    ]
      .map(cell)
      .join(' | ')} |`;
  });
  return [
    '| key / environment variable | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const INTRO = `# Configuration reference

<!-- Generated by \`npm run docs:config\` from the schema in lib/config.ts: edit the schema's
\`.describe()\` texts, not this file. A test fails when this file is out of date. -->

vaultarr reads one YAML file, \`vaultarr.yml\` in the working directory or the path in
\`VAULTARR_CONFIG\`, plus environment overrides. Every key is optional: without a file, vaultarr
runs on the embedded defaults under \`./data\`. [\`vaultarr.example.yml\`](../vaultarr.example.yml)
lists every key below with its default and a comment.

**Environment overrides.** \`VAULTARR_<KEY>\` for a top-level key and \`VAULTARR_<SECTION>__<KEY>\`
(double underscore between levels) for a nested one, in upper snake case:
\`VAULTARR_HOST_ID=pi-1\`, \`VAULTARR_API__PORT=9000\`, \`VAULTARR_VAULT__REMOTE=gdrive:Media\`,
\`VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS=120\`. Values are read as YAML scalars (\`9000\`
is a number, \`true\` a boolean), \`[...]\` and \`{...}\` as YAML lists and mappings
(\`VAULTARR_VAULT__EXTRA_FLAGS='["--transfers", "8"]'\`), anything else as the string written (so
an rclone remote such as \`:webdav,url='http://h:1':\` stays a string). Keys inside a list (such as
\`mediaServers[].url\`) have no variable of their own: set the whole list. \`DATABASE_URL\` sets
\`database.url\`.

**Errors.** A bad configuration is reported whole, every wrong key with its path (and the variable
it came from), and the command exits 1:

\`\`\`
vaultarr: invalid configuration in /srv/vaultarr/vaultarr.yml
  - vault.verifyAttempts: Invalid input: expected number, received string
  - nope: unknown key
\`\`\`

**Secrets.** \`vaultarr config\` prints the valid configuration. Secrets never appear in output:
keys marked _secret_ below (media-server tokens and passwords, *arr API keys, Apprise URLs) and
the credentials inside keys marked _credentials hidden_ (\`user:pass@\` in URLs such as
\`database.url\`, \`pass='…'\` in rclone remotes) are shown as \`***\` by \`vaultarr config\`, in
every log line and in error messages.
`;

/**
 * The whole reference, formatted as Prettier formats the repository's Markdown.
 *
 * @param schema - the config schema (default: vaultarr's)
 * @returns the Markdown text of `docs/configuration.md`
 */
export async function renderConfigReference(schema: z.ZodType = ConfigSchema): Promise<string> {
  const keys = configKeys(schema);
  const topLevel = keys.filter((k) => k.path.length === 1 && !k.hasChildren);
  const sections = keys.filter((k) => k.path.length === 1 && k.hasChildren);
  const parts = [INTRO, '## General', table(topLevel)];
  for (const section of sections) {
    const name = section.path[0]!;
    parts.push(
      `## \`${name}\``,
      section.description,
      table(
        keys.filter(
          (k) => (k === section && k.type !== 'object') || (k.path[0] === name && k.path.length > 1),
        ),
      ),
    );
  }
  const text = `${parts.filter(Boolean).join('\n\n')}\n`;
  const file = path.join(projectRoot(), CONFIG_REFERENCE_PATH);
  return format(text, { ...(await resolveConfig(file)), parser: 'markdown' });
}

async function main(): Promise<void> {
  const file = path.join(projectRoot(), CONFIG_REFERENCE_PATH);
  writeFileSync(file, await renderConfigReference());
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
