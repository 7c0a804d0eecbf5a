/**
 * Background CPU priority for a process that does bulk work (the worker: sorting, hashing, rclone
 * uploads), the way users run cloudplow or an rclone cron job under `nice`: playback on the same
 * host (a Plex, Jellyfin or Emby transcode), webhooks and the Temporal server get the CPU first.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Raises this process's niceness to `niceness` (Linux `nice` values: 0 normal, 19 lowest), for
 * every thread it already has; threads and child processes started later (the workflow thread,
 * the rclone daemon) inherit it. Linux keeps a niceness per thread, so each thread is set
 * (`/proc/self/task`); elsewhere the process's is. A process already nicer is left as it is:
 * lowering niceness needs root, and whoever ran it nicer meant it.
 *
 * @param niceness - 0-19; 0 does nothing
 * @returns the niceness the process runs with afterwards
 * @throws never: a thread that cannot be changed (it ended meanwhile) is skipped
 */
export function runAtBackgroundPriority(niceness: number): number {
  const current = getPriority();
  if (niceRaise(niceness) === 0) return current;
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0]; // No procfs: the calling process.
  }
  for (const tid of threads) {
    try {
      setPriority(tid, niceness);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return getPriority();
}

/**
 * How much niceness to add to this process's own to reach `niceness` (what `nice -n` takes for a
 * child process, since it adds to what the child inherits). A process already that nice or nicer
 * keeps its own: 0.
 *
 * @param niceness - 0-19
 * @returns 0-19
 */
export function niceRaise(niceness: number): number {
  return Math.max(0, niceness - getPriority());
}
