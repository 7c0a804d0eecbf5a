/**
 * Configuration: `vaultarr.yml` (path from `VAULTARR_CONFIG`, else `./vaultarr.yml` when present)
 * plus `VAULTARR_*` environment overrides, validated with zod. Every problem is reported at once as
 * `key.path: message`, and the entry point exits 1.
 *
 * Environment overrides: `VAULTARR_<KEY>` for a top-level key and `VAULTARR_<SECTION>__<KEY>` for a
 * nested one, in SCREAMING_SNAKE_CASE (`VAULTARR_HOST_ID`, `VAULTARR_API__PORT`,
 * `VAULTARR_VAULT__REMOTE`). `8080` is a number, `true` a boolean, `["--bwlimit", "8M"]` a list,
 * anything else a string. `DATABASE_URL` sets `database.url`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../domain/notifications.js';
import { UserError } from './errors.js';
import { redactFields, rememberSecrets, secret, secretPathsOf, secretValues } from './secrets.js';

const port = z
  .number()
  .int()
  .min(1, 'must be a TCP port (1-65535)')
  .max(65535, 'must be a TCP port (1-65535)');
const seconds = z.number().positive('must be a positive number of seconds');

/** Default of `webhooks.dedupeWindowMinutes`: the same webhook body again within it is a duplicate. */
export const DEFAULT_DEDUPE_WINDOW_MINUTES = 10;

/** Default of `metrics.port`: where a worker serves `/metrics` (the port Prometheus exporters of workers often use). */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

/**
 * Default of `vault.quotaPauseHours`: how long this host's copies pause once the remote says the
 * account's upload quota is exhausted (Google Drive's daily quota resets within a day; cloudplow
 * sleeps 6 hours as well).
 */
export const DEFAULT_QUOTA_PAUSE_HOURS = 6;

/** One *arr app of this instance (where peers' items are added unmonitored). */
const arrApp = z.strictObject({
  url: secret(z.url('must be an http(s) URL'), 'credentials'),
  apiKey: secret(z.string().min(1)),
  qualityProfileId: z.number().int().min(1),
  rootFolderPath: z.string().min(1),
  /** Also set an item the *arr already has to unmonitored (default: leave its monitoring alone). */
  unmonitorExisting: z.boolean().default(false),
});

