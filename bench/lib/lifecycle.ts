/**
 * The shared body of the lifecycle scenarios (1, 2, 3, 5): files with release names dropped into
 * `Incoming/` of a fresh stack whose vault is one of `vaults.ts` (a local folder, OpenSSH SFTP,
 * WebDAV, S3, crypt over local), timed until every item is `resident`, side by side with plain
 * rclone copying the same files to an identical remote of the same server in the same run (and
 * checking them as a careful user would where `copy` compares no hash); then how vaultarr verified
 * each copy (its records) and the history events of a few items.
 */
import proto from '@temporalio/proto';
import { mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { statusQuery } from '../../domain/messages.js';
import {
  commandName,
  cpuSeconds,
  cpusAllowed,
  descendants,
  mib,
  peakRssBytes,
  sampleRss,
  treeCpuSeconds,
} from './proc.js';
import { timeCommand, writeRandomFile, writeSparseFile } from './media.js';
import type { ScenarioContext } from './report.js';
import { BenchStack } from './stack.js';
import { verificationSummary, type VerificationSummary } from './verification.js';
import {
  configArgs,
  remoteAt,
  remoteSize,
  startBenchVault,
  type BenchVault,
  type RemoteRef,
  type VaultType,
} from './vaults.js';

const { EventType } = proto.temporal.api.enums.v1;

/** Options of {@link runLifecycle}. */
export interface LifecycleOptions {
  count: number;
  sizeBytes: number;
  /** Release name (without extension) of file `i`. */
  releaseName(i: number): string;
  /** The plain-rclone run to compare with: one `rclone copy` of the folder, or `rclone copyto` of each file. */
  baseline: 'copy' | 'copyto';
  /** The vault type (plain rclone copies to an identical remote of the same server). */
  vault: VaultType;
  /** Also time plain rclone with each of the vault's `variants` (WebDAV: its pacer off). */
  baselineVariants?: boolean;
  /** Random bytes throughout (default), or sparse files (large sizes in seconds; see `writeSparseFile`). */
  content?: 'random' | 'sparse';
  /**
   * Runs on the fresh stack before its components start (the Temporal server has seen nothing
   * else yet): the same-server baseline of scenario 3.
   */
  beforeComponents?(stack: BenchStack): Promise<void>;
  /** Seconds of idle RSS sampling before the drop (0: none). */
  idleSeconds: number;
  /** Extra `VAULTARR_*` settings of the stack. */
  env?: Record<string, string>;
  /**
   * Split the worker as on a small storage host: this host's activities in a `vaultarr worker
   * --host-only` process (`host-worker`, measured beside the others), the workflows in a worker
   * of another host ID.
   */
  hostOnlyWorker?: boolean;
  /** Give up waiting for `resident` after this long. */
  timeoutMs: number;
}

/** What {@link runLifecycle} measured. */
export interface LifecycleFigures {
  vault: VaultType;
  /** Hashes of the remote that holds the vault's objects (under crypt: the one below it). */
  underlyingHashes: string[];
  count: number;
  sizeBytes: number;
  /** Drop into `Incoming/` (the first rename) until the last item is resident. */
  vaultarrSeconds: number;
  /** The watcher's settle time, part of the above: a release waits this long after its last change. */
  settleSeconds: number;
  /** First workflow start until the last item is resident. */
  vaultarrFromFirstStartSeconds: number;
  /** The plain-rclone run compared with (`copy` of the folder, `copyto` of each file). */
  baselineCommand: LifecycleOptions['baseline'];
  /** Plain `rclone copy` (or `copyto` of each file). */
  rcloneSeconds: number;
  /** `vaultarrSeconds` ÷ plain rclone. */
  ratio: number;
  /** `vaultarrFromFirstStartSeconds` ÷ plain rclone. */
  ratioWithoutSettle: number;
  /**
   * Where `copy` compares no hash (a remote without hashes: `check --download`; crypt:
   * `cryptcheck`): plain rclone plus that check, as a careful user verifies, and vaultarr against it.
   */
  withCheck?: {
    command: string;
    checkSeconds: number;
    rcloneSeconds: number;
    ratio: number;
    ratioWithoutSettle: number;
  };
  /** Plain rclone (with its check) with other flags, by variant name (WebDAV: `pacer off`). */
  variants: Record<string, { rcloneSeconds: number; checkSeconds?: number }>;
  /** How vaultarr verified the copies, from its records: methods, bytes downloaded per item. */
  verification: VerificationSummary;
  /** S3: vaultarr's uploads that went up in parts (the server's log). */
  multipartUploads?: number;
  itemsPerSecond: number;
  cpuSeconds: { worker: number; temporal: number; api: number; watcher: number };
  /** The CPUs the worker process may run on (`0` under `--pi`). */
  workerCpus: string;
  /** History events of a few resident items (their workflows stay open): most of them, and each one's by type. */
  events: ItemEvents;
  /** When items entered each stage, in seconds after the drop (the catalog's events). */
  timeline: StageTimeline;
  memory?: {
    /** `stack`: every process of the stack added up (Temporal, Postgres, components, rclone daemons). */
    idle: Record<string, { peakMiB: number; meanMiB: number }>;
    run: Record<string, { peakMiB: number; meanMiB: number }>;
    /** The kernel's high-water mark of each process over its whole life (`VmHWM`). */
    lifetimePeakMiB: Record<string, number>;
  };
}

/** First `workflow started` log time of the watcher (epoch ms), from its pino log (ISO times). */
function firstStartMs(logFile: string): number | undefined {
  const times = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"workflow started"'))
    // Log times are ISO strings (lib/logger.ts).
    .map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  return times.length ? Math.min(...times) : undefined;
}

/** Runs one lifecycle measurement on a fresh stack; see the module comment. */
export async function runLifecycle(ctx: ScenarioContext, o: LifecycleOptions): Promise<LifecycleFigures> {
  const stack = await BenchStack.start({ components: [], workerProfile: ctx.workerProfile }).catch(
    (err: Error) => {
      throw new Error(`stack did not start: ${err.message}`);
    },
  );
  // The stack above only brings Temporal and Postgres: the vault remote must exist before the worker.
  let vault: BenchVault | undefined;
  try {
    vault = await startBenchVault(o.vault, path.join(stack.dir, 'vault'));
    ctx.log(`${vault.label} vault; underlying hashes: ${vault.underlyingHashes.join(', ') || 'none'}`);
    const staging = path.join(stack.dir, 'staging');
    mkdirSync(staging, { recursive: true });
    ctx.log(`writing ${o.count} ${o.content ?? 'random'} files of ${mib(o.sizeBytes)} MiB`);
    const names = Array.from({ length: o.count }, (_, i) => `${o.releaseName(i)}.mkv`);
    const write = o.content === 'sparse' ? writeSparseFile : writeRandomFile;
    for (const name of names) write(path.join(staging, name), o.sizeBytes);
    // Whole containers: each file is about `sizeBytes` (whole frames plus the container).
    const stagedBytes = names.reduce((n, name) => n + statSync(path.join(staging, name)).size, 0);
    await o.beforeComponents?.(stack);

    await stack.launchComponents(
      o.hostOnlyWorker ? ['worker', 'host-worker', 'api', 'watcher'] : ['worker', 'api', 'watcher'],
      {
        VAULTARR_VAULT__REMOTE: vault.vaultarr.remote,
        ...(vault.vaultarr.config ? { VAULTARR_VAULT__RCLONE_CONFIG: vault.vaultarr.config } : {}),
        ...o.env,
      },
      o.hostOnlyWorker ? { worker: { VAULTARR_HOST_ID: 'bench-workflows' } } : {},
    );
    const pids = {
      worker: stack.pid('worker'),
      api: stack.pid('api'),
      watcher: stack.pid('watcher'),
      ...(o.hostOnlyWorker ? { hostWorker: stack.pid('host-worker') } : {}),
    };
    // The worker's rclone daemons live in processes of their own: their memory is reported beside it.
    const rcloneOf = (pid: number) => () => descendants(pid).filter((p) => commandName(p) === 'rclone');
    const sampled = {
      ...pids,
      workerRclone: rcloneOf(pids.worker),
      ...(pids.hostWorker ? { hostWorkerRclone: rcloneOf(pids.hostWorker) } : {}),
    };

    let idle: Record<string, { peakMiB: number; meanMiB: number }> = {};
    if (o.idleSeconds > 0) {
      ctx.log(`idle for ${o.idleSeconds} s (memory)`);
      const sampler = sampleRss({ ...sampled, stack: () => stack.stackPids() });
      await new Promise((r) => setTimeout(r, o.idleSeconds * 1000));
      idle = sampler.stop();
    }

    ctx.log(`plain rclone ${o.baseline}${vault.check ? ` + ${vault.check.name}` : ''}`);
    const plain = await plainRclone(vault, remoteAt(vault.twin, 'plain'), staging, names, o.baseline);
    const variants: LifecycleFigures['variants'] = {};
    for (const [i, variant] of (o.baselineVariants ? vault.variants : []).entries()) {
      ctx.log(`plain rclone, ${variant.name}`);
      const to = remoteAt(vault.twin, `variant-${i}`);
      variants[variant.name] = await plainRclone(vault, to, staging, names, o.baseline, variant.flags);
    }
    const { rcloneSeconds, checkSeconds } = plain;

    const cpuBefore = {
      worker: treeCpuSeconds(pids.worker),
      temporal: cpuSeconds(stack.pid('temporal')),
      api: cpuSeconds(pids.api),
      watcher: cpuSeconds(pids.watcher),
    };
    const sampler = sampleRss(sampled);
    ctx.log(`dropping ${o.count} releases into Incoming/`);
    const dropMs = Date.now();
    const started = performance.now();
    for (const name of names) renameSync(path.join(staging, name), path.join(stack.incoming, name));
    await stack.waitResident(o.count, o.timeoutMs);
    const vaultarrSeconds = (performance.now() - started) / 1000;
    const run = sampler.stop();
    const cpu = {
      worker: treeCpuSeconds(pids.worker) - cpuBefore.worker,
      temporal: cpuSeconds(stack.pid('temporal')) - cpuBefore.temporal,
      api: cpuSeconds(pids.api) - cpuBefore.api,
      watcher: cpuSeconds(pids.watcher) - cpuBefore.watcher,
    };
    const lifetimePeakMiB = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, mib(peakRssBytes(pid))]),
    );

    // Sanity: every file is on the vault, all the bytes that were staged (decrypted, through crypt).
    const onVault = remoteSize(vault.vaultarr);
    if (onVault.count !== o.count || onVault.bytes !== stagedBytes)
      throw new Error(
        `the vault holds ${onVault.count} files of ${onVault.bytes} B, expected ${o.count} of ${stagedBytes} B`,
      );
    const verification = await verificationSummary(stack.pool);

    const events = await itemEvents(stack);
    const timeline = await stageTimeline(stack, dropMs);
    ctx.log(
      `stages (s after the drop: first / median / last): ${Object.entries(timeline)
        .map(([stage, t]) => `${stage} ${t.first}/${t.median}/${t.last}`)
        .join(', ')}`,
    );
    const first = firstStartMs(path.join(stack.logDir, 'watcher.log')) ?? dropMs;
    const fromFirst = vaultarrSeconds - (first - dropMs) / 1000;
    const settleSeconds = Number(o.env?.VAULTARR_WATCHER__SETTLE_SECONDS ?? 2);
    ctx.log(
      `vaultarr ${vaultarrSeconds.toFixed(1)} s (from first start ${fromFirst.toFixed(1)} s), ` +
        `rclone ${rcloneSeconds.toFixed(1)} s${checkSeconds === undefined ? '' : ` + ${vault.check!.name} ${checkSeconds.toFixed(1)} s`}; ` +
        `${events.most} history events per item, verified by ${events.verifiedBy}, ` +
        `${Math.round(verification.bytesDownloadedPerItem.mean)} B downloaded per item to verify`,
    );
    return {
      vault: o.vault,
      underlyingHashes: vault.underlyingHashes,
      count: o.count,
      sizeBytes: o.sizeBytes,
      vaultarrSeconds,
      settleSeconds,
      vaultarrFromFirstStartSeconds: fromFirst,
      baselineCommand: o.baseline,
      rcloneSeconds,
      ratio: vaultarrSeconds / rcloneSeconds,
      ratioWithoutSettle: fromFirst / rcloneSeconds,
      withCheck:
        checkSeconds === undefined
          ? undefined
          : {
              command: vault.check!.name,
              checkSeconds,
              rcloneSeconds: rcloneSeconds + checkSeconds,
              ratio: vaultarrSeconds / (rcloneSeconds + checkSeconds),
              ratioWithoutSettle: fromFirst / (rcloneSeconds + checkSeconds),
            },
      variants,
      verification,
      multipartUploads: vault.multipartUploads?.(),
      itemsPerSecond: o.count / vaultarrSeconds,
      cpuSeconds: cpu,
      workerCpus: cpusAllowed(pids.worker),
      events,
      timeline,
      memory: o.idleSeconds > 0 ? { idle, run, lifetimePeakMiB } : undefined,
    };
  } finally {
    await vault?.stop();
    await stack.stop();
  }
}

