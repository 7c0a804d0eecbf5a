/**
 * The shared body of the lifecycle scenarios (1, 2, 3, 5): files with release names dropped into
 * `Incoming/` of a fresh stack whose vault is a served remote (WebDAV without hashes, or SFTP with
 * md5/sha1), timed until every item is `resident`, side by side with plain rclone copying the
 * same files to a second, identical remote in the same run; then the history events of a few items.
 */
import proto from '@temporalio/proto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
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
import { startServedRemote, timeCommand, writeRandomFile, writeSparseFile, type VaultKind } from './media.js';
import type { ScenarioContext } from './report.js';
import { BenchStack } from './stack.js';

const { EventType } = proto.temporal.api.enums.v1;

/** Options of {@link runLifecycle}. */
export interface LifecycleOptions {
  count: number;
  sizeBytes: number;
  /** Release name (without extension) of file `i`. */
  releaseName(i: number): string;
  /** The plain-rclone run to compare with: one `rclone copy` of the folder, or `rclone copyto` of each file. */
  baseline: 'copy' | 'copyto';
  /** The vault (and its twin for plain rclone): `rclone serve webdav` or `rclone serve sftp`. */
  vault: VaultKind;
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
  count: number;
  sizeBytes: number;
  /** Drop into `Incoming/` (the first rename) until the last item is resident. */
  vaultarrSeconds: number;
  /** The watcher's settle time, part of the above: a release waits this long after its last change. */
  settleSeconds: number;
  /** First workflow start until the last item is resident. */
  vaultarrFromFirstStartSeconds: number;
  rcloneSeconds: number;
  ratio: number;
  ratioWithoutSettle: number;
  /**
   * On a vault without hashes (WebDAV) only: plain rclone plus `rclone check --download`, the
   * check vaultarr does there (read every copy back and hash it), and vaultarr's time against it.
   */
  withReadBackCheck?: { rcloneSeconds: number; ratio: number };
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
  const vault = await startServedRemote(o.vault, path.join(stack.dir, 'vault'));
  const twin = await startServedRemote(o.vault, path.join(stack.dir, 'rclone-twin'));
  try {
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
      { VAULTARR_VAULT__REMOTE: vault.remote, ...o.env },
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

    ctx.log(`plain rclone ${o.baseline}`);
    const rcloneSeconds =
      o.baseline === 'copy'
        ? await timeCommand('rclone', ['copy', staging, twin.remote])
        : await names.reduce(
            async (sum, name) =>
              (await sum) +
              (await timeCommand('rclone', ['copyto', path.join(staging, name), `${twin.remote}${name}`])),
            Promise.resolve(0),
          );
    const checkSeconds =
      o.vault === 'webdav'
        ? await timeCommand('rclone', ['check', staging, twin.remote, '--download', '--one-way'])
        : undefined;

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

    // Sanity: every file is on the vault, all the bytes that were staged.
    const onVault = listFiles(vault.dir);
    const vaultBytes = onVault.reduce((n, f) => n + f.sizeBytes, 0);
    if (onVault.length !== o.count || vaultBytes !== stagedBytes)
      throw new Error(
        `the vault holds ${onVault.length} files of ${vaultBytes} B, expected ${o.count} of ${stagedBytes} B`,
      );

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
        `rclone ${rcloneSeconds.toFixed(1)} s; ${events.most} history events per item, verified by ${events.verifiedBy}`,
    );
    return {
      count: o.count,
      sizeBytes: o.sizeBytes,
      vaultarrSeconds,
      settleSeconds,
      vaultarrFromFirstStartSeconds: fromFirst,
      rcloneSeconds,
      ratio: vaultarrSeconds / rcloneSeconds,
      ratioWithoutSettle: fromFirst / rcloneSeconds,
      withReadBackCheck:
        checkSeconds === undefined
          ? undefined
          : {
              rcloneSeconds: rcloneSeconds + checkSeconds,
              ratio: vaultarrSeconds / (rcloneSeconds + checkSeconds),
            },
      itemsPerSecond: o.count / vaultarrSeconds,
      cpuSeconds: cpu,
      workerCpus: cpusAllowed(pids.worker),
      events,
      timeline,
      memory: o.idleSeconds > 0 ? { idle, run, lifetimePeakMiB } : undefined,
    };
  } finally {
    await vault.stop();
    await twin.stop();
    await stack.stop();
  }
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

function listFiles(dir: string): Array<{ path: string; sizeBytes: number }> {
  const out: Array<{ path: string; sizeBytes: number }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const abs = path.join(entry.parentPath, entry.name);
      out.push({ path: abs, sizeBytes: statSync(abs).size });
    }
  }
  return out;
}