const ConfigSchema = z.strictObject({
  hostId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-" (it names a task queue)')
    .default(() => hostname()),
  dataDir: z.string().min(1).default('./data'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  library: z
    .strictObject({
      /** The fast local disk (`.Local`); `Incoming/`, `Movies/`, `Shows/`, `Unsorted/` live under it. */
      localRoot: z.string().min(1).optional(),
    })
    .prefault({}),
  vault: z
    .strictObject({
      /** Any rclone remote spec (`gdrive:Media`, `:webdav,url=...:`) or a local directory. */
      remote: secret(z.string().min(1), 'credentials').optional(),
      /** rclone config file; default: rclone's own (`~/.config/rclone/rclone.conf`). */
      rcloneConfig: z.string().min(1).optional(),
      rcloneBinary: z.string().min(1).default('rclone'),
      /**
       * Run copies, stats and read-backs through one long-lived `rclone rcd` per process (default)
       * instead of one rclone process per call.
       */
      rcloneDaemon: z.boolean().default(true),
      /** Upload bandwidth limit in rclone's `--bwlimit` syntax: `8M`, or a timetable `"08:00,2M 23:00,off"`. */
      bwLimit: z.string().min(1).optional(),
      /** Extra flags for every rclone copy, e.g. `["--transfers", "8"]`. */
      extraFlags: z.array(z.string()).default([]),
      verifyAttempts: z.number().int().min(1).max(20).default(3),
      /** Copies start only inside this daily window of the host's local time, e.g. `{ start: "01:00", end: "07:00" }`. */
      uploadWindow: z
        .strictObject({
          start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'),
          end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'),
        })
        .optional(),
      copyHeartbeatTimeoutSeconds: seconds.default(30),
      /**
       * When the remote says the account's rate or daily upload quota is exhausted (Google's
       * `userRateLimitExceeded`, `uploadLimitExceeded`, `quotaExceeded`, HTTP 429), this host's
       * copies pause for this many hours, then resume by themselves.
       */
      quotaPauseHours: z.number().positive().default(DEFAULT_QUOTA_PAUSE_HOURS),
      /**
       * Stream-aware throttling (as cloudplow's): the worker polls the Plex, Jellyfin and Emby
       * servers of `mediaServers` for remote streams playing, and while there are at least
       * `minStreams`, the rclone daemon's upload limit is `bwLimit`; the configured
       * `vault.bwLimit` (or none) comes back when they end. Needs `rcloneDaemon` (the default).
       */
      throttle: z
        .strictObject({
          /** Upload limit while throttled: one rate in `--bwlimit` syntax, e.g. `2M` (no timetable). */
          bwLimit: z
            .string()
            .regex(/^[^\s,]+$/, 'must be one rate in --bwlimit syntax, e.g. "2M" (no timetable)'),
          /** Remote streams playing (all servers together) at which uploads are throttled. */
          minStreams: z.number().int().min(1).default(1),
          /** How often the media servers are asked for their sessions, in seconds. */
          pollSeconds: seconds.default(30),
        })
        .optional(),
      trash: z
        .strictObject({
          /** Folder at the remote's root that deleted and replaced files move to. */
          folder: z
            .string()
            .min(1)
            .regex(/^[^/]+$/, 'must be one folder name')
            .default('.trash'),
          /** Days a trashed file is kept before the daily purge deletes it. */
          retentionDays: z.number().int().min(0).default(30),
        })
        .prefault({}),
    })
    .prefault({}),
  temporal: z
    .strictObject({
      /** `host:port` of an existing Temporal frontend; when unset, `npm start` runs the embedded dev server. */
      address: z.string().min(1).optional(),
      namespace: z.string().min(1).default('default'),
      embedded: z
        .strictObject({
          ip: z.string().min(1).default('127.0.0.1'),
          port: port.default(7233),
          uiPort: port.default(8233),
          /**
           * Address the Web UI listens on (default: `ip`, loopback). `0.0.0.0` opens it to the
           * network: it has no login, so only on a network you trust or behind a proxy with auth.
           */
          uiIp: z.string().min(1).optional(),
          /** Path of a `temporal` CLI binary to use instead of the cached build. */
          binary: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** `postgres://...`; when unset, a private cluster under `<dataDir>/postgres` is used. */
      url: secret(z.string().min(1), 'credentials').optional(),
      embedded: z.strictObject({ port: port.default(5433) }).prefault({}),
    })
    .prefault({}),
  api: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: port.default(8686),
      /** Largest request body accepted, in bytes (larger → 413). */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /** Failed authentications allowed per client address and window before 429. */
      authFailureLimit: z.number().int().min(1).default(10),
      authFailureWindowMinutes: z.number().positive().default(15),
      /**
       * Express `trust proxy`: which reverse proxies' `X-Forwarded-For` names the real client
       * address (failed authentications are counted per address and credential). `false` (default):
       * the TCP peer is the client; `true`: the left-most forwarded address; a number: that many
       * proxy hops; a string or list: proxy addresses or subnets (`loopback`, `10.0.0.0/8`).
       */
      trustProxy: z
        .union([z.boolean(), z.number().int().min(0), z.string().min(1), z.array(z.string().min(1))])
        .default(false),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      /**
       * How the *arr apps' paths map to library-relative paths, as autoscan's rewrites:
       * `{ from: /data/media/movies, to: Movies }`. The longest matching `from` wins. Paths under
       * `library.localRoot` itself need no rewrite.
       */
      pathRewrites: z
        .array(
          z.strictObject({
            from: z.string().min(1).regex(/^\//, 'must be an absolute path'),
            to: z
              .string()
              .regex(/^(?!\/)(?!.*(^|\/)\.\.($|\/))/, 'must be a library-relative path without ".."'),
          }),
        )
        .default([]),
      /**
       * The same webhook body (app + JSON) delivered again within this many minutes is a duplicate
       * and ignored; after it, it is a new event.
       */
      dedupeWindowMinutes: z.number().positive().default(DEFAULT_DEDUPE_WINDOW_MINUTES),
    })
    .prefault({}),
  worker: z
    .strictObject({
      /**
       * Host-only profile (`vaultarr worker --host-only`): run just this host's activity queue
       * (`vaultarr-host-<hostId>`), without the workflow bundle, on a small storage host (a
       * Raspberry Pi) whose workflows run on another host's worker.
       */
      hostOnly: z.boolean().default(false),
    })
    .prefault({}),
  workflows: z
    .strictObject({
      /**
       * An item's workflow continues as new (same workflow ID, state carried, history restarted)
       * once its history passes this many events, or earlier when Temporal suggests it.
       */
      continueAsNewAfterEvents: z.number().int().min(50).default(2000),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /**
       * Serve Prometheus metrics: `GET /metrics` on the API's port, and on `metrics.port` in every
       * worker. `false` turns both off.
       */
      enabled: z.boolean().default(true),
      /** Port of a worker's `/metrics` (the API serves its own on `api.port`). */
      port: port.default(DEFAULT_WORKER_METRICS_PORT),
      /** Address a worker's `/metrics` binds to. */
      host: z.string().min(1).default('0.0.0.0'),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      /**
       * Apprise URLs to notify (`discord://…`, `tgram://…`, `ntfy://…`, `pover://…`, `json://…`);
       * empty: no notifications. Each is a secret (they carry tokens).
       */
      urls: z.array(secret(z.string().min(1))).default([]),
      /** Which events to send (default all). */
      events: z.array(z.enum(NOTIFICATION_EVENTS)).default([...NOTIFICATION_EVENTS]),
      /** The `apprise` command (Debian package `apprise`, or `pip install apprise`). */
      appriseBinary: z.string().min(1).default('apprise'),
      /** A host whose worker has not polled its task queue for this many minutes is offline. */
      hostOfflineMinutes: z.number().positive().default(15),
      /** A peer whose deliveries have been retried for this many hours is unreachable. */
      peerUnreachableHours: z.number().positive().default(24),
      /** Local time of the daily digest. */
      digestAt: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)')
        .default('08:00'),
    })
    .prefault({}),
  watcher: z
    .strictObject({
      /** A release counts as complete once nothing in it changed for this long. */
      settleSeconds: seconds.default(2),
    })
    .prefault({}),
  eviction: z
    .strictObject({
      /**
       * Run the cache janitor on this host. Off by default: with the embedded defaults `.Local` shares
       * a disk with everything else, and eviction should only follow that disk's free space once
       * `.Local` has a disk or partition of its own.
       */
      enabled: z.boolean().default(false),
      /** Eviction starts when the free share of `.Local` drops below this (0-1). */
      lowFreeRatio: z.number().min(0).max(1).default(0.5),
      /** ... and stops once the free share is back above this (0-1, above lowFreeRatio). */
      highFreeRatio: z.number().min(0).max(1).default(0.6),
      /** The janitor also checks on this timer, in minutes. */
      checkIntervalMinutes: z.number().positive().default(10),
      /** Most evictions at once, reached when the disk is nearly full. */
      maxParallel: z.number().int().min(1).max(64).default(4),
    })
    .prefault({})
    .refine((e) => e.lowFreeRatio < e.highFreeRatio, {
      message: 'lowFreeRatio must be below highFreeRatio',
      path: ['lowFreeRatio'],
    }),
  union: z
    .strictObject({
      /** Mount the vault (rclone mount) and the union of `.Local` + vault (mergerfs) on this host. */
      enabled: z.boolean().default(false),
      /** Where the vault is mounted; default `<dataDir>/.Vault`. */
      vaultMount: z.string().min(1).optional(),
      /** Where the union appears (point Plex/Jellyfin/Emby here); default `<dataDir>/Media`. */
      mediaMount: z.string().min(1).optional(),
      /** Extra `rclone mount` flags, e.g. `["--vfs-cache-mode", "full"]`. */
      mountFlags: z.array(z.string()).default([]),
    })
    .prefault({}),
  /**
   * Media servers to scan after every copy, rename and delete (and when a peer's item arrives).
   * Each sees the library at its own `libraryRoot` (default: the union view, `union.mediaMount`);
   * `pathRewrites` map library-relative prefixes to other server paths, the longest `from` winning.
   */
  mediaServers: z
    .array(
      z
        .strictObject({
          /** Name in logs, the UI and `failed-needs-attention` reasons, e.g. `plex`. */
          name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
          type: z.enum(['plex', 'jellyfin', 'emby', 'autoscan']),
          /** Base URL, e.g. `http://127.0.0.1:32400` (Plex), `:8096` (Jellyfin/Emby), `:3030` (autoscan). */
          url: secret(z.url('must be an http(s) URL'), 'credentials'),
          /** Plex token (`X-Plex-Token`) or Jellyfin/Emby API key; required for those three. */
          token: secret(z.string().min(1)).optional(),
          /** autoscan basic auth, when it has one. */
          username: z.string().min(1).optional(),
          password: secret(z.string().min(1)).optional(),
          /** Absolute path at which this server sees the library root. */
          libraryRoot: z.string().regex(/^\//, 'must be an absolute path').optional(),
          pathRewrites: z
            .array(
              z.strictObject({
                from: z.string().regex(/^(?!\/)/, 'must be a library-relative path, e.g. "Movies"'),
                to: z.string().regex(/^\//, 'must be an absolute path on the media server'),
              }),
            )
            .default([]),
        })
        .refine((t) => t.type === 'autoscan' || t.token !== undefined, {
          message: 'a token is required for plex, jellyfin and emby',
          path: ['token'],
        }),
    )
    .default([])
    .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'media server names must be unique'),
  scan: z
    .strictObject({
      /** Scans of one folder asked for within this many seconds go out as one request (autoscan waits 5 s). */
      mergeWindowSeconds: z.number().min(0).default(5),
      /** A media server still failing after this many hours parks the item in `failed-needs-attention`. */
      giveUpAfterHours: z.number().positive().default(6),
    })
    .prefault({}),
  /**
   * This instance's own *arr apps, where items from peers are added unmonitored. Each needs the
   * quality profile and root folder a manual add would ask for; `rootFolderPath` is the *arr's own
   * path of the library folder (`Movies`, `Shows`, ...) as it sees the union view.
   */
  arr: z
    .strictObject({
      radarr: arrApp.extend({ minimumAvailability: z.string().default('released') }).optional(),
      sonarr: arrApp
        .extend({ seriesType: z.enum(['standard', 'daily', 'anime']).default('standard') })
        .optional(),
      lidarr: arrApp.extend({ metadataProfileId: z.number().int().min(1) }).optional(),
      readarr: arrApp.extend({ metadataProfileId: z.number().int().min(1) }).optional(),
    })
    .prefault({}),
  peers: z
    .strictObject({
      /** How long a notification is retried while a peer is offline, in days. */
      deliveryRetryDays: z.number().positive().default(14),
      /** Longest pause between two attempts to reach an offline peer, in minutes. */
      retryMaxIntervalMinutes: z.number().positive().default(10),
      /** How long a received item waits to show up on our view of the vault, in hours. */
      vaultWaitHours: z.number().positive().default(24),
    })
    .prefault({}),
  /** How often the reconcile Schedule walks this host's library, in hours. */
  reconcileEveryHours: z.number().positive().default(6),
  /** How long work for an offline host waits for it before the item parks, in hours. */
  hostWaitHours: z
    .number()
    .positive()
    .default(24 * 7),
});

/**
 * Every secret field of the config (marked with `secret()` in the schema above): tokens, passwords
 * and API keys whole, URLs and rclone remotes for the credentials inside them.
 */
export const CONFIG_SECRET_PATHS = secretPathsOf(ConfigSchema);

/**
 * The config with every secret redacted (see {@link CONFIG_SECRET_PATHS}), for printing.
 *
 * @returns a deep copy; tokens, passwords and API keys are `***`, URL and rclone credentials too
 */
export function redactConfig<T extends object>(config: T): T {
  return redactFields(config, CONFIG_SECRET_PATHS);
}

/** The config as written (after defaults), before paths are resolved. */
export type RawConfig = z.infer<typeof ConfigSchema>;

/** Resolved configuration: every path absolute, every embedded default filled in. */
export interface Config extends RawConfig {
  dataDir: string;
  library: { localRoot: string };
  union: RawConfig['union'] & { vaultMount: string; mediaMount: string };
  vault: RawConfig['vault'] & { remote: string };
  /** Where the config came from, for messages. */
  source: { file?: string };
}

const ENV_PREFIX = 'VAULTARR_';
const NOT_CONFIG_KEYS = new Set(['VAULTARR_CONFIG']);

/**
 * Reads an environment value: numbers and booleans as such, `[...]`/`{...}` as YAML flow
 * collections, anything else as the string written (so `:webdav,url='http://h:1':` stays a string).
 */
function envValue(value: string): unknown {
  const t = value.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return parseYaml(t) as unknown;
    } catch {
      return value;
    }
  }
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return value;
}

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/**
 * Loads, merges and validates the configuration.
 *
 * @param options.env - environment to read (default `process.env`)
 * @param options.cwd - directory relative paths resolve against (default `process.cwd()`)
 * @returns the resolved {@link Config}
 * @throws UserError listing every problem as `key.path: message` (unreadable file, bad YAML,
 *   unknown keys, wrong types), for the entry point to print before exiting 1
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.VAULTARR_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : path.resolve(cwd, 'vaultarr.yml');
  let raw: Record<string, unknown> = {};
  let source: string | undefined;
  if (explicit || existsSync(file)) {
    source = file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      const parsed: unknown = parseYaml(text) ?? {};
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new UserError(`config file ${file} must hold a YAML mapping of keys`);
      }
      raw = parsed as Record<string, unknown>;
    } catch (err) {
      // Only the first line (what and where): the excerpt of the file after it may show a secret.
      if (err instanceof YAMLParseError)
        throw new UserError(`config file ${file} is not valid YAML: ${err.message.split('\n')[0]}`);
      throw err;
    }
  }

  const envOrigin = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG_KEYS.has(name) || value === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).split('__').map(camel);
    const parsed = envValue(value);
    setPath(raw, keys, parsed);
    envOrigin.set(keys.join('.'), name);
  }
  if (env.DATABASE_URL) {
    setPath(raw, ['database', 'url'], env.DATABASE_URL);
    envOrigin.set('database.url', 'DATABASE_URL');
  }

  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const keys =
        issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return keys.map((k) => {
        const key = k.join('.') || '(root)';
        const from = envOrigin.get(key);
        const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
        return `${key}${from ? ` (from ${from})` : ''}: ${message}`;
      });
    });
    throw new UserError(`invalid configuration${source ? ` in ${source}` : ''}`, problems);
  }
  const cfg = result.data;
  // From here on, every log line and error message this process prints hides these values.
  rememberSecrets(secretValues(cfg, CONFIG_SECRET_PATHS));
  const dataDir = path.resolve(cwd, cfg.dataDir);
  return {
    ...cfg,
    dataDir,
    library: { localRoot: path.resolve(cwd, cfg.library.localRoot ?? path.join(dataDir, '.Local')) },
    vault: { ...cfg.vault, remote: cfg.vault.remote ?? path.join(dataDir, 'cloud') },
    union: {
      ...cfg.union,
      vaultMount: path.resolve(cwd, cfg.union.vaultMount ?? path.join(dataDir, '.Vault')),
      mediaMount: path.resolve(cwd, cfg.union.mediaMount ?? path.join(dataDir, 'Media')),
    },
    source: { file: source },
  };
}

/** One entry of `mediaServers`. */
export type MediaServerConfig = RawConfig['mediaServers'][number];
/** The `arr` section: this instance's own *arr apps. */
export type ArrConfig = RawConfig['arr'];
