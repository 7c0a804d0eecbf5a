/**
 * Stream-aware upload throttling, as cloudplow's: the worker process polls its Plex, Jellyfin and
 * Emby servers for remote streams, and while at least `vault.throttle.minStreams` play, the rclone
 * daemon's bandwidth limit is `vault.throttle.bwLimit` (rc `core/bwlimit`, which also slows the
 * copies already running); when they end, the configured `vault.bwLimit` (or none) is back.
 *
 * Worker-process logic, not workflow code: nothing here is recorded in a history, and a worker
 * restart simply starts polling again.
 */
import type { MediaServer } from '../activities/scan/servers/index.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';

/** What the throttle turns: the rclone daemon's limit (`Rclone.setBwLimit`). */
export interface BandwidthControl {
  /**
   * Sets the daemon's limit to one rate (`2M`, `off`).
   *
   * @returns the rate rclone applies, or undefined when no daemon runs
   */
  setBwLimit(rate: string): Promise<string | undefined>;
}

/**
 * The throttle's settings, from config `vault`, or `undefined` when `vault.throttle` is unset:
 * - `minStreams`: remote streams (all servers together) at which uploads are throttled;
 * - `throttledRate`: the limit while throttled, one rate (`vault.throttle.bwLimit`, e.g. `2M`);
 * - `normalLimit`: the configured limit to restore (`vault.bwLimit`: a rate or a timetable;
 *   `undefined`: `off`);
 * - `pollMs`: time between two polls (`vault.throttle.pollSeconds`).
 */
export function throttleSettings(config: Config) {
  const throttle = config.vault.throttle;
  return throttle
    ? {
        minStreams: throttle.minStreams,
        throttledRate: throttle.bwLimit,
        normalLimit: config.vault.bwLimit,
        pollMs: throttle.pollSeconds * 1000,
      }
    : undefined;
}

/** What {@link throttleSettings} returns when `vault.throttle` is set. */
export type ThrottleSettings = NonNullable<ReturnType<typeof throttleSettings>>;

/** Options of {@link StreamThrottle}. */
export interface StreamThrottleOptions {
  /** The media servers to ask; those without sessions (autoscan) are left out. */
  servers: MediaServer[];
  control: BandwidthControl;
  settings: ThrottleSettings;
  log?: Pick<Logger, 'info' | 'warn'>;
  /** Clock for the timetable slot to restore (default now). */
  now?: () => Date;
}

/** What the last poll found. */
export interface ThrottleState {
  /** Whether the throttled rate is applied. */
  throttled: boolean;
  /** Remote streams by media server name (a server that failed to answer counts 0). */
  streams: Record<string, number>;
  /** Sum of `streams`. */
  totalStreams: number;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * The rate of a `--bwlimit` value in effect at a time: the value itself when it is one rate, else
 * the timetable slot that started last before `at` (`"08:00,2M 23:00,off"`; slots may name a
 * weekday, `"Mon-08:00,2M Sat-00:00,off"`), wrapping around the week as rclone does.
 *
 * @param at - this host's local time
 * @returns one rate, e.g. `2M`, `2M:off` or `off`
 */
export function bwLimitAt(bwLimit: string, at: Date): string {
  const slots = bwLimit.trim().split(/\s+/);
  if (slots.length === 1 && !slots[0]!.includes(',')) return slots[0]!;
  const minuteOfWeek = (day: number, hh: number, mm: number) => day * 1440 + hh * 60 + mm;
  const now = minuteOfWeek(at.getDay(), at.getHours(), at.getMinutes());
  let current: { start: number; rate: string } | undefined;
  let last: { start: number; rate: string } | undefined;
  for (const slot of slots) {
    const m = /^(?:([A-Za-z]{3})[A-Za-z]*-)?(\d{1,2}):(\d{2}),(.+)$/.exec(slot);
    if (!m) continue;
    const day = m[1] ? WEEKDAYS.indexOf(m[1].toLowerCase()) : -1;
    for (const d of day >= 0 ? [day] : [0, 1, 2, 3, 4, 5, 6]) {
      const start = minuteOfWeek(d, Number(m[2]), Number(m[3]));
      if (start <= now && (!current || start >= current.start)) current = { start, rate: m[4]! };
      if (!last || start >= last.start) last = { start, rate: m[4]! };
    }
  }
  return (current ?? last)?.rate ?? 'off';
}

/** Polls the media servers and turns the daemon's limit; see the module comment. */
export class StreamThrottle {
  private readonly servers: Array<MediaServer & { remoteStreams(): Promise<number> }>;
  private readonly failing = new Set<string>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<ThrottleState>;
  private current: ThrottleState = { throttled: false, streams: {}, totalStreams: 0 };

  constructor(private readonly options: StreamThrottleOptions) {
    this.servers = options.servers.filter(
      (s): s is MediaServer & { remoteStreams(): Promise<number> } => typeof s.remoteStreams === 'function',
    );
  }

  /** What the last poll found (for the worker's metrics). */
  get state(): ThrottleState {
    return this.current;
  }

  /** Whether any configured server can report streams (else starting the throttle does nothing). */
  get hasServers(): boolean {
    return this.servers.length > 0;
  }

  /** Polls at once and then every `pollMs`, until {@link stop}. */
  start(): void {
    if (this.timer || !this.hasServers) return;
    const tick = () => void this.check().catch(() => undefined);
    this.timer = setInterval(tick, this.options.settings.pollMs);
    this.timer.unref();
    tick();
  }

  /** Stops polling and, when throttled, restores the configured limit. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    if (this.current.throttled) await this.apply(false).catch(() => undefined);
  }

  /**
   * Asks every server for its remote streams (at the same time; a failing one counts 0 and is
   * logged once until it answers again) and applies the limit they call for. While throttled, the
   * rate is set again at every poll: a restarted daemon, or a timetable slot that began, has
   * replaced it.
   *
   * @returns the new state
   * @throws Error when the daemon refuses the rate (the next poll tries again)
   */
  check(): Promise<ThrottleState> {
    // One poll at a time: a slow server must not let two polls race on the daemon's limit.
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async poll(): Promise<ThrottleState> {
    const counts = await Promise.all(
      this.servers.map(async (server) => {
        try {
          const n = await server.remoteStreams();
          if (this.failing.delete(server.name))
            this.options.log?.info({ server: server.name }, 'media server answers its sessions again');
          return [server.name, n] as const;
        } catch (err) {
          if (!this.failing.has(server.name)) {
            this.failing.add(server.name);
            this.options.log?.warn(
              { server: server.name, err: (err as Error).message },
              'cannot read the media server sessions; counting no streams there',
            );
          }
          return [server.name, 0] as const;
        }
      }),
    );
    const streams = Object.fromEntries(counts);
    const totalStreams = counts.reduce((n, [, c]) => n + c, 0);
    const throttle = totalStreams >= this.options.settings.minStreams;
    if (throttle || this.current.throttled) await this.apply(throttle);
    if (throttle !== this.current.throttled)
      this.options.log?.info(
        { streams, rate: throttle ? this.options.settings.throttledRate : this.normalRate() },
        throttle
          ? 'remote streams playing: uploads throttled'
          : 'remote streams ended: upload limit restored',
      );
    this.current = { throttled: throttle, streams, totalStreams };
    return this.current;
  }

  private normalRate(): string {
    return this.options.settings.normalLimit
      ? bwLimitAt(this.options.settings.normalLimit, this.options.now?.() ?? new Date())
      : 'off';
  }

  private async apply(throttle: boolean): Promise<void> {
    await this.options.control.setBwLimit(throttle ? this.options.settings.throttledRate : this.normalRate());
  }
}