/**
 * Times plain rclone copying the staged files to `to` (one `copy` of the folder, or `copyto` of
 * each file), then the vault's careful check of them, if it has one (`check --download`, `cryptcheck`).
 */
async function plainRclone(
  vault: BenchVault,
  to: RemoteRef,
  staging: string,
  names: string[],
  baseline: LifecycleOptions['baseline'],
  flags: string[] = [],
): Promise<{ rcloneSeconds: number; checkSeconds?: number }> {
  const rclone = (...args: string[]) => timeCommand('rclone', [...configArgs(to), ...flags, ...args]);
  let rcloneSeconds = 0;
  if (baseline === 'copy') rcloneSeconds = await rclone('copy', staging, to.remote);
  else
    for (const name of names)
      rcloneSeconds += await rclone('copyto', path.join(staging, name), remoteAt(to, name).remote);
  const checkSeconds = vault.check
    ? await rclone(vault.check.command, ...vault.check.flags, staging, to.remote)
    : undefined;
  return { rcloneSeconds, checkSeconds };
}

/** Per stage and outcome (`sorting/entered`), in order of first entry: seconds after the drop when the first, median and last item entered it. */
export type StageTimeline = Record<string, { items: number; first: number; median: number; last: number }>;

/**
 * When the items entered each stage, from the catalog's `events` (one row per stage entered): shows
 * where a run's time went (e.g. every item sorted early, copies finishing late).
 */
