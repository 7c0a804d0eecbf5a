/**
 * The shared body of the lifecycle scenarios (1, 2, 3, 5): files with release names dropped into
 * `Incoming/` of a fresh stack whose vault is a WebDAV remote, timed until every item is
 * `resident`, side by side with plain rclone copying the same files to a second, identical
 * WebDAV remote in the same run.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  commandName,
  cpuSeconds,
  descendants,
  mib,
  peakRssBytes,
  sampleRss,
  treeCpuSeconds,
} from './proc.js';
import { startWebdav, timeCommand, writeRandomFile } from './media.js';
import type { ScenarioContext } from './report.js';
import { BenchStack } from './stack.js';

/** Options of {@link runLifecycle}. */
export interface LifecycleOptions {
  count: number;
  sizeBytes: number;
  /** Release name (without extension) of file `i`. */
  releaseName(i: number): string;
  /** The plain-rclone run to compare with: one `rclone copy` of the folder, or `rclone copyto` of each file. */
  baseline: 'copy' | 'copyto';
  /** Seconds of idle RSS sampling before the drop (0: none). */
  idleSeconds: number;
  /** Extra `VAULTARR_*` settings of the stack. */
  env?: Record<string, string>;
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
  /** Plain rclone plus the check vaultarr does on WebDAV (read every copy back and hash it). */
  rcloneWithReadBackCheckSeconds: number;
  ratio: number;
  ratioWithoutSettle: number;
  ratioAgainstRcloneWithCheck: number;
  itemsPerSecond: number;
  cpuSeconds: { worker: number; temporal: number; api: number; watcher: number };
  memory?: {
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
  const stack = await BenchStack.start({ components: [] }).catch((err: Error) => {
    throw new Error(`stack did not start: ${err.message}`);
  });
  // The stack above only brings Temporal and Postgres: the vault remote must exist before the worker.
  const vault = await startWebdav(path.join(stack.dir, 'vault'));
  const twin = await startWebdav(path.join(stack.dir, 'rclone-twin'));
  try {
    const staging = path.join(stack.dir, 'staging');
    mkdirSync(staging, { recursive: true });
    ctx.log(`writing ${o.count} files of ${mib(o.sizeBytes)} MiB`);
    const names = Array.from({ length: o.count }, (_, i) => `${o.releaseName(i)}.mkv`);
    for (const name of names) writeRandomFile(path.join(staging, name), o.sizeBytes);

    await stack.launchComponents(['worker', 'api', 'watcher'], {
      VAULTARR_VAULT__REMOTE: vault.remote,
      ...o.env,
    });
    const pids = { worker: stack.pid('worker'), api: stack.pid('api'), watcher: stack.pid('watcher') };
    // The worker's rclone daemons live in processes of their own: their memory is reported beside it.
    const rcloneOfWorker = () => descendants(pids.worker).filter((pid) => commandName(pid) === 'rclone');
    const sampled = { ...pids, workerRclone: rcloneOfWorker };

    let idle: Record<string, { peakMiB: number; meanMiB: number }> = {};
    if (o.idleSeconds > 0) {
      ctx.log(`idle for ${o.idleSeconds} s (memory)`);
      const sampler = sampleRss(sampled);
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
    const checkSeconds = await timeCommand('rclone', [
      'check',
      staging,
      twin.remote,
      '--download',
      '--one-way',
    ]);

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

    // Sanity: every file is on the vault with its size.
    const onVault = listFiles(vault.dir);
    if (onVault.length !== o.count || onVault.some((f) => f.sizeBytes !== o.sizeBytes))
      throw new Error(`the vault holds ${onVault.length} files, expected ${o.count} of ${o.sizeBytes} B`);

    const first = firstStartMs(path.join(stack.logDir, 'watcher.log')) ?? dropMs;
    const fromFirst = vaultarrSeconds - (first - dropMs) / 1000;
    const settleSeconds = Number(o.env?.VAULTARR_WATCHER__SETTLE_SECONDS ?? 2);
    ctx.log(
      `vaultarr ${vaultarrSeconds.toFixed(1)} s (from first start ${fromFirst.toFixed(1)} s), rclone ${rcloneSeconds.toFixed(1)} s`,
    );
    return {
      count: o.count,
      sizeBytes: o.sizeBytes,
      vaultarrSeconds,
      settleSeconds,
      vaultarrFromFirstStartSeconds: fromFirst,
      rcloneSeconds,
      rcloneWithReadBackCheckSeconds: rcloneSeconds + checkSeconds,
      ratio: vaultarrSeconds / rcloneSeconds,
      ratioWithoutSettle: fromFirst / rcloneSeconds,
      ratioAgainstRcloneWithCheck: vaultarrSeconds / (rcloneSeconds + checkSeconds),
      itemsPerSecond: o.count / vaultarrSeconds,
      cpuSeconds: cpu,
      memory: o.idleSeconds > 0 ? { idle, run, lifetimePeakMiB } : undefined,
    };
  } finally {
    await vault.stop();
    await twin.stop();
    await stack.stop();
  }
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
