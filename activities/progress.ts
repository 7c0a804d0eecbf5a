/**
 * Heartbeats that match the work, and live progress. Every host activity runs inside
 * {@link withHeartbeats}:
 * - a pump heartbeats the activity's latest {@link ActivityProgress} one second after it starts,
 *   then every 2 s (every third of the heartbeat timeout when that is shorter) and when the phase
 *   changes, whatever the activity is doing (hashing, waiting on rclone, moving a file across
 *   filesystems), so a slow disk never times an attempt out while a dead worker still does. The host worker caps the SDK's heartbeat
 *   throttle below that (`maxHeartbeatThrottleInterval`), so each beat reaches Temporal and the Web
 *   UI's pending activity shows progress at most about 2 s old. The heartbeats are also how a
 *   cancelled or timed-out attempt learns it must stop: its `cancellationSignal` aborts, and the
 *   activity's reads and rclone calls stop with it (no orphaned hashing).
 * - with a {@link ProgressSink} (the catalog's `item_progress`, see `lib/item-progress.ts`), the
 *   same progress is written for `vaultarr items show`, `items watch` and the items API: half a
 *   second after the start, at once when the phase changes, when the bytes change at most once a
 *   second, and every 2 s regardless; the row is deleted when the activity ends. An attempt that
 *   ends within half a second writes nothing and one within a second sends no heartbeat.
 *
 * Activities report what they are doing with {@link reportProgress}.
 */
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import {
  clearItemProgress,
  percentOf,
  writeItemProgress,
  type ItemProgressWrite,
} from '../lib/item-progress.js';

/** What a long host activity is doing: the heartbeat details of every host activity. */
export interface ActivityProgress {
  /** What the activity is doing now: `copying`, `hashing`, `verifying`, `reading-back`, `moving`, `evicting`, ... */
  phase: string;
  /** Bytes of this phase done so far. */
  bytesDone: number;
  /** Bytes this phase will handle (0 when unknown or when the phase has no byte count). */
  bytesTotal: number;
  /** `bytesDone / bytesTotal` in percent, one decimal (absent when the total is unknown). */
  percent?: number;
  /** Library-relative path the phase works on, when it is one file. */
  file?: string;
}

/** Where a running activity's progress goes besides its heartbeats: the catalog's `item_progress`. */
export interface ProgressSink {
  /** Writes the latest progress of an attempt (errors are logged, never fail the activity). */
  write(progress: ItemProgressWrite): Promise<void>;
  /** Removes an attempt's progress when it ends. */
  clear(key: Pick<ItemProgressWrite, 'workflowId' | 'activityId' | 'attempt'>): Promise<void>;
}

/**
 * The catalog as a {@link ProgressSink}: rows of `item_progress` (see `lib/item-progress.ts`).
 *
 * @param pool - the worker's Postgres pool
 */
export function catalogProgressSink(pool: pg.Pool): ProgressSink {
  return {
    write: (progress) => writeItemProgress(pool, progress),
    clear: (key) => clearItemProgress(pool, key),
  };
}

/** When the first write of a running activity's progress goes out, in ms after its start. */
export const PROGRESS_FIRST_WRITE_MS = 500;
/** Bytes-only changes are written at most this often, in ms. */
export const PROGRESS_WRITE_MS = 1000;
/** A running activity's progress is rewritten at least this often, in ms, changed or not. */
export const PROGRESS_KEEPALIVE_MS = 2000;
/** Heartbeat cadence for the Web UI's view, in ms (shorter when a third of the heartbeat timeout is). */
export const LIVE_HEARTBEAT_MS = 2000;

/** How long an ending activity waits for its last progress write and clear, in ms (a database that hangs never holds its result). */
const SINK_WAIT_MS = 5000;

