/**
 * Process figures read from Linux `/proc`: resident memory and CPU time of a process and its
 * descendants, and a sampler that keeps the peak while a scenario runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on every Linux build we run on). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** PIDs of a process's children, grandchildren, ... (not the process itself). */
export function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Resident set size of one process in bytes (0 once it has exited). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The CPUs a process may run on (`Cpus_allowed_list`, e.g. `0` or `0-1`), or '' once it has exited. */
export function cpusAllowed(pid: number): string {
  try {
    return /Cpus_allowed_list:\s+(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

/** Peak resident set size the kernel recorded for one process (`VmHWM`), in bytes. */
export function peakRssBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) of a process, including its children that have exited and been
 * waited for (`cutime`, `cstime`): the worker's finished rclone processes count as the worker's.
 */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // Fields after the command name, 0-based: 11 utime, 12 stime, 13 cutime, 14 cstime.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

/** CPU seconds of a process plus its live descendants (rclone copies still running). */
export function treeCpuSeconds(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + cpuSeconds(p), 0);
}

/** The command name of a process (`/proc/<pid>/comm`), or '' once it has exited. */
export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Samples the RSS of named processes every `intervalMs` (a name may stand for a set of processes
 * found anew at each sample, their RSS added up); `stop()` gives peak and mean per name.
 */
export function sampleRss(
  pids: Record<string, number | (() => number[])>,
  intervalMs = 200,
): { stop(): Record<string, { peakMiB: number; meanMiB: number; samples: number }> } {
  const peak: Record<string, number> = {};
  const sum: Record<string, number> = {};
  let samples = 0;
  const take = () => {
    samples++;
    for (const [name, which] of Object.entries(pids)) {
      const rss = (typeof which === 'number' ? [which] : which()).reduce(
        (sum, pid) => sum + rssBytes(pid),
        0,
      );
      peak[name] = Math.max(peak[name] ?? 0, rss);
      sum[name] = (sum[name] ?? 0) + rss;
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return Object.fromEntries(
        Object.keys(pids).map((name) => [
          name,
          {
            peakMiB: mib(peak[name] ?? 0),
            meanMiB: mib((sum[name] ?? 0) / samples),
            samples,
          },
        ]),
      );
    },
  };
}

/** Bytes → MiB with one decimal. */
export const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** The machine a run happened on. */
export function machine(): {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  loadAverage: number[];
} {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1073741824) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    loadAverage: loadAverage(),
  };
}

/** 1, 5 and 15 minute load averages, two decimals. */
export const loadAverage = (): number[] => os.loadavg().map((l) => Math.round(l * 100) / 100);
