/**
 * The real stack (`vaultarr start`, as `npm start` runs it) as processes on a temp data dir, for
 * end-to-end and fault tests: its environment, its CLI, its Temporal client, its processes.
 */
import { Client, Connection } from '@temporalio/client';
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { stringify as stringifyYaml } from 'yaml';
import path from 'node:path';
import { freePort, WaitAborted, waitFor } from '../../lib/infra/wait.js';
import { tempDir } from './env.js';

/** A stack on its own data dir and ports. */
export class TestStack {
  readonly dir: string;
  readonly local: string;
  readonly incoming: string;
  readonly cloud: string;
  readonly staging: string;
  readonly hostId: string;
  private child?: ChildProcess;
  private out = '';
  private readonly cleanupDir: () => void;

  private constructor(
    readonly ports: { temporal: number; ui: number; pg: number; api: number; metrics: number },
    private readonly extraEnv: Record<string, string>,
  ) {
    const t = tempDir('vaultarr-e2e-');
    this.dir = t.dir;
    this.cleanupDir = t.cleanup;
    this.local = path.join(this.dir, 'data', '.Local');
    this.incoming = path.join(this.local, 'Incoming');
    this.cloud = path.join(this.dir, 'data', 'cloud');
    this.staging = path.join(this.dir, 'staging');
    this.hostId = extraEnv.VAULTARR_HOST_ID ?? 'e2e-host';
    mkdirSync(this.staging, { recursive: true });
  }

  /** A stack with free ports; `extraEnv` adds or overrides `VAULTARR_*` settings. */
  static async create(extraEnv: Record<string, string> = {}): Promise<TestStack> {
    const ports = {
      temporal: await freePort(),
      ui: await freePort(),
      pg: await freePort(),
      api: await freePort(),
      metrics: await freePort(),
    };
    return new TestStack(ports, extraEnv);
  }

  /** The environment of the stack and its CLI (the test's own `VAULTARR_*` variables removed). */
  env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VAULTARR_')),
    );
    delete env.DATABASE_URL;
    return {
      ...env,
      VAULTARR_DATA_DIR: path.join(this.dir, 'data'),
      VAULTARR_HOST_ID: this.hostId,
      VAULTARR_TEMPORAL__EMBEDDED__PORT: String(this.ports.temporal),
      VAULTARR_TEMPORAL__EMBEDDED__UI_PORT: String(this.ports.ui),
      VAULTARR_DATABASE__EMBEDDED__PORT: String(this.ports.pg),
      VAULTARR_API__PORT: String(this.ports.api),
      VAULTARR_API__HOST: '127.0.0.1',
      VAULTARR_METRICS__PORT: String(this.ports.metrics),
      VAULTARR_METRICS__HOST: '127.0.0.1',
      VAULTARR_WATCHER__SETTLE_SECONDS: '1',
      VAULTARR_INTAKE__SETTLE_SECONDS: '1',
      ...this.extraEnv,
    };
  }

  /** Writes the stack's `vaultarr.yml` (read by the stack and its CLI; env settings still win). */
  writeConfig(config: Record<string, unknown>): void {
    writeFileSync(path.join(this.dir, 'vaultarr.yml'), stringifyYaml(config));
  }

  /** Base URL of the stack's API. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  /** Everything the stack printed so far. */
  output(): string {
    return this.out;
  }

  /** Starts `vaultarr start` and waits for its banner and a ready API. */
  async start(): Promise<void> {
    this.out = '';
    const child = spawn(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'start'], {
      cwd: this.dir,
      env: this.env(),
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    try {
      await waitFor(
        'the stack to print its banner',
        async () => {
          if (child.exitCode !== null) throw new WaitAborted(`vaultarr start exited: ${this.out}`);
          return this.out.includes('vaultarr is running');
        },
        150_000,
      );
      await waitFor(
        'the API to be ready',
        async () => (await fetch(`http://127.0.0.1:${this.ports.api}/readyz`)).ok,
        30_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.diagnostics()}`, { cause: err });
    }
  }

  /** What the stack printed and the tail of each component's log, for a failure message. */
  diagnostics(): string {
    const logDir = path.join(this.dir, 'data', 'logs');
    const logs = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.endsWith('.log')) : [];
    // The first lines say what went wrong (a Go panic's message), the last what it came to.
    const tail = (text: string) => {
      const lines = text.split('\n');
      return lines.length <= 30 ? text : [...lines.slice(0, 12), '…', ...lines.slice(-12)].join('\n');
    };
    return [
      `--- vaultarr start printed:\n${tail(this.out)}`,
      ...logs.map((f) => `--- ${f}:\n${tail(readFileSync(path.join(logDir, f), 'utf8'))}`),
    ].join('\n');
  }

  /** Ctrl-C: SIGINT to `vaultarr start`; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  }

  /** Stops the stack and removes its data dir. */
  async destroy(): Promise<void> {
    await this.stop();
    // FUSE mounts (the union view) left behind would make the data dir impossible to remove.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('fusermount', ['-uz', m]);
    this.cleanupDir();
  }

  /**
   * Waits until `items list --stage resident` lists the item at `libraryPath` (polled every second).
   *
   * @returns its ID
   * @throws when it is not resident within `timeoutMs`
   */
  async residentId(libraryPath: string, timeoutMs: number): Promise<string> {
    let id = '';
    await waitFor(
      `${libraryPath} to be resident`,
      async () => {
        const listed = JSON.parse(this.cli('items', 'list', '--stage', 'resident', '--json').stdout) as {
          items: Array<{ id: string; libraryPath: string }>;
        };
        id = listed.items.find((i) => i.libraryPath === libraryPath)?.id ?? '';
        return Boolean(id);
      },
      timeoutMs,
      1000,
    );
    return id;
  }

  /** Runs the `vaultarr` CLI against the stack. */
  cli(...args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [path.resolve('dist/cli/vaultarr.js'), ...args], {
      cwd: this.dir,
      env: this.env(),
      encoding: 'utf8',
    });
  }

  /** PIDs of this stack's processes running a component (`worker`, `api`, `watcher`) or the Temporal server. */
  pidsOf(component: 'worker' | 'api' | 'watcher' | 'temporal'): number[] {
    const pattern =
      component === 'temporal' ? `${path.join(this.dir, 'data', 'temporal')}` : `vaultarr.js ${component}$`;
    let out = '';
    try {
      out = execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
    } catch {
      return [];
    }
    const pids = out.split('\n').filter(Boolean).map(Number);
    if (component === 'temporal') return pids;
    // Component processes are the stack's children: keep only those whose environment names our data dir.
    return pids.filter((pid) => {
      try {
        return execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' }).includes(
          path.join(this.dir, 'data'),
        );
      } catch {
        return false;
      }
    });
  }

  /** Runs a function with a Temporal client connected to the stack. */
  async withTemporal<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: `127.0.0.1:${this.ports.temporal}` });
    try {
      return await fn(new Client({ connection }));
    } finally {
      await connection.close();
    }
  }

  /** Drops a release into Incoming/ the way a download client finishes one: built elsewhere, then renamed in. */
  drop(name: string, build: (at: string) => void): void {
    const at = path.join(this.staging, name);
    build(at);
    renameSync(at, path.join(this.incoming, name));
  }
}
