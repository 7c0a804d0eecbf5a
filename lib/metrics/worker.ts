/**
 * A worker process's metrics: its activities observed through an activity interceptor (copies,
 * verifications, scans, peer deliveries, evictions, notifications and failures by type, computed
 * from each activity's input and result; workflow code is not involved), and at each scrape the
 * local disk's free share, the rclone daemon, the quota pause and the stream throttle.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { statfs } from 'node:fs/promises';
import { Registry } from 'prom-client';
import type { HostQuotaPause } from '../../activities/vault/quota-pause.js';
import type { Config } from '../config.js';
import type { ThrottleState } from '../../workers/stream-throttle.js';
import { defaultMetrics, defineMetrics, type MetricDef } from './registry.js';

/** Duration buckets of copies and verifications, in seconds (a subtitle to a 50 GB remux on a slow line). */
const TRANSFER_SECONDS_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600];

/**
 * A worker's metrics settings, from config: `hostId` (every metric's `host` label), `localRoot`
 * (`.Local`, whose free share is measured at each scrape) and `copyMethod`, how rclone copies run
 * here: `rclone-daemon` (the long-lived `rclone rcd`, `vault.rcloneDaemon`) or `rclone-process`.
 */
export function workerMetricsSettings(config: Pick<Config, 'hostId' | 'library' | 'vault'>) {
  return {
    hostId: config.hostId,
    localRoot: config.library.localRoot,
    copyMethod: config.vault.rcloneDaemon ? ('rclone-daemon' as const) : ('rclone-process' as const),
  };
}

/** What {@link workerMetricsSettings} returns. */
export type WorkerMetricsSettings = ReturnType<typeof workerMetricsSettings>;

/** What a worker's metrics look at besides its activities. */
export interface WorkerMetricsDeps {
  settings: WorkerMetricsSettings;
  /**
   * Whether the rclone daemon answers (checked at each scrape); absent when copies run one process
   * each, and `vaultarr_rclone_daemon_up` is then not exported.
   */
  rcloneDaemonUp?: () => Promise<boolean>;
  /** This host's quota pause (`activities/vault/quota-pause.ts`), read at each scrape; absent: not exported. */
  quotaPause?: Pick<HostQuotaPause, 'current' | 'pausesStarted'>;
  /** The stream throttle's last poll, read at each scrape; absent (throttling off): not exported. */
  throttle?: () => ThrottleState;
}

/** Metrics of a worker process. */
export interface WorkerMetrics {
  registry: Registry;
  /** Activity interceptor that observes every activity this worker runs (see `WorkerOptions.metrics`). */
  interceptor: ActivityInterceptorsFactory;
}

/** The shape of the activity results the interceptor reads; every field is checked before use. */
interface Observed {
  bytesDone?: number;
  /** `copyAndVerify`: bytes copied, and the seconds of each half. */
  bytesCopied?: number;
  seconds?: { copy: number; verify: number };
  match?: boolean;
  changed?: boolean;
  verification?: { method?: string; sizeBytes?: number };
  evicted?: boolean;
  freedBytes?: number;
  status?: string;
  event?: string;
  outcome?: string;
}

/**
 * The failure type of an activity error: an `ApplicationFailure`'s `type` (`SOURCE_MISSING`,
 * `REMOTE_AUTH_FAILED`, ...), `cancelled` for a cancelled attempt, else `transient` (a plain
 * error Temporal retries).
 */
function failureTypeOf(err: unknown): string {
  const e = err as { type?: unknown; name?: string };
  if (typeof e?.type === 'string' && e.type) return e.type;
  if (e?.name === 'CancelledFailure' || e?.name === 'AbortError') return 'cancelled';
  return 'transient';
}

/** The quota pause's state and the pauses it started, read at each scrape. */
function quotaPauseMetrics(pause: NonNullable<WorkerMetricsDeps['quotaPause']>) {
  let counted = 0;
  return {
    paused: {
      type: 'gauge',
      name: 'vaultarr_vault_quota_paused',
      help: "1 while this host's copies pause because the vault's upload quota is exhausted, else 0.",
      collect() {
        this.set(pause.current() ? 1 : 0);
      },
    },
    pausedUntil: {
      type: 'gauge',
      name: 'vaultarr_vault_quota_paused_until_timestamp_seconds',
      help: "When this host's copies resume after an exhausted upload quota (Unix time); 0 when not paused.",
      collect() {
        this.set((pause.current()?.untilMs ?? 0) / 1000);
      },
    },
    pauses: {
      type: 'counter',
      name: 'vaultarr_vault_quota_pauses_total',
      help: "Pauses of this host's copies started because the vault's upload quota was exhausted.",
      collect() {
        this.inc(pause.pausesStarted - counted);
        counted = pause.pausesStarted;
      },
    },
  } satisfies Record<string, MetricDef>;
}