async function stageTimeline(stack: BenchStack, dropMs: number): Promise<StageTimeline> {
  const { rows } = await stack.pool.query<{
    stage: string;
    items: string;
    first: number;
    median: number;
    last: number;
  }>(
    `SELECT stage || '/' || outcome AS stage, count(DISTINCT workflow_id) AS items,
            extract(epoch FROM min(at)) * 1000 AS first,
            extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY at)) * 1000 AS median,
            extract(epoch FROM max(at)) * 1000 AS last
       FROM events GROUP BY stage, outcome ORDER BY min(at)`,
  );
  const s = (ms: number) => Math.round((Number(ms) - dropMs) / 100) / 10;
  return Object.fromEntries(
    rows.map((r) => [
      r.stage,
      { items: Number(r.items), first: s(r.first), median: s(r.median), last: s(r.last) },
    ]),
  );
}

/** History events of sampled items, from `Incoming/` to `resident`. */
export interface ItemEvents {
  /** The most events among the sampled items. */
  most: number;
  /** The verification methods of the sampled items, distinct, comma-separated (`sha1`, `sha256-download`). */
  verifiedBy: string;
  /**
   * Per sampled workflow ID: its events by type (`WORKFLOW_TASK_COMPLETED`: 10, ...), and how its
   * copy was verified (the status query's `verification.method`, e.g. `sha1` or `sha256-download`).
   */
  byItem: Record<string, { total: number; byType: Record<string, number>; verifiedBy?: string }>;
}

