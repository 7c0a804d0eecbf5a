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

/**
 * Default of `worker.niceness`: background priority, as users run rclone uploaders, so that
 * playback on the host comes first. Measured (bench scenario 4, 2,000 webhooks at 100/s while the
 * worker copies their files; three runs each): whole-stack p50 168-206 ms at 0, 79-196 ms at 10;
 * p99 305-345 ms at 0, 266-338 ms at 10 (the webhooks then wait on the Temporal dev server's one
 * SQLite connection, not on the CPU); items per second unchanged (scenario 3).
 */
export const DEFAULT_WORKER_NICENESS = 10;

/**
 * Default of `temporal.embedded.niceness`: the embedded dev server a little below normal priority
 * (the worker, at 10, stays below it), so that on a busy host playback and the API's webhook
 * answers come first while workflows wait a moment longer. Measured (bench scenario 4, 2,000
 * webhooks at 100/s while the worker takes their workflows; 4 December, the same hour): whole-stack
 * p99 16.1-21.4 ms in five runs at 5 (median 19.0), 21.3-30.9 ms in four at 0 (median 23.4); a
 * webhook's workflow started (recorded → started) p99 131-162 ms at 5, 87-104 ms at 0; items per
 * second in scenario 3 the same (0.43-0.45 of the bare baseline at 5, 0.37-0.44 at 0 that day).
 */
export const DEFAULT_TEMPORAL_NICENESS = 5;

/**
 * Default of `worker.hostActivities`: host activities (sorts, copies with their verification, moves,
 * evictions) a worker runs at once. Copies run in the rclone daemon and are bound by the disk and
 * the uplink. Each one in flight also costs the worker memory (its hashing and calls, and the
 * heaps of Node and glibc that grow with them; smaller hash buffers did not lower it). Measured
 * once (bench scenario 5, the host-only worker, 200 × 4 MiB in flight): peak RSS 210 MiB at 16,
 * 157 MiB at 4.
 */
export const DEFAULT_HOST_ACTIVITIES = 16;

/**
 * Default of `intake.settleSeconds`: 10 minutes, autoscan's `minimum-age` default (the wait before
 * it tells a media server about a changed folder, so the *arr or the download client has finished
 * with it). A few seconds, the watcher's debounce, do not cover a client that pauses between
 * pieces and closes the file meanwhile; cloudplow relies on open files alone (`exclude_open_files`),
 * which is only one of our signs.
 */
export const DEFAULT_INTAKE_SETTLE_SECONDS = 600;

/**
 * Default of `intake.damagedAfterMinutes`: a day. Longer than any pause of a live download client
 * (a torrent waiting for peers overnight), short enough that a drop cut short is shown to a person
 * the same day.
 */
export const DEFAULT_INTAKE_DAMAGED_AFTER_MINUTES = 24 * 60;

/** Default of `metrics.port`: where a worker serves `/metrics` (the port Prometheus exporters of workers often use). */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

/**
 * Default of `vault.quotaPauseHours`: how long this host's copies pause once the remote says the
 * account's upload quota is exhausted (Google Drive's daily quota resets within a day; cloudplow
 * sleeps 6 hours as well).
 */
export const DEFAULT_QUOTA_PAUSE_HOURS = 6;

/**
 * Default of `vault.copyAttempts`: attempts of a copy the vault refuses (read-only, no
 * permission, full) before the item parks. With the copy's retry policy (1 s doubling) five
 * attempts span about 15 s: long enough to ride out a remount, short enough that a person hears
 * of it at once.
 */
export const DEFAULT_COPY_ATTEMPTS = 5;

/** One *arr app of this instance (where peers' items are added unmonitored). */
const arrApp = z.strictObject({
  url: secret(
    z
      .url('must be an http(s) URL')
      .describe(
        'Base URL of the app, e.g. `http://127.0.0.1:7878` (Radarr), `:8989` (Sonarr), `:8686` (Lidarr), `:8787` (Readarr).',
      ),
    'credentials',
  ),
  apiKey: secret(z.string().min(1).describe("The app's API key (Settings > General > API Key).")),
  qualityProfileId: z
    .number()
    .int()
    .min(1)
    .describe('Quality profile of the items added from peers (what a manual add would ask for).'),
  rootFolderPath: z
    .string()
    .min(1)
    .describe(
      "The app's own path of the library folder as it sees the union view, e.g. `/data/Media/Movies`.",
    ),
  unmonitorExisting: z
    .boolean()
    .default(false)
    .describe('Also set an item the app already has to unmonitored (`false`: leave its monitoring alone).'),
});
const metadataProfileId = z
  .number()
  .int()
  .min(1)
  .describe('Metadata profile of the artists (Lidarr) or authors (Readarr) added from peers.');

