/**
 * Watches `Incoming/` (`@parcel/watcher`: one inotify watch per directory, none per file) and
 * starts a media item's workflow for every release — a file or a folder at its top level — once it
 * has finished arriving: no partial names inside (`.part`, `.!qB`, rsync's `.name.XXXXXX`, ...),
 * nothing changed for the settle time, and no process holding any of its files open for writing (as
 * `fuser` tells). Whatever already sits there at start-up is picked up too, and a full listing
 * every minute finds any release whose events were lost. The item's sort then waits for every
 * sign of a complete release (`activities/sort/completeness.ts`): the watcher only debounces.
 */
import { subscribe, type AsyncSubscription } from '@parcel/watcher';
import pLimit from 'p-limit';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../lib/config.js';
import { isPartialName, listFiles } from '../lib/files.js';
import type { Logger } from '../lib/logger.js';
import { filesOpenForWriting } from '../lib/open-files.js';
import { arrivalIdentity, type ArrivalIdentity } from '../lib/workflow-ids.js';

/** A release ready to sort. */
export interface ReadyRelease {
  /** Path relative to the local root, `Incoming/<name>`. */
  releasePath: string;
  /** Device, inode and birth time of the entry: with the path, the identity of this arrival. */
  arrival: ArrivalIdentity;
}

/**
 * The watcher's settings, from config `library` and `watcher`: `localRoot`, the absolute local
 * root (the watched folder is `<localRoot>/Incoming`); `settleMs`, the quiet time after the last
 * change before a release is handed on (`watcher.settleSeconds`); a release with a file open for
 * writing is looked at again after this long.
 */
export function watcherSettings(config: Config) {
  return { localRoot: config.library.localRoot, settleMs: config.watcher.settleSeconds * 1000 };
}

/** What {@link watcherSettings} returns. */
export type WatcherSettings = ReturnType<typeof watcherSettings>;

/** Options of {@link IncomingWatcher}. */
export interface IncomingWatcherOptions {
  settings: WatcherSettings;
  /** Starts the release's workflow; a rejection is retried with backoff. */
  onReady: (release: ReadyRelease) => Promise<void>;
  logger: Logger;
  /**
   * How often `Incoming/` is also listed in full, in ms (default {@link DEFAULT_RESCAN_MS}). Events
   * can be lost: when inotify's queue overflows under a burst, the kernel drops them, and neither
   * libuv nor `@parcel/watcher` reports it. A release no event announced is found by the next
   * listing.
   */
  rescanMs?: number;
}

/** Default interval of the full listing of `Incoming/` (see `rescanMs`), in ms. */
export const DEFAULT_RESCAN_MS = 60_000;

/** The `Incoming/` watcher. `start()` begins; `close()` stops. */
export class IncomingWatcher {
  private subscription?: AsyncSubscription;
  private rescanTimer?: NodeJS.Timeout;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Releases waiting for a check slot or being checked. */
  private readonly checking = new Set<string>();
  /** Entries already handed to `onReady`, by name → identity, so one arrival starts once. */
  private readonly started = new Map<string, string>();
  private readonly failures = new Map<string, number>();
  private readonly incoming: string;
  /**
   * Releases looked at once. 10,000 dropped together would otherwise list, hash and start all at
   * once (850 MiB of promises and gRPC calls in flight); 16 keep the watcher small and the server
   * as busy as it can usefully be.
   */
  private readonly checks = pLimit(16);

  constructor(private readonly options: IncomingWatcherOptions) {
    this.incoming = path.join(options.settings.localRoot, 'Incoming');
  }

