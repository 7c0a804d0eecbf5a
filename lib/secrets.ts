/**
 * The one redaction rule for everything vaultarr prints or logs: config fields marked secret in the
 * config schema (`lib/config.ts`), credentials inside URLs and rclone connection strings, bearer and
 * vaultarr tokens, and every secret value the loaded config holds, wherever it shows up in a line.
 */
import { z } from 'zod';

/**
 * How a config field is secret:
 * - `value`: the whole value (a token, password, API key) is replaced.
 * - `credentials`: a URL or rclone remote that may carry credentials (`user:pass@` in a URL, an
 *   inline `pass='...'` of an on-the-fly rclone remote); only those parts are replaced.
 * - `flags`: a list of rclone flags; the values of secret ones (`--webdav-pass X`,
 *   `--sftp-pass=Y`, see {@link isSecretRcloneFlag}) are replaced.
 */
export type SecretKind = 'value' | 'credentials' | 'flags';

/**
 * Whether an rclone flag holds a secret: a password, token, key or client secret of any backend
 * (`--webdav-pass`, `--webdav-bearer-token`, `--s3-secret-access-key`, `--drive-client-secret`,
 * `--crypt-password2`, `--sftp-key-pem`, ...).
 *
 * @param flag - the flag with its dashes, without a value (`--webdav-pass`)
 */
export function isSecretRcloneFlag(flag: string): boolean {
  return /^--[\w-]*?(?:^|-)(?:pass|password2?|token|secret|key|key-pem|key-file-pass|sas-url|secret-access-key|session-token|client-secret|bearer-token|api-key|app-key|app-secret|service-account-credentials)$/.test(
    flag,
  );
}

/**
 * Splits rclone flags into the ones that may go on a command line and the secret ones, which go to
 * rclone through its environment instead (`--webdav-pass X` → `RCLONE_WEBDAV_PASS=X`, rclone's
 * own rule for every flag): a command line is readable by every user of the machine (`ps`).
 *
 * @param flags - e.g. `vault.extraFlags`; `--flag value` and `--flag=value` forms
 * @returns `args` (non-secret flags, in order), `env` (secret flags as variables) and `secrets`
 *   (their values, for redaction)
 */
export function splitRcloneFlags(flags: readonly string[]): {
  args: string[];
  env: Record<string, string>;
  secrets: string[];
} {
  const args: string[] = [];
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const eq = flag.indexOf('=');
    const name = eq > 0 ? flag.slice(0, eq) : flag;
    if (!flag.startsWith('--') || !isSecretRcloneFlag(name)) {
      args.push(flag);
      continue;
    }
    const value = eq > 0 ? flag.slice(eq + 1) : (flags[++i] ?? '');
    env[`RCLONE_${name.slice(2).toUpperCase().replace(/-/g, '_')}`] = value;
    secrets.push(value);
  }
  return { args, env, secrets };
}

/** A list of rclone flags with the values of secret ones replaced by `***`. */
export function redactRcloneFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const eq = flag.indexOf('=');
    const name = eq > 0 ? flag.slice(0, eq) : flag;
    if (!flag.startsWith('--') || !isSecretRcloneFlag(name)) out.push(flag);
    else if (eq > 0) out.push(`${name}=${REDACTED}`);
    else if (i + 1 < flags.length) {
      out.push(flag, REDACTED);
      i++;
    } else out.push(flag);
  }
  return out;
}

/** Registry of the config schema's secret fields (see {@link secret}). */
export const secretFields = z.registry<{ secret: SecretKind }>();

/**
 * Marks a config schema field as secret; call it on the field's own schema, before `.optional()`
 * or `.default()`.
 *
 * @returns the same schema, registered in {@link secretFields}
 */
export function secret<T extends z.ZodType>(schema: T, kind: SecretKind = 'value'): T {
  secretFields.add(schema as z.ZodType, { secret: kind });
  return schema;
}

/** Where a secret field sits in the config: keys, `*` standing for any array index or record key. */
export interface SecretPath {
  path: string[];
  kind: SecretKind;
}

/**
 * Every secret field of a schema, found by walking objects, arrays, records, unions and the
 * optional/default/prefault/pipe wrappers around them.
 *
 * @param schema - e.g. the config schema
 * @returns paths such as `{ path: ['mediaServers', '*', 'token'], kind: 'value' }`
 */
export function secretPathsOf(schema: z.ZodType): SecretPath[] {
  const found: SecretPath[] = [];
  const walk = (s: z.ZodType, at: string[]): void => {
    const meta = secretFields.get(s);
    if (meta) {
      found.push({ path: at, kind: meta.secret });
      return;
    }
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'object':
        for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>))
          walk(child, [...at, key]);
        return;
      case 'array':
        walk(def.element as z.ZodType, [...at, '*']);
        return;
      case 'record':
        walk(def.valueType as z.ZodType, [...at, '*']);
        return;
      case 'union':
        for (const option of def.options as z.ZodType[]) walk(option, at);
        return;
      case 'pipe':
        walk(def.in as z.ZodType, at);
        return;
      default:
        if (def.innerType) walk(def.innerType as z.ZodType, at);
    }
  };
  walk(schema, []);
  // A field reached through several union options is listed once.
  return [...new Map(found.map((f) => [`${f.path.join('.')}:${f.kind}`, f])).values()];
}