/** The stream throttle's last poll, read at each scrape. */
function throttleMetrics(throttle: NonNullable<WorkerMetricsDeps['throttle']>) {
  return {
    throttled: {
      type: 'gauge',
      name: 'vaultarr_upload_throttled',
      help: '1 while uploads run at vault.throttle.bwLimit because remote streams are playing, else 0.',
      collect() {
        this.set(throttle().throttled ? 1 : 0);
      },
    },
    streams: {
      type: 'gauge',
      name: 'vaultarr_media_server_remote_streams',
      help: 'Remote streams playing at the last poll, by media server (0 when it did not answer).',
      labelNames: ['server'],
      collect() {
        this.reset();
        for (const [server, n] of Object.entries(throttle().streams)) this.set({ server }, n);
      },
    },
  } satisfies Record<string, MetricDef>;
}

/**
 * Creates a worker's registry and its activity interceptor.
 *
 * Exported (all labelled with `host`): copies, verifications, evictions, scans and peer
 * deliveries with their outcomes, bytes and seconds; activity failures by activity and type; the
 * local disk's free ratio and bytes; the rclone daemon's state.
 */
export function createWorkerMetrics(deps: WorkerMetricsDeps): WorkerMetrics {
  const { hostId, localRoot, copyMethod } = deps.settings;
  const registry = new Registry();
  defaultMetrics(registry);
  registry.setDefaultLabels({ host: hostId });
  const metrics = defineMetrics(registry, {
    copies: {
      type: 'counter',
      name: 'vaultarr_vault_copies_total',
      help: 'Vault copies finished, by method (rclone-daemon or rclone-process).',
      labelNames: ['method'],
    },
    copiedBytes: {
      type: 'counter',
      name: 'vaultarr_vault_copied_bytes_total',
      help: 'Bytes uploaded to the vault by finished copies (files already there count 0).',
      labelNames: ['method'],
    },
    copySeconds: {
      type: 'histogram',
      name: 'vaultarr_vault_copy_duration_seconds',
      help: 'Duration of a finished vault copy (local hashing included), by method.',
      labelNames: ['method'],
      buckets: TRANSFER_SECONDS_BUCKETS,
    },
    verifications: {
      type: 'counter',
      name: 'vaultarr_vault_verifications_total',
      help: 'Vault copy verifications, by method (sha256, md5, modtime, sha256-download, none) and outcome (match, mismatch, changed).',
      labelNames: ['method', 'outcome'],
    },
    verifiedBytes: {
      type: 'counter',
      name: 'vaultarr_vault_verified_bytes_total',
      help: 'Bytes of vault copies found matching, by method.',
      labelNames: ['method'],
    },
    verifySeconds: {
      type: 'histogram',
      name: 'vaultarr_vault_verification_duration_seconds',
      help: 'Duration of a vault copy verification, by method.',
      labelNames: ['method'],
      buckets: TRANSFER_SECONDS_BUCKETS,
    },
    failures: {
      type: 'counter',
      name: 'vaultarr_activity_failures_total',
      help: 'Failed activity attempts, by activity and failure type (a type from domain/failures.ts, transient or cancelled).',
      labelNames: ['activity', 'type'],
    },
    scans: {
      type: 'counter',
      name: 'vaultarr_scans_total',
      help: 'Media server scan requests, by target and outcome (scanned, failed).',
      labelNames: ['target', 'outcome'],
    },
    deliveries: {
      type: 'counter',
      name: 'vaultarr_peer_deliveries_total',
      help: 'Notifications delivered to peers, by peer and outcome (accepted, duplicate, failed).',
      labelNames: ['peer', 'outcome'],
    },
    evictions: {
      type: 'counter',
      name: 'vaultarr_evictions_total',
      help: 'Local copies the janitor evicted or tried to, by outcome (evicted, refused, failed).',
      labelNames: ['outcome'],
    },
    freedBytes: {
      type: 'counter',
      name: 'vaultarr_evicted_bytes_total',
      help: 'Bytes freed on the local disk by evictions.',
    },
    notifications: {
      type: 'counter',
      name: 'vaultarr_notifications_total',
      help: 'Notification attempts through Apprise, by event and outcome (sent, already-sent, resolved, failed).',
      labelNames: ['event', 'outcome'],
    },
    freeRatio: {
      type: 'gauge',
      name: 'vaultarr_local_free_ratio',
      help: 'Free share of the local disk (.Local), 0-1, as unprivileged users see it.',
      async collect() {
        const s = await statfs(localRoot).catch(() => undefined);
        if (s) this.set(s.blocks > 0 ? s.bavail / s.blocks : 1);
      },
    },
    freeBytes: {
      type: 'gauge',
      name: 'vaultarr_local_free_bytes',
      help: 'Free bytes of the local disk (.Local).',
      async collect() {
        const s = await statfs(localRoot).catch(() => undefined);
        if (s) this.set(s.bavail * s.bsize);
      },
    },
  });
  if (deps.rcloneDaemonUp) {
    const up = deps.rcloneDaemonUp;
    defineMetrics(registry, {
      daemonUp: {
        type: 'gauge',
        name: 'vaultarr_rclone_daemon_up',
        help: '1 when the rclone daemon (rclone rcd) answers, else 0.',
        async collect() {
          this.set((await up().catch(() => false)) ? 1 : 0);
        },
      },
    });
  }
  if (deps.quotaPause) defineMetrics(registry, quotaPauseMetrics(deps.quotaPause));
  if (deps.throttle) defineMetrics(registry, throttleMetrics(deps.throttle));

  const observeCopy = (bytes: number, seconds: number): void => {
    metrics.copies.inc({ method: copyMethod });
    metrics.copiedBytes.inc({ method: copyMethod }, bytes);
    metrics.copySeconds.observe({ method: copyMethod }, seconds);
  };
  const observeVerification = (result: Observed, seconds: number): void => {
    const method = result.verification?.method ?? 'none';
    const outcome = result.match ? 'match' : result.changed ? 'changed' : 'mismatch';
    metrics.verifications.inc({ method, outcome });
    if (result.match) metrics.verifiedBytes.inc({ method }, result.verification?.sizeBytes ?? 0);
    metrics.verifySeconds.observe({ method }, seconds);
  };
  const observe = (activity: string, args: unknown[], result: Observed, seconds: number): void => {
    const input = (args[0] ?? {}) as { peer?: string; target?: string };
    switch (activity) {
      case 'copyToVault':
        observeCopy(result.bytesDone ?? 0, seconds);
        return;
      case 'verifyVaultCopy':
        observeVerification(result, seconds);
        return;
      case 'copyAndVerify':
        observeCopy(result.bytesCopied ?? 0, result.seconds?.copy ?? seconds);
        observeVerification(result, result.seconds?.verify ?? 0);
        return;
      case 'evictLocalCopy':
        metrics.evictions.inc({ outcome: result.evicted ? 'evicted' : 'refused' });
        if (result.evicted) metrics.freedBytes.inc(result.freedBytes ?? 0);
        return;
      case 'scanMediaServer':
        metrics.scans.inc({ target: input.target ?? 'unknown', outcome: 'scanned' });
        return;
      case 'notifyPeer':
        metrics.deliveries.inc({ peer: input.peer ?? 'unknown', outcome: result.status ?? 'accepted' });
        return;
      case 'sendNotification':
        metrics.notifications.inc({ event: result.event ?? 'unknown', outcome: result.outcome ?? 'unknown' });
        return;
    }
  };
  const observeFailure = (activity: string, args: unknown[], err: unknown): void => {
    const type = failureTypeOf(err);
    metrics.failures.inc({ activity, type });
    const input = (args[0] ?? {}) as { peer?: string; target?: string };
    if (type === 'cancelled') return;
    if (activity === 'scanMediaServer')
      metrics.scans.inc({ target: input.target ?? 'unknown', outcome: 'failed' });
    if (activity === 'notifyPeer')
      metrics.deliveries.inc({ peer: input.peer ?? 'unknown', outcome: 'failed' });
    if (activity === 'evictLocalCopy') metrics.evictions.inc({ outcome: 'failed' });
    if (activity === 'sendNotification') metrics.notifications.inc({ event: 'unknown', outcome: 'failed' });
  };

  const interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const started = performance.now();
        try {
          const result = await next(input);
          // A metric must never fail the activity it watches.
          try {
            observe(activity, input.args, (result ?? {}) as Observed, (performance.now() - started) / 1000);
          } catch {
            /* ignored */
          }
          return result;
        } catch (err) {
          observeFailure(activity, input.args, err);
          throw err;
        }
      },
    },
  });
  return { registry, interceptor };
}