  /**
   * Starts watching; resolves once watching, with every release already there scheduled. Entries
   * whose top-level name starts with a dot are ignored (rsync's and download clients' temporaries).
   */
  async start(): Promise<void> {
    this.subscription = await subscribe(this.incoming, (err, events) => {
      if (err) return this.options.logger.error({ err }, 'watcher error');
      for (const event of events) this.changed(event.path);
    });
    for (const name of await readdir(this.incoming)) this.changed(path.join(this.incoming, name));
    this.rescanTimer = setInterval(
      () => void this.rescan().catch((err: unknown) => this.options.logger.error({ err }, 'rescan failed')),
      this.options.rescanMs ?? DEFAULT_RESCAN_MS,
    );
    this.rescanTimer.unref();
    this.options.logger.info({ incoming: this.incoming }, 'watching Incoming/');
  }

  /** Looks at every release in `Incoming/` that is neither handed over, nor scheduled, nor being checked. */
  private async rescan(): Promise<void> {
    for (const name of await readdir(this.incoming)) {
      if (name.startsWith('.') || this.started.has(name) || this.timers.has(name) || this.checking.has(name))
        continue;
      this.options.logger.info({ name }, 'release found by the rescan of Incoming/, not by an event');
      this.schedule(name, 0);
    }
  }

  /** Stops watching and forgets pending releases. */
  async close(): Promise<void> {
    clearInterval(this.rescanTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.subscription?.unsubscribe();
  }

  /** Something changed at `abs`: its release (top-level entry) is looked at once quiet. */
  private changed(abs: string): void {
    const rel = path.relative(this.incoming, abs);
    if (!rel || rel.startsWith('..')) return;
    const name = rel.split(path.sep)[0]!;
    if (!name.startsWith('.')) this.schedule(name, this.options.settings.settleMs);
  }

  private schedule(name: string, delayMs: number): void {
    clearTimeout(this.timers.get(name));
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.checking.add(name);
        this.checks(() => this.check(name))
          .catch((err: unknown) => this.options.logger.error({ err, name }, 'release check failed'))
          .finally(() => this.checking.delete(name));
      }, delayMs),
    );
  }

  private async check(name: string): Promise<void> {
    const abs = path.join(this.incoming, name);
    let info;
    let arrival: ArrivalIdentity;
    try {
      [info, arrival] = await Promise.all([stat(abs), arrivalIdentity(abs)]);
    } catch {
      this.started.delete(name);
      return;
    }
    const identity = `${arrival.dev}:${arrival.ino}:${arrival.bornNs}`;
    if (this.started.get(name) === identity) return;
    const files = info.isDirectory()
      ? await listFiles(abs)
      : [{ path: name, sizeBytes: info.size, mtimeMs: info.mtimeMs }];
    if (isPartialName(name) || files.some((f) => isPartialName(path.basename(f.path)))) return; // its rename fires a new event
    const newest = Math.max(info.mtimeMs, ...files.map((f) => f.mtimeMs));
    const quietFor = Date.now() - newest;
    if (quietFor < this.options.settings.settleMs) {
      this.schedule(name, this.options.settings.settleMs - quietFor + 50);
      return;
    }
    // A writer may pause for longer than the settle time (a stalled download): it still holds the file open.
    // One walk of /proc answers every release checked within half a second.
    const writing = await filesOpenForWriting(
      info.isDirectory() ? files.map((f) => path.join(abs, f.path)) : [abs],
      { under: this.incoming, maxAgeMs: 500 },
    );
    if (writing.length > 0) {
      this.options.logger.debug({ name, writing }, 'release still open for writing; waiting');
      this.schedule(name, Math.max(this.options.settings.settleMs, 500));
      return;
    }
    try {
      await this.options.onReady({ releasePath: `Incoming/${name}`, arrival });
      this.started.set(name, identity);
      this.failures.delete(name);
    } catch (err) {
      const n = (this.failures.get(name) ?? 0) + 1;
      this.failures.set(name, n);
      const delay = Math.min(60_000, 1000 * 2 ** Math.min(n, 6));
      this.options.logger.warn({ err, name, retryInMs: delay }, 'could not start the workflow; will retry');
      this.schedule(name, delay);
    }
  }
}
