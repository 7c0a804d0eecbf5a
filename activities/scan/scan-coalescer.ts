/**
 * Merges scan requests per media server, as autoscan does: many items finishing at once (a season
 * pack, a reconcile pass) must not send one request per file.
 */
import type { FolderChange, MediaServer } from './servers/index.js';

/** Requests of one server collected during one merge window. */
interface Batch {
  changes: Map<string, FolderChange>;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Collects scan requests per {@link MediaServer}: the first request for a server opens a window of
 * `mergeWindowMs`; every request within the window joins it; when it closes, the distinct changes
 * go out in ONE `server.scan()` call, and every caller gets that call's outcome (the same
 * resolution or the same rejection). Requests arriving while that call is in flight open the next
 * window. State is per process: workers on other hosts merge separately.
 */
export class ScanCoalescer {
  private readonly open = new Map<MediaServer, Batch>();

  /**
   * @param options.mergeWindowMs - how long a window stays open, in ms; 0 still merges the
   *   requests made before the event loop next runs timers (the same tick)
   */
  constructor(private readonly options: { mergeWindowMs: number }) {}

  /**
   * Adds changes to the server's open window, opening one if none is.
   *
   * @param server - the target; windows are per server object
   * @param changes - folders as the server sees them; duplicates (same path and update type) are
   *   sent once
   * @returns the outcome of the `server.scan()` call the changes went out in; it rejects with
   *   whatever that call threw (see {@link MediaServer.scan} for which failures are retried)
   */
  request(server: MediaServer, changes: FolderChange[]): Promise<void> {
    let batch = this.open.get(server);
    if (!batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Callers await `done`; this only keeps a rejection nobody waits for any more from crashing the worker.
      done.catch(() => undefined);
      const opened: Batch = { changes: new Map(), done, resolve, reject };
      this.open.set(server, opened);
      setTimeout(() => this.flush(server, opened), Math.max(0, this.options.mergeWindowMs));
      batch = opened;
    }
    for (const change of changes) batch.changes.set(`${change.updateType}\0${change.path}`, change);
    return batch.done;
  }

  private flush(server: MediaServer, batch: Batch): void {
    this.open.delete(server);
    const changes = [...batch.changes.values()];
    // Through a promise so that a scan() throwing synchronously still reaches every caller.
    Promise.resolve()
      .then(() => server.scan(changes))
      .then(batch.resolve, batch.reject);
  }
}