/**
 * Counts the history events of up to three resident items (their workflows wait on: everything
 * written so far is their way from `Incoming/` to `resident`). A count is taken once two reads a
 * second apart agree, so that the last workflow task after the catalog said `resident` is in it.
 */
async function itemEvents(stack: BenchStack): Promise<ItemEvents> {
  const { rows } = await stack.pool.query<{ workflow_id: string }>(
    "SELECT workflow_id FROM media_items WHERE stage = 'resident' ORDER BY workflow_id LIMIT 3",
  );
  const byItem: ItemEvents['byItem'] = {};
  for (const { workflow_id: id } of rows) {
    const handle = stack.client.workflow.getHandle(id);
    const read = async () => (await handle.fetchHistory()).events ?? [];
    let events = await read();
    for (let tries = 0; tries < 10; tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      const again = await read();
      if (again.length === events.length) break;
      events = again;
    }
    const byType: Record<string, number> = {};
    for (const e of events) {
      const type = EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType);
      byType[type] = (byType[type] ?? 0) + 1;
    }
    const verifiedBy = (await handle.query(statusQuery).catch(() => undefined))?.verification?.method;
    byItem[id] = { total: events.length, byType, verifiedBy };
  }
  const items = Object.values(byItem);
  return {
    most: Math.max(0, ...items.map((i) => i.total)),
    verifiedBy: [...new Set(items.map((i) => i.verifiedBy ?? 'unknown'))].join(', '),
    byItem,
  };
}