/** What a redacted secret is replaced with. */
export const REDACTED = '***';

/** rclone backend options that hold secrets (`pass='…'` in an on-the-fly remote, `token=` in a URL query). */
const SECRET_PARAMS = [
  'pass',
  'password',
  'password2',
  'token',
  'x-plex-token',
  'api_key',
  'apikey',
  'app_key',
  'app_secret',
  'client_secret',
  'secret_access_key',
  'session_token',
  'account_key',
  'key',
  'sas_url',
  'bearer_token',
];
const PATTERNS: Array<[RegExp, string]> = [
  // user:password@ in any URL (postgres://, http://, inside rclone remotes).
  [/([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*):[^\s@/'"]+@/gi, `$1:${REDACTED}@`],
  // name=value parameters: rclone connection strings, URL queries; quoted ('' / "" escape a quote) or bare.
  [
    new RegExp(
      `(\\b(?:${SECRET_PARAMS.join('|')})\\s*=\\s*)('(?:[^']|'')*'|"(?:[^"\\\\]|""|\\\\.)*"|[^,:&'"\\s]+)`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // vaultarr API tokens (`vaultarr token create`, peers' tokens).
  [/\bvt_[A-Za-z0-9_-]{16,}/g, `vt_${REDACTED}`],
];

const known = new Set<string>();

/**
 * Remembers secret values (from the loaded config) so that {@link redactText} replaces them
 * wherever they appear: in a log line, an error message, a child process's output. Values shorter
 * than 4 characters are ignored (they would redact ordinary words).
 */
export function rememberSecrets(values: Iterable<string>): void {
  for (const v of values) {
    if (v.length < 4) continue;
    known.add(v);
    // As it appears inside a JSON string (a log line).
    known.add(JSON.stringify(v).slice(1, -1));
  }
}

/**
 * Redacts a text: every remembered secret value, URL credentials, secret `name=value` parameters
 * (rclone connection strings, URL queries), `Bearer`/`Basic` credentials and vaultarr tokens.
 *
 * @returns the text with each secret replaced by `***`
 */
export function redactText(text: string): string {
  let out = text;
  for (const value of [...known].sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Applies secret paths to a value (a config): `value` fields become `***`, `credentials` fields are
 * passed through {@link redactText}. The input is not changed.
 *
 * @returns a redacted deep copy
 */
export function redactFields<T>(value: T, paths: SecretPath[]): T {
  const copy = structuredClone(value) as unknown;
  const apply = (node: unknown, path: string[], kind: SecretKind): unknown => {
    if (node === undefined || node === null) return node;
    if (path.length === 0)
      return kind === 'value'
        ? REDACTED
        : kind === 'flags'
          ? Array.isArray(node)
            ? redactRcloneFlags(node as string[])
            : node
          : redactText(String(node));
    const [key, ...rest] = path as [string, ...string[]];
    if (typeof node !== 'object') return node;
    const target = node as Record<string, unknown>;
    const keys = key === '*' ? Object.keys(target) : [key];
    for (const k of keys) if (k in target) target[k] = apply(target[k], rest, kind);
    return node;
  };
  for (const p of paths) apply(copy, p.path, p.kind);
  return copy as T;
}

/**
 * The values at secret paths (for {@link rememberSecrets}): whole `value` fields, and the password
 * parts of `credentials` fields.
 */
export function secretValues(value: unknown, paths: SecretPath[]): string[] {
  const values: string[] = [];
  const collect = (node: unknown, path: string[], kind: SecretKind): void => {
    if (node === undefined || node === null) return;
    if (path.length === 0) {
      if (kind === 'flags') {
        if (Array.isArray(node)) values.push(...splitRcloneFlags(node as string[]).secrets);
        return;
      }
      if (typeof node !== 'string') return;
      if (kind === 'value') values.push(node);
      else values.push(...credentialsIn(node));
      return;
    }
    if (typeof node !== 'object') return;
    const [key, ...rest] = path as [string, ...string[]];
    const target = node as Record<string, unknown>;
    for (const k of key === '*' ? Object.keys(target) : [key]) collect(target[k], rest, kind);
  };
  for (const p of paths) collect(value, p.path, p.kind);
  return values;
}

/** The credentials inside a URL or rclone remote string: URL passwords and secret parameter values. */
function credentialsIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*:([^\s@/'"]+)@/gi)) found.push(m[1]!);
  const params = new RegExp(
    `\\b(?:${SECRET_PARAMS.join('|')})\\s*=\\s*('(?:[^']|'')*'|"(?:[^"]|"")*"|[^,:&'"\\s]+)`,
    'gi',
  );
  for (const m of text.matchAll(params)) {
    const raw = m[1]!;
    found.push(
      raw.startsWith("'")
        ? raw.slice(1, -1).replace(/''/g, "'")
        : raw.startsWith('"')
          ? raw.slice(1, -1)
          : raw,
    );
  }
  return found;
}