/**
 * The configuration schema: every key, its type, default and description (`.describe()`, the
 * text `npm run docs:config` writes to `docs/configuration.md`). Defaults live here and only here.
 */
export const ConfigSchema = z.strictObject({
  hostId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-" (it names a task queue)')
    .default(() => hostname())
    .meta({
      description: "Names this host's task queue `vaultarr-host-<hostId>` (letters, digits, `.`, `_`, `-`).",
      defaultText: 'the hostname',
    }),
  dataDir: z
    .string()
    .min(1)
    .default('./data')
    .describe(
      'Roots every embedded default (Temporal, Postgres, logs, `.Local`, the default vault); relative paths resolve against the working directory.',
    ),
  logLevel: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info')
    .describe('Least severe level logged: `trace` … `fatal`, or `silent`.'),
  library: z
    .strictObject({
      localRoot: z.string().min(1).optional().meta({
        description:
          'The fast local disk (`.Local`) holding `Incoming/`, `Movies/`, `Shows/` and `Unsorted/`; the only place vaultarr writes media.',
        defaultText: '`<dataDir>/.Local`',
      }),
    })
    .prefault({})
    .describe('Where the library lives on this host.'),
  vault: z
    .strictObject({
      remote: secret(z.string().min(1), 'credentials').optional().meta({
        description:
          "Any rclone remote (`gdrive:Media`, `b2:bucket/media`, `:webdav,url='https://…':`) or a local directory; credentials inside it are hidden in output.",
        defaultText: '`<dataDir>/cloud`',
      }),
      rcloneConfig: z.string().min(1).optional().meta({
        description: 'Path of the `rclone.conf` defining the remote.',
        defaultText: "rclone's own (`~/.config/rclone/rclone.conf`)",
      }),
      rcloneBinary: z.string().min(1).default('rclone').describe('The rclone binary.'),
      rcloneDaemon: z
        .boolean()
        .default(true)
        .describe(
          'Copies, stats and read-backs go through one long-lived `rclone rcd` per process; `false`: one rclone process per call.',
        ),
      bwLimit: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Upload bandwidth limit in rclone\'s `--bwlimit` syntax: `8M`, or a timetable `"08:00,2M 23:00,off"` that limits the rate by time of day. Downloads (read-backs) stay unlimited.',
        ),
      extraFlags: secret(z.array(z.string()), 'flags')
        .default([])
        .describe(
          'Extra flags for every rclone call, e.g. `["--transfers", "8", "--webdav-pass", "<obscured>"]`. Secret ones (passwords, tokens, keys: `--webdav-pass`, `--sftp-pass=…`, `--webdav-bearer-token`, `--s3-secret-access-key`, …) reach rclone through its environment (`RCLONE_WEBDAV_PASS`), never its command line, and are shown as `***`.',
        ),
      webdavPacerMinSleep: z
        .string()
        .regex(
          /^(0|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/,
          'must be a duration in rclone\'s syntax, e.g. "1ms", "10ms" or "0.5s"',
        )
        .default('1ms')
        .describe(
          "Least time between two calls to a WebDAV vault (rclone's `--webdav-pacer-min-sleep`, for every rclone call, so a WebDAV remote under crypt gets it too). rclone's 10 ms caps a vault at 100 calls/s; 1 ms lifts that for a LAN server, and the pacer still doubles the wait on each error (up to 2 s).",
        ),
      verifyAttempts: z
        .number()
        .int()
        .min(1)
        .max(20)
        .default(3)
        .describe('Copy-and-verify rounds before an item parks in `failed-needs-attention`.'),
      copyAttempts: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(DEFAULT_COPY_ATTEMPTS)
        .describe(
          'Attempts of a copy the vault refuses (read-only, permission denied, full: WebDAV 403/405/507, EROFS, EACCES, ENOSPC) before the item parks in `failed-needs-attention`; `retry` tries again. Other failures (a vault that is down) are retried without limit.',
        ),
      uploadWindow: z
        .strictObject({
          start: z
            .string()
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)')
            .describe('When the window opens, `HH:MM` (24 h).'),
          end: z
            .string()
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)')
            .describe('When the window closes, `HH:MM` (24 h).'),
        })
        .optional()
        .meta({
          description:
            'Copies start only inside this daily window of the host\'s local time, e.g. `{ start: "01:00", end: "07:00" }`; until it opens they wait on a durable timer (`waiting for the upload window 01:00-07:00` in the item\'s status).',
          defaultText: 'unset (copies at any time)',
        }),
      copyHeartbeatTimeoutSeconds: seconds
        .default(30)
        .describe(
          'Heartbeat timeout of every host activity: a worker silent this long is taken for dead and its attempt retried (live ones heartbeat every 2 s, or every third of it when that is shorter).',
        ),
      quotaPauseHours: z
        .number()
        .positive()
        .default(DEFAULT_QUOTA_PAUSE_HOURS)
        .describe(
          "When the remote says the account's rate or daily upload quota is exhausted (Google's `userRateLimitExceeded`, `uploadLimitExceeded`, `quotaExceeded`, HTTP 429), this host's copies pause for this many hours, then resume by themselves.",
        ),
      throttle: z
        .strictObject({
          bwLimit: z
            .string()
            .regex(/^[^\s,]+$/, 'must be one rate in --bwlimit syntax, e.g. "2M" (no timetable)')
            .describe(
              'Upload limit while throttled: one rate in `--bwlimit` syntax, e.g. `2M` (no timetable).',
            ),
          minStreams: z
            .number()
            .int()
            .min(1)
            .default(1)
            .describe('Remote streams playing (all servers together) at which uploads are throttled.'),
          pollSeconds: seconds
            .default(30)
            .describe('How often the media servers are asked for their sessions, in seconds.'),
        })
        .optional()
        .meta({
          description:
            "Stream-aware throttling (as cloudplow's): each worker polls the Plex, Jellyfin and Emby servers of `mediaServers` for remote streams playing, and while there are at least `minStreams`, its rclone daemon uploads at `bwLimit`; `vault.bwLimit` (or none) is back when they end. Needs `vault.rcloneDaemon`.",
          defaultText: 'unset (no throttling)',
        }),
      trash: z
        .strictObject({
          folder: z
            .string()
            .min(1)
            .regex(/^[^/]+$/, 'must be one folder name')
            .default('.trash')
            .describe("Folder at the remote's root that deleted and replaced files move to."),
          retentionDays: z
            .number()
            .int()
            .min(0)
            .default(30)
            .describe('Days a trashed file is kept before the daily purge deletes it.'),
        })
        .prefault({})
        .describe(
          'The vault trash, `<remote>/<folder>/<YYYY-MM-DD>/<library path>`; the `vaultarr-trash-purge` Schedule deletes days older than `retentionDays`.',
        ),
    })
    .prefault({})
    .describe('The vault: the rclone remote every media file is copied to and verified on.'),
  temporal: z
    .strictObject({
      address: z
        .string()
        .min(1)
        .optional()
        .describe('`host:port` of an existing Temporal frontend; unset runs the embedded dev server.'),
      namespace: z.string().min(1).default('default').describe('Temporal namespace of every workflow.'),
      embedded: z
        .strictObject({
          ip: z.string().min(1).default('127.0.0.1').describe('Address the embedded dev server listens on.'),
          port: port.default(7233).describe('Frontend port of the embedded dev server.'),
          uiPort: port.default(8233).describe('Port of the embedded Web UI.'),
          uiIp: z.string().min(1).optional().meta({
            description:
              'Address the embedded Web UI listens on. `0.0.0.0` opens it to the network: it has no login, so only on a network you trust or behind a proxy with authentication.',
            defaultText: '`temporal.embedded.ip`',
          }),
          binary: z.string().min(1).optional().meta({
            description: 'Path of a `temporal` CLI binary to use instead of the cached build.',
            defaultText: '`TEMPORAL_CLI`, else `temporal` on `PATH`, else the cached build',
          }),
          niceness: z
            .number()
            .int()
            .min(0)
            .max(19)
            .default(DEFAULT_TEMPORAL_NICENESS)
            .describe(
              "CPU niceness of the embedded dev server (as `nice -n`; 0 normal priority, 19 lowest): on a busy host, playback and the API's webhook answers get the CPU first; the worker (`worker.niceness`, 10 by default) stays below it. A `vaultarr start` run nicer keeps its niceness for the server.",
            ),
        })
        .prefault({})
        .describe(
          'The embedded Temporal dev server (SQLite file `<dataDir>/temporal/temporal.db`), run when `temporal.address` is unset.',
        ),
    })
    .prefault({})
    .describe('The Temporal server.'),
  database: z
    .strictObject({
      url: secret(z.string().min(1), 'credentials')
        .optional()
        .describe(
          '`postgres://…`, also set by `DATABASE_URL`; unset runs the embedded cluster under `<dataDir>/postgres`.',
        ),
      embedded: z
        .strictObject({
          port: port
            .default(5433)
            .describe(
              "Port of the embedded Postgres (127.0.0.1 only, trust auth). vaultarr's own components connect through its Unix socket, `<dataDir>/postgres/.s.PGSQL.<port>` (over 127.0.0.1 when that path is longer than 107 bytes); the port is for `psql -h 127.0.0.1 -p 5433 -U vaultarr vaultarr` and other tools.",
            ),
        })
        .prefault({})
        .describe('The embedded Postgres cluster, run when `database.url` is unset.'),
    })
    .prefault({})
    .describe('The Postgres catalog.'),
  api: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe(
          'Address the HTTP API listens on. The default takes connections from this machine only; `0.0.0.0` (all addresses) lets *arr apps, media servers and peers on other machines reach it: every route but `/healthz`, `/readyz` and `/metrics` needs a token.',
        ),
      port: port.default(8686).describe('Port of the HTTP API (and of its `/metrics`).'),
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024)
        .describe('Largest request body accepted, in bytes (larger: 413).'),
      authFailureLimit: z
        .number()
        .int()
        .min(1)
        .default(10)
        .describe(
          'Failed authentications of one credential from one client address, within `authFailureWindowMinutes`, before it gets 429 (a valid token is never refused).',
        ),
      authFailureWindowMinutes: z
        .number()
        .positive()
        .default(15)
        .describe('The window failed authentications are counted in, in minutes.'),
      trustProxy: z
        .union([z.boolean(), z.number().int().min(0), z.string().min(1), z.array(z.string().min(1))])
        .default(false)
        .describe(
          "Express `trust proxy`: which reverse proxies' `X-Forwarded-For` names the real client address. `false`: the TCP peer is the client; `true`: the left-most forwarded address; a number: that many proxy hops; a string or list: proxy addresses or subnets (`loopback`, `10.0.0.0/8`).",
        ),
    })
    .prefault({})
    .describe('The HTTP API: *arr webhooks, peers, items, health and metrics.'),
  webhooks: z
    .strictObject({
      pathRewrites: z
        .array(
          z.strictObject({
            from: z
              .string()
              .min(1)
              .regex(/^\//, 'must be an absolute path')
              .describe('A folder as the *arr app sees it (absolute), e.g. `/data/media/movies`.'),
            to: z
              .string()
              .regex(/^(?!\/)(?!.*(^|\/)\.\.($|\/))/, 'must be a library-relative path without ".."')
              .describe('The library-relative path it maps to, e.g. `Movies`.'),
          }),
        )
        .default([])
        .describe(
          "How the *arr apps' paths map to library-relative paths, as autoscan's rewrites; the longest matching `from` wins. Paths under `library.localRoot` need no rewrite.",
        ),
      dedupeWindowMinutes: z
        .number()
        .positive()
        .default(DEFAULT_DEDUPE_WINDOW_MINUTES)
        .describe(
          'The same webhook body (app + JSON) again within this many minutes is a duplicate and ignored; after it, it is a new event.',
        ),
    })
    .prefault({})
    .describe('The *arr webhooks.'),
  worker: z
    .strictObject({
      hostOnly: z
        .boolean()
        .default(false)
        .describe(
          "Host-only profile (`vaultarr worker --host-only`): only this host's activity queue (`vaultarr-host-<hostId>`), no workflow bundle, for a small storage host (a Raspberry Pi) whose workflows run on another host's worker.",
        ),
      niceness: z
        .number()
        .int()
        .min(0)
        .max(19)
        .default(DEFAULT_WORKER_NICENESS)
        .describe(
          'CPU niceness of the worker and its rclone daemon (as `nice -n`; 0 normal priority, 19 lowest): sorting, hashing and uploads give way to playback (Plex, Jellyfin, Emby transcodes), webhooks and the Temporal server on the same host. A worker started nicer keeps its niceness.',
        ),
      hostActivities: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(DEFAULT_HOST_ACTIVITIES)
        .describe(
          "Host activities (sorts, copies with their verification, moves, evictions) this worker runs at once: the Temporal `maxConcurrentActivityTaskExecutions` of this host's task queue. Each copy in flight costs memory; on a small host (a Raspberry Pi with 1 GiB) 4 keeps the worker lower (a host-only worker with 200 items waiting peaked at 157 MiB instead of 210). More is waiting in the queue, never lost.",
        ),
    })
    .prefault({})
    .describe("This host's worker process."),
  workflows: z
    .strictObject({
      continueAsNewAfterEvents: z
        .number()
        .int()
        .min(50)
        .default(2000)
        .describe(
          "An item's workflow continues as new (same workflow ID, state carried, history restarted) once its history passes this many events (at least 50), or earlier when Temporal suggests it.",
        ),
    })
    .prefault({})
    .describe("The items' workflows."),
  metrics: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          "Serve Prometheus metrics: `GET /metrics` on the API's port and on every worker's `metrics.port`; `false` turns both off.",
        ),
      port: port
        .default(DEFAULT_WORKER_METRICS_PORT)
        .describe(
          "Port of a worker's `/metrics` (the API serves its own on `api.port`). Two workers on one machine need two ports; a taken port is logged and the worker runs on.",
        ),
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe(
          "Address a worker's `/metrics` binds to (this machine only by default; `0.0.0.0` for a Prometheus elsewhere). `/metrics` has no login.",
        ),
    })
    .prefault({})
    .describe('Prometheus metrics.'),
  notifications: z
    .strictObject({
      urls: z
        .array(secret(z.string().min(1)))
        .default([])
        .describe(
          'Apprise URLs to notify (`discord://…`, `tgram://…`, `ntfy://…`, `pover://…`, `json://…`); empty: no notifications. Secrets: never printed.',
        ),
      events: z
        .array(z.enum(NOTIFICATION_EVENTS))
        .default([...NOTIFICATION_EVENTS])
        .describe(`Which events to send, of ${NOTIFICATION_EVENTS.map((e) => `\`${e}\``).join(', ')}.`),
      appriseBinary: z
        .string()
        .min(1)
        .default('apprise')
        .describe(
          'The `apprise` command (Debian package `apprise`, or `pip install apprise`); missing while `urls` is set: a start-up error.',
        ),
      hostOfflineMinutes: z
        .number()
        .positive()
        .default(15)
        .describe('A host whose worker has not polled its task queue for this many minutes is offline.'),
      peerUnreachableHours: z
        .number()
        .positive()
        .default(24)
        .describe('A peer whose deliveries have been retried for this many hours is unreachable.'),
      digestAt: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)')
        .default('08:00')
        .describe('Local time of the daily digest, `HH:MM`.'),
    })
    .prefault({})
    .describe('Notifications through Apprise when a person is needed.'),
  intake: z
    .strictObject({
      settleSeconds: seconds
        .default(DEFAULT_INTAKE_SETTLE_SECONDS)
        .describe(
          "A release is placed only once nothing in it (size, mtime) changed for this many seconds, no process holds it open for writing, it has no preallocated space or holes never written, and every video container is whole (`ffprobe`). The default is autoscan's `minimum-age`: long enough for a download client that pauses between pieces.",
        ),
      damagedAfterMinutes: z
        .number()
        .positive()
        .default(DEFAULT_INTAKE_DAMAGED_AFTER_MINUTES)
        .describe(
          'A release that stays incomplete this long after its last change, with no writer at work (a copy cut short by a full disk, a 0-byte drop, a download abandoned half-way), is kept in `Unsorted/` as `damaged` with the reason: never placed or vaulted; `vaultarr items retry` looks at it again, `skip` leaves it. A writer still at work is waited for however long it takes.',
        ),
      ffprobeBinary: z
        .string()
        .min(1)
        .default('ffprobe')
        .describe(
          'The `ffprobe` command (Debian package `ffmpeg`) that checks video containers are whole; missing: containers are not checked (logged once).',
        ),
    })
    .prefault({})
    .describe('When a release in `Incoming/` counts as complete (README, "When a release is complete").'),
  watcher: z
    .strictObject({
      settleSeconds: seconds
        .default(2)
        .describe(
          'The watcher hands a release to its item once nothing in it changed for this many seconds; the item then waits for `intake.settleSeconds` and the other signs of a complete release.',
        ),
    })
    .prefault({})
    .describe('The `Incoming/` watcher.'),
  eviction: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Run the cache janitor on this host. Off by default: with the embedded defaults `.Local` shares a disk with everything else, and eviction should follow free space only once `.Local` has a disk or partition of its own.',
        ),
      lowFreeRatio: z
        .number()
        .min(0)
        .max(1)
        .default(0.5)
        .describe('Eviction starts when the free share of `.Local` drops below this (0-1).'),
      highFreeRatio: z
        .number()
        .min(0)
        .max(1)
        .default(0.6)
        .describe('Eviction stops once the free share is back above this (0-1, above `lowFreeRatio`).'),
      checkIntervalMinutes: z
        .number()
        .positive()
        .default(10)
        .describe('The janitor also checks on this timer, in minutes.'),
      maxParallel: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe('Most evictions at once, reached when the disk is nearly full.'),
    })
    .prefault({})
    .refine((e) => e.lowFreeRatio < e.highFreeRatio, {
      message: 'lowFreeRatio must be below highFreeRatio',
      path: ['lowFreeRatio'],
    })
    .describe(
      'The cache janitor: frees the local disk by evicting verified items, least recently used first.',
    ),
  union: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Mount the vault (rclone mount) and the union of `.Local` + vault (mergerfs) on this host.',
        ),
      vaultMount: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'Where the vault is mounted.', defaultText: '`<dataDir>/.Vault`' }),
      mediaMount: z.string().min(1).optional().meta({
        description: 'Where the union appears (point Plex, Jellyfin or Emby here).',
        defaultText: '`<dataDir>/Media`',
      }),
      mountFlags: z
        .array(z.string())
        .default([])
        .describe('Extra `rclone mount` flags, e.g. `["--vfs-cache-mode", "full"]`.'),
    })
    .prefault({})
    .describe('The union view: evicted media stays playable at the same path.'),
  mediaServers: z
    .array(
      z
        .strictObject({
          name: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"')
            .describe('Name in logs, the UI and `failed-needs-attention` reasons, e.g. `plex`; unique.'),
          type: z.enum(['plex', 'jellyfin', 'emby', 'autoscan']).describe('Which kind of server.'),
          url: secret(z.url('must be an http(s) URL'), 'credentials').describe(
            'Base URL, e.g. `http://127.0.0.1:32400` (Plex), `:8096` (Jellyfin, Emby), `:3030` (autoscan).',
          ),
          token: secret(z.string().min(1))
            .optional()
            .describe('Plex token (`X-Plex-Token`) or Jellyfin/Emby API key; required for those three.'),
          username: z.string().min(1).optional().describe('autoscan basic auth user, when it has one.'),
          password: secret(z.string().min(1)).optional().describe('autoscan basic auth password.'),
          libraryRoot: z.string().regex(/^\//, 'must be an absolute path').optional().meta({
            description: 'Absolute path at which this server sees the library root.',
            defaultText: '`union.mediaMount`',
          }),
          pathRewrites: z
            .array(
              z.strictObject({
                from: z
                  .string()
                  .regex(/^(?!\/)/, 'must be a library-relative path, e.g. "Movies"')
                  .describe('A library-relative prefix, e.g. `Movies`.'),
                to: z
                  .string()
                  .regex(/^\//, 'must be an absolute path on the media server')
                  .describe('The absolute path it maps to on this server, e.g. `/mnt/movies`.'),
              }),
            )
            .default([])
            .describe('Library-relative prefixes that this server sees elsewhere; the longest `from` wins.'),
        })
        .refine((t) => t.type === 'autoscan' || t.token !== undefined, {
          message: 'a token is required for plex, jellyfin and emby',
          path: ['token'],
        }),
    )
    .default([])
    .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'media server names must be unique')
    .describe(
      "Media servers (Plex, Jellyfin, Emby, autoscan) to scan after every copy, rename and delete, and when a peer's item arrives. Each sees the library at its own `libraryRoot`; `pathRewrites` map library-relative prefixes to other paths on it.",
    ),
  scan: z
    .strictObject({
      mergeWindowSeconds: z
        .number()
        .min(0)
        .default(5)
        .describe(
          'Scans of one server asked for within this many seconds go out as one request (autoscan waits 5 s).',
        ),
      giveUpAfterHours: z
        .number()
        .positive()
        .default(6)
        .describe(
          'A media server still failing after this many hours parks the item in `failed-needs-attention`.',
        ),
    })
    .prefault({})
    .describe('Media server scans.'),
  arr: z
    .strictObject({
      radarr: arrApp
        .extend({
          minimumAvailability: z
            .string()
            .default('released')
            .describe('Minimum availability of the movies added from peers.'),
        })
        .optional()
        .describe('Radarr; also helps identify releases.'),
      sonarr: arrApp
        .extend({
          seriesType: z
            .enum(['standard', 'daily', 'anime'])
            .default('standard')
            .describe('Series type of the series added from peers.'),
        })
        .optional()
        .describe('Sonarr; also helps identify releases.'),
      lidarr: arrApp.extend({ metadataProfileId }).optional().describe('Lidarr.'),
      readarr: arrApp.extend({ metadataProfileId }).optional().describe('Readarr.'),
    })
    .prefault({})
    .describe(
      "This instance's own *arr apps, where items from peers are added unmonitored; Sonarr and Radarr also help identify releases. Each needs the quality profile and root folder a manual add would ask for.",
    ),
  peers: z
    .strictObject({
      deliveryRetryDays: z
        .number()
        .positive()
        .default(14)
        .describe('How long a notification is retried while a peer is offline, in days.'),
      retryMaxIntervalMinutes: z
        .number()
        .positive()
        .default(10)
        .describe('Longest pause between two attempts to reach an offline peer, in minutes.'),
      vaultWaitHours: z
        .number()
        .positive()
        .default(24)
        .describe('How long a received item waits to show up on our view of the vault, in hours.'),
    })
    .prefault({})
    .describe('Other vaultarr instances sharing the vault (added with `vaultarr peer add`).'),
  reconcileEveryHours: z
    .number()
    .positive()
    .default(6)
    .describe("How often the reconcile Schedule walks this host's library, in hours."),
  hostWaitHours: z
    .number()
    .positive()
    .default(24 * 7)
    .describe(
      'How long work for an offline host waits for it (`scheduleToCloseTimeout`) before the item parks, in hours.',
    ),
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
/** The config as a user may write it (every defaulted key optional), what {@link parseConfig} takes. */
export type ConfigInput = z.input<typeof ConfigSchema>;

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