/** Waits for `promise` (which never rejects) at most `ms`. */
async function within(promise: Promise<void> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The running activity's progress and what was written of it. */
interface Live {
  progress: ActivityProgress;
  /** Bumped by every {@link reportProgress}. */
  version: number;
  startedMs: number;
  phaseStartedMs: number;
  /** What the sink last got, if anything. */
  written?: { version: number; atMs: number; phase: string };
  /** The sink write in flight. */
  writing?: Promise<void>;
  /** Writes to the sink when a write is due (set while a sink is attached). */
  tick?: () => void;
  /** Heartbeats now, once the pump beats (a new phase reaches the Web UI without waiting for the next beat). */
  beatNow?: () => void;
  /** Writes the current progress to the sink now, if it holds any of this attempt's. */
  flush?: () => Promise<void>;
}

const STARTING: ActivityProgress = { phase: 'starting', bytesDone: 0, bytesTotal: 0 };
const live = new WeakMap<Context, Live>();

function withPercent(p: ActivityProgress): ActivityProgress {
  return { ...p, percent: percentOf(p.bytesDone, p.bytesTotal) };
}

/** The running activity's context, or undefined outside an activity. */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Records the running activity's progress: its next heartbeat carries it, and so does its next
 * catalog write (at once when the phase changed). Outside an activity (a unit test calling a
 * helper directly) it does nothing.
 *
 * @param progress - the fields that changed; a new `phase` resets the byte counts unless given
 */
export function reportProgress(progress: Partial<ActivityProgress>): void {
  const ctx = currentContext();
  if (!ctx) return;
  let state = live.get(ctx);
  if (!state) {
    const now = Date.now();
    state = { progress: STARTING, version: 0, startedMs: now, phaseStartedMs: now };
    live.set(ctx, state);
  }
  const current = state.progress;
  const newPhase = progress.phase !== undefined && progress.phase !== current.phase;
  const reset = newPhase ? { bytesDone: 0, bytesTotal: 0, file: undefined } : {};
  state.progress = { ...current, ...reset, ...progress };
  state.version++;
  if (newPhase) {
    state.phaseStartedMs = Date.now();
    state.tick?.();
    state.beatNow?.();
  }
}

/**
 * Writes the running activity's progress to the catalog now and waits for it, when the activity
 * has written any before (it runs long enough to be watched): so that a stage recorded next is
 * never seen beside the phase before it (`verifying` beside `copying 100 %`).
 */
export async function flushProgress(): Promise<void> {
  const ctx = currentContext();
  if (ctx) await live.get(ctx)?.flush?.();
}

/**
 * The running activity's cancellation signal (aborted when the attempt is cancelled or timed
 * out), or `undefined` outside an activity.
 */
export function activitySignal(): AbortSignal | undefined {
  return currentContext()?.cancellationSignal;
}

/**
 * When the heartbeat pump beats for a heartbeat timeout: first after `firstMs`, then every
 * `everyMs` — at most a third of the timeout (at least 100 ms), and no more than 1 s and
 * {@link LIVE_HEARTBEAT_MS}.
 */
export function heartbeatSchedule(heartbeatTimeoutMs: number): { firstMs: number; everyMs: number } {
  const third = Math.max(100, Math.floor(heartbeatTimeoutMs / 3));
  return { firstMs: Math.min(third, 1000), everyMs: Math.min(third, LIVE_HEARTBEAT_MS) };
}

/** Attaches a sink to an attempt's progress: a timer that writes it when due (see the module doc). */
function attachSink(ctx: Context, state: Live, sink: ProgressSink): () => Promise<void> {
  const info = ctx.info;
  const workflowId = info.workflowExecution?.workflowId;
  if (!workflowId) return async () => {};
  const key = { workflowId, activityId: info.activityId, attempt: info.attempt };
  let warned = false;
  const write = (): Promise<void> => {
    const now = Date.now();
    const p = state.progress;
    state.written = { version: state.version, atMs: now, phase: p.phase };
    const writing = sink
      .write({
        ...key,
        activity: info.activityType,
        phase: p.phase,
        bytesDone: p.bytesDone,
        bytesTotal: p.bytesTotal,
        file: p.file,
        activityElapsedMs: now - state.startedMs,
        phaseElapsedMs: now - state.phaseStartedMs,
      })
      .catch((err: unknown) => {
        if (!warned) ctx.log.warn(`live progress not written: ${(err as Error).message}`, { workflowId });
        warned = true;
      })
      .finally(() => {
        if (state.writing === writing) state.writing = undefined;
      });
    state.writing = writing;
    return writing;
  };
  state.tick = () => {
    if (state.writing) return;
    const now = Date.now();
    const w = state.written;
    const due = !w
      ? now - state.startedMs >= PROGRESS_FIRST_WRITE_MS
      : state.progress.phase !== w.phase ||
        (state.version !== w.version && now - w.atMs >= PROGRESS_WRITE_MS) ||
        now - w.atMs >= PROGRESS_KEEPALIVE_MS;
    if (due) void write();
  };
  state.flush = async () => {
    await within(state.writing, SINK_WAIT_MS);
    if (state.written && !state.writing) await within(write(), SINK_WAIT_MS);
  };
  const timer = setInterval(() => state.tick?.(), PROGRESS_FIRST_WRITE_MS / 2);
  return async () => {
    clearInterval(timer);
    state.tick = undefined;
    state.flush = undefined;
    await within(state.writing, SINK_WAIT_MS);
    if (state.written)
      await within(
        sink.clear(key).catch((err: unknown) => {
          ctx.log.warn(`live progress not cleared: ${(err as Error).message}`, { workflowId });
        }),
        SINK_WAIT_MS,
      );
  };
}

/**
 * Wraps an activity function so that it heartbeats its latest progress (see
 * {@link heartbeatSchedule}) and, given a sink, writes it there (see the module doc) until it
 * ends. Activities scheduled without a heartbeat timeout run as they are.
 *
 * @param fn - the activity function
 * @param sink - where live progress goes besides the heartbeats (default: nowhere)
 * @returns the same function, heartbeating
 */
export function withHeartbeats<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  sink?: ProgressSink,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const ctx = Context.current();
    const timeoutMs = ctx.info.heartbeatTimeoutMs;
    if (!timeoutMs) return fn(...args);
    const now = Date.now();
    const state: Live = { progress: STARTING, version: 0, startedMs: now, phaseStartedMs: now };
    live.set(ctx, state);
    const beat = () => ctx.heartbeat(withPercent(state.progress));
    const { firstMs, everyMs } = heartbeatSchedule(timeoutMs);
    let pump: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      beat();
      pump = setInterval(beat, everyMs);
      state.beatNow = beat;
    }, firstMs);
    const detach = sink ? attachSink(ctx, state, sink) : undefined;
    try {
      return await fn(...args);
    } finally {
      clearTimeout(first);
      clearInterval(pump);
      await detach?.();
      live.delete(ctx);
    }
  };
}

