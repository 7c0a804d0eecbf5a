/**
 * Keeps one service of `vaultarr start` running: the embedded Postgres, the embedded Temporal dev
 * server, the worker, API, watcher and union components. When the service ends it is started
 * again after a delay that doubles with each failure in a row (a service that comes back and
 * stays up resets it), and each step is logged.
 */
import type { Logger } from 'pino';

/** A running service, as its `start` returns it. */
export interface RunningService {
  /** Resolves, with how it ended (`code 1`, `signal SIGKILL`), once the service has ended. */
  exited: Promise<string>;
  /** Stops it; resolves once it has stopped. */
  stop(): Promise<void>;
}

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  /** Name in log lines: `Postgres`, `the Temporal dev server`, `worker`. */
  name: string;
  /** Starts the service; rejects when it does not come up. */
  start(): Promise<RunningService>;
  log: Logger;
  /** Delay before the first restart, in ms (default 1,000). */
  firstDelayMs?: number;
  /** Longest delay between restarts, in ms (default 30,000). */
  maxDelayMs?: number;
  /** Up this long, a service's next restart starts over at `firstDelayMs` (default 60,000). */
  stableMs?: number;
}

/** One supervised service; {@link Supervisor.start} starts it, {@link Supervisor.stop} ends the supervision and the service. */
export class Supervisor {
  private current?: RunningService;
  private stopping = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Resolves when {@link Supervisor.stop} is called (a service whose `exited` never resolves is still let go). */
  private readonly stopCalled: Promise<void>;
  private callStop!: () => void;

  constructor(private readonly options: SupervisorOptions) {
    this.stopCalled = new Promise((resolve) => (this.callStop = resolve));
  }

  /**
   * Starts the service the first time and supervises it from then on.
   *
   * @throws what the first start throws (nothing is supervised then)
   */
  async start(): Promise<void> {
    this.current = await this.options.start();
    this.loop = this.supervise(this.current);
  }

  private async supervise(first: RunningService): Promise<void> {
    const { name, log } = this.options;
    const firstDelayMs = this.options.firstDelayMs ?? 1000;
    const maxDelayMs = this.options.maxDelayMs ?? 30_000;
    const stableMs = this.options.stableMs ?? 60_000;
    let running: RunningService | undefined = first;
    let upSince = Date.now();
    let delayMs = firstDelayMs;
    for (;;) {
      if (running) {
        const how = await Promise.race([running.exited, this.stopCalled]);
        if (this.stopping) return;
        if (Date.now() - upSince >= stableMs) delayMs = firstDelayMs;
        log.error(
          { service: name, exit: how, restartInMs: delayMs },
          `${name} exited (${how}); restarting it`,
        );
        running = undefined;
      }
      await this.sleep(delayMs);
      if (this.stopping) return;
      delayMs = Math.min(delayMs * 2, maxDelayMs);
      try {
        running = await this.options.start();
      } catch (err) {
        log.error(
          { service: name, err: (err as Error).message, restartInMs: delayMs },
          `${name} did not start again; trying again`,
        );
        continue;
      }
      this.current = running;
      upSince = Date.now();
      if (this.stopping) {
        await running.stop();
        return;
      }
      log.info({ service: name }, `${name} restarted`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the supervision and stops the service (when it runs). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.callStop();
    this.wake?.();
    await this.current?.stop();
    await this.loop;
  }
}
