/**
 * Heartbeats that match the work. Every host activity runs inside {@link withHeartbeats}: a pump
 * heartbeats the activity's latest {@link ActivityProgress} every `heartbeatTimeout / 3`, whatever
 * the activity is doing (hashing, waiting on rclone, moving a file across filesystems), so a slow
 * disk never times an attempt out while a dead worker still does. The heartbeats are also how a
 * cancelled or timed-out attempt learns it must stop: its `cancellationSignal` aborts, and the
 * activity's reads and rclone calls stop with it (no orphaned hashing).
 *
 * Activities report what they are doing with {@link reportProgress}; the Web UI shows it as the
 * pending activity's heartbeat details, and `vaultarr items show` / the items API as `progress`.
 */
import { Context } from '@temporalio/activity';

/** What a long host activity is doing: the heartbeat details of every host activity. */
export interface ActivityProgress {
  /** What the activity is doing now: `copying`, `hashing`, `verifying`, `reading-back`, `moving`, `evicting`, ... */
  phase: string;
  /** Bytes of this phase done so far. */
  bytesDone: number;
  /** Bytes this phase will handle (0 when unknown). */
  bytesTotal: number;
  /** `bytesDone / bytesTotal` in percent, one decimal (absent when the total is unknown). */
  percent?: number;
  /** Library-relative path the phase works on, when it is one file. */
  file?: string;
}

const latest = new WeakMap<Context, ActivityProgress>();

function withPercent(p: ActivityProgress): ActivityProgress {
  return p.bytesTotal > 0
    ? { ...p, percent: Math.min(100, Math.round((1000 * p.bytesDone) / p.bytesTotal) / 10) }
    : { ...p, percent: undefined };
}

/**
 * Records the running activity's progress; the pump of {@link withHeartbeats} sends it with the
 * next heartbeat. Outside an activity (a unit test calling a helper directly) it does nothing.
 *
 * @param progress - the fields that changed; a new `phase` resets the byte counts unless given
 */
export function reportProgress(progress: Partial<ActivityProgress>): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  const current = latest.get(ctx) ?? { phase: 'starting', bytesDone: 0, bytesTotal: 0 };
  const reset =
    progress.phase !== undefined && progress.phase !== current.phase
      ? { bytesDone: 0, bytesTotal: 0, file: undefined }
      : {};
  latest.set(ctx, { ...current, ...reset, ...progress });
}

/**
 * The running activity's cancellation signal (aborted when the attempt is cancelled or timed
 * out), or `undefined` outside an activity.
 */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Interval of the heartbeat pump for a heartbeat timeout, in ms (a third of it, at least 100 ms). */
export function heartbeatIntervalMs(heartbeatTimeoutMs: number): number {
  return Math.max(100, Math.floor(heartbeatTimeoutMs / 3));
}

/**
 * Wraps an activity function so that it heartbeats its latest progress every
 * `heartbeatTimeout / 3` until it ends. The first beat goes out one interval after the start, not
 * at once: an attempt that ends sooner (most sorts, every small copy) costs the server no
 * heartbeat at all, and the server measures the timeout from the start anyway. Activities
 * scheduled without a heartbeat timeout run as they are.
 *
 * @param fn - the activity function
 * @returns the same function, heartbeating
 */
export function withHeartbeats<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const ctx = Context.current();
    const timeoutMs = ctx.info.heartbeatTimeoutMs;
    if (!timeoutMs) return fn(...args);
    latest.set(ctx, { phase: 'starting', bytesDone: 0, bytesTotal: 0 });
    const beat = () =>
      ctx.heartbeat(withPercent(latest.get(ctx) ?? { phase: 'starting', bytesDone: 0, bytesTotal: 0 }));
    const timer = setInterval(beat, heartbeatIntervalMs(timeoutMs));
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
      latest.delete(ctx);
    }
  };
}

/**
 * Wraps every function of an activity group with {@link withHeartbeats}.
 *
 * @param activities - an activity factory's result
 * @returns the same functions, heartbeating
 */
export function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities))
    out[name] = withHeartbeats(fn as (...args: unknown[]) => Promise<unknown>);
  return out as T;
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