/**
 * The environment variable that overrides a key, the inverse of how {@link loadConfig} reads them.
 *
 * @param keys - the key's path, e.g. `['vault', 'copyHeartbeatTimeoutSeconds']`
 * @returns e.g. `VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS`
 */
export function envVariableOf(keys: string[]): string {
  return ENV_PREFIX + keys.map((k) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
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

  return parseConfig(raw, { cwd, source, envOrigin });
}

/**
 * Validates a config as written (the YAML's mapping, environment overrides already merged in) and
 * resolves it: the schema's defaults, then every path absolute and the embedded defaults filled
 * in. {@link loadConfig} reads the file and the environment, then calls this; tests call it with
 * a mapping of their own (`test/helpers/config.ts`).
 *
 * @param raw - keys as in `vaultarr.yml`
 * @param options.cwd - directory relative paths resolve against (default `process.cwd()`)
 * @param options.source - the config file, named in the error and in `Config.source`
 * @param options.envOrigin - which environment variable set a key (`vault.remote` →
 *   `VAULTARR_VAULT__REMOTE`), named in its problem
 * @returns the resolved {@link Config}
 * @throws UserError listing every problem as `key.path: message`
 */
export function parseConfig(
  raw: unknown,
  options: { cwd?: string; source?: string; envOrigin?: ReadonlyMap<string, string> } = {},
): Config {
  const cwd = options.cwd ?? process.cwd();
  const { source, envOrigin = new Map<string, string>() } = options;
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
