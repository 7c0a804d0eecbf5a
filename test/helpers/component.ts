/**
 * One `vaultarr <component>` process (worker, watcher, api) with its own environment, for tests
 * that run several hosts or instances against one Temporal and one Postgres.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitFor } from '../../lib/infra/wait.js';

/** A `vaultarr` component process that can be killed and started again. */
export class Component {
  private child?: ChildProcess;
  private out = '';

  /** @param env - `VAULTARR_*` settings (the test's own `VAULTARR_*` variables are dropped) */
  constructor(
    readonly command: string,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
  ) {}

  /** The process ID while it runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Everything it printed since the last start. */
  output(): string {
    return this.out;
  }

  /**
   * Starts it and waits until it prints `ready` (a log message). A worker's `/metrics` goes to a
   * free loopback port unless the env names one.
   */
  async start(ready: string, timeoutMs = 90_000): Promise<void> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VAULTARR_')));
    delete base.DATABASE_URL;
    const metrics = { VAULTARR_METRICS__PORT: String(await freePort()), VAULTARR_METRICS__HOST: '127.0.0.1' };
    this.out = '';
    const child = spawn(process.execPath, [path.resolve('dist/cli/vaultarr.js'), this.command], {
      cwd: this.cwd,
      env: { ...base, ...metrics, ...this.env },
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    await waitFor(
      `vaultarr ${this.command} to print "${ready}"`,
      async () => {
        if (child.exitCode !== null) throw new Error(`vaultarr ${this.command} exited: ${this.out}`);
        return this.out.includes(ready);
      },
      timeoutMs,
    );
  }

  /** Sends a signal (SIGKILL: the host dies) and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