/**
 * Wraps every function of an activity group with {@link withHeartbeats}.
 *
 * @param activities - an activity factory's result
 * @param sink - where their live progress goes besides the heartbeats (default: nowhere)
 * @returns the same functions, heartbeating
 */
export function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  sink?: ProgressSink,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities))
    out[name] = withHeartbeats(fn as (...args: unknown[]) => Promise<unknown>, sink);
  return out as T;
}

/**
 * {@link heartbeating} with a sink, as a function of the activities.
 *
 * @param sink - where the activities' live progress goes besides the heartbeats
 */
export function heartbeatingWith(
  sink: ProgressSink,
): <T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T) => T {
  return (activities) => heartbeating(activities, sink);
}

/**
 * Cancellation and progress for a long file operation of the running activity (see
 * `FileIoOptions` in `lib/files.ts`): aborts with the attempt, reports `phase` with the bytes done.
 *
 * @param phase - the phase to report (`moving`, `hashing`, ...)
 * @param bytesTotal - bytes the operation will handle (0 when unknown)
 * @param file - library-relative path it works on, if one
 */
export function fileIo(
  phase: string,
  bytesTotal = 0,
  file?: string,
): { signal?: AbortSignal; onBytes: (bytesDone: number) => void } {
  reportProgress({ phase, bytesDone: 0, bytesTotal, file });
  return {
    signal: activitySignal(),
    onBytes: (bytesDone) => reportProgress({ phase, bytesDone, bytesTotal, file }),
  };
}
