/**
 * A vaultarr stack for one bench scenario, on a fresh temp data dir and free ports: the embedded
 * Temporal dev server and Postgres started as `vaultarr start` starts them, then the components
 * (`worker`, `api`, `watcher`) as the same `node dist/cli/vaultarr.js <component>` processes, so
 * that each one's memory and CPU can be read from /proc. Processes are ended by their own PIDs.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { componentEnv, componentNodeFlags } from '../../lib/component-flags.js';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MEDIA_ITEM_WORKFLOW } from '../../domain/messages.js';
import { DEFAULT_TEMPORAL_NICENESS } from '../../lib/config.js';
import { migrate } from '../../lib/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../lib/infra/postgres-server.js';
import {
  findTemporalBinary,
  startTemporalDevServer,
  type TemporalDevServer,
  type TemporalDevServerOptions,
} from '../../lib/infra/temporal-server.js';
import { freePort, stopChild, waitFor } from '../../lib/infra/wait.js';
import { projectRoot } from '../../lib/project.js';
import { descendants } from './proc.js';

/**
 * A component process of the stack. `host-worker` is `vaultarr worker --host-only`: this host's
 * activities without workflows (a small storage host whose workflows run on another worker).
 */
export type Component = 'worker' | 'host-worker' | 'api' | 'watcher';

/** The `vaultarr` subcommand and node flags' component of each bench component. */
const COMMANDS: Record<Component, { args: string[]; flagsOf: string }> = {
  worker: { args: ['worker'], flagsOf: 'worker' },
  'host-worker': { args: ['worker', '--host-only'], flagsOf: 'worker' },
  api: { args: ['api'], flagsOf: 'api' },
  watcher: { args: ['watcher'], flagsOf: 'watcher' },
};

/** How a worker process runs: pinned to CPUs (`taskset -c`) with a V8 old-space limit. */
export interface WorkerProfile {
  name: string;
  /** `taskset -c` CPU list, e.g. `0`. */
  cpuList: string;
  /** `--max-old-space-size` in MiB. */
  maxOldSpaceSizeMiB: number;
}

/**
 * A Raspberry Pi with 1 GiB (`npm run bench -- --pi`): the worker on one core, and the old-space
 * limit V8 itself picks on a 1 GiB host (a quarter of physical memory). The Temporal SDK sizes its
 * default workflow cache from that heap limit, so the worker caches what it would cache on the Pi.
 */
export const PI_WORKER_PROFILE: WorkerProfile = { name: 'pi', cpuList: '0', maxOldSpaceSizeMiB: 256 };

/**
 * The command that runs `node <args>` under a worker profile (none: node itself). `taskset` execs
 * node, so the PID spawned is the worker's own.
 */
export function nodeCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  profile?: WorkerProfile,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (!profile) return { command: process.execPath, args, env };
  const nodeOptions = [env.NODE_OPTIONS, `--max-old-space-size=${profile.maxOldSpaceSizeMiB}`];
  return {
    command: 'taskset',
    args: ['-c', profile.cpuList, process.execPath, ...args],
    env: { ...env, NODE_OPTIONS: nodeOptions.filter(Boolean).join(' ') },
  };
}

/** Options of {@link BenchStack.start}. */
export interface BenchStackOptions {
  /** Components to run (default all three). */
  components?: Component[];
  /** `VAULTARR_*` settings added to the embedded defaults (e.g. `VAULTARR_VAULT__REMOTE`). */
  env?: Record<string, string>;
  /** Dev server options beyond the defaults (experiments with pragmas and dynamic config). */
  temporal?: Pick<TemporalDevServerOptions, 'sqlitePragmas' | 'dynamicConfig' | 'metricsPort'>;
  /** How the worker component runs (default: as `vaultarr start` runs it). */
  workerProfile?: WorkerProfile;
}

/** A running stack. `stop()` ends every process it started and removes its data dir. */
export class BenchStack {
  readonly dir: string;
  readonly dataDir: string;
  readonly localRoot: string;
  readonly incoming: string;
  readonly logDir: string;
  readonly hostId = 'bench-host';
  readonly children = new Map<Component, ChildProcess>();
  /** Settings of single components over the stack's (e.g. the workflow worker's own host ID). */
  private componentSettings: Partial<Record<Component, Record<string, string>>> = {};
  temporal!: TemporalDevServer;
  postgres!: EmbeddedPostgres;
  pool!: pg.Pool;
  client!: Client;
  ports!: { temporal: number; pg: number; api: number };

  private constructor(
    private extraEnv: Record<string, string>,
    readonly workerProfile?: WorkerProfile,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'vaultarr-bench-'));
    this.dataDir = path.join(this.dir, 'data');
    this.localRoot = path.join(this.dataDir, '.Local');
    this.incoming = path.join(this.localRoot, 'Incoming');
    this.logDir = path.join(this.dataDir, 'logs');
    for (const folder of ['Incoming', 'Movies', 'Shows', 'Unsorted'])
      mkdirSync(path.join(this.localRoot, folder), { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
  }

  /** Starts Temporal, Postgres (migrated) and the components; resolves once the API answers (if run). */
  static async start(options: BenchStackOptions = {}): Promise<BenchStack> {
    const stack = new BenchStack(options.env ?? {}, options.workerProfile);
    try {
      await stack.boot(options.components ?? ['worker', 'api', 'watcher'], options.temporal);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  private async boot(components: Component[], temporal: BenchStackOptions['temporal'] = {}): Promise<void> {
    this.ports = { temporal: await freePort(), pg: await freePort(), api: await freePort() };
    this.temporal = await startTemporalDevServer({
      binary: findTemporalBinary(),
      dbFile: path.join(this.dataDir, 'temporal', 'temporal.db'),
      ip: '127.0.0.1',
      port: this.ports.temporal,
      namespace: 'default',
      logFile: path.join(this.logDir, 'temporal.log'),
      // As `vaultarr start` runs it.
      niceness: DEFAULT_TEMPORAL_NICENESS,
      // For experiments: BENCH_TEMPORAL_METRICS_PORT=9090 to scrape the server's request counts.
      metricsPort: Number(process.env.BENCH_TEMPORAL_METRICS_PORT) || undefined,
      ...temporal,
      // For experiments: BENCH_TEMPORAL_DYNAMIC_CONFIG='{"key": value}' on any scenario.
      dynamicConfig: {
        ...temporal.dynamicConfig,
        ...(JSON.parse(process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG ?? '{}') as Record<string, unknown>),
      },
    });
    this.postgres = await startEmbeddedPostgres({
      dir: path.join(this.dataDir, 'postgres'),
      port: this.ports.pg,
      database: 'vaultarr',
      logFile: path.join(this.logDir, 'postgres.log'),
    });
    await migrate(this.postgres.url);
    this.pool = new pg.Pool({ connectionString: this.postgres.url, max: 4 });
    const connection = await Connection.connect({ address: this.temporal.address });
    this.client = new Client({ connection });
    await this.launchComponents(components);
  }

  /**
   * Starts components (adding `env` to the stack's settings first) and waits until the API answers
   * and the worker polls both its task queues.
   */
  async launchComponents(
    components: Component[],
    env: Record<string, string> = {},
    perComponent: Partial<Record<Component, Record<string, string>>> = {},
  ): Promise<void> {
    this.extraEnv = { ...this.extraEnv, ...env };
    this.componentSettings = { ...this.componentSettings, ...perComponent };
    // One after the other: each component runs the migrations at start-up, and node-pg-migrate
    // fails ("Another migration is already running") instead of waiting for a concurrent one.
    for (const component of components) {
      this.launch(component);
      await this.waitReady([component]).catch((err: Error) => {
        const log = readFileSync(path.join(this.logDir, `${component}.log`), 'utf8');
        const exit = this.children.get(component)?.exitCode ?? 'running';
        throw new Error(`${err.message}\n--- ${component}.log (exit ${exit})\n${log.slice(-1500)}`);
      });
    }
  }

  private async waitReady(components: Component[]): Promise<void> {
    if (components.includes('api')) {
      await waitFor('the API to be ready', async () => (await fetch(`${this.apiUrl}/readyz`)).ok, 60_000);
    }
    const hostOf = (component: Component) =>
      this.componentSettings[component]?.VAULTARR_HOST_ID ?? this.hostId;
    if (components.includes('worker')) {
      // 1 = workflow tasks on the shared queue, 2 = activity tasks on the host queue.
      await this.waitPolled([
        ['vaultarr', 1],
        [`vaultarr-host-${hostOf('worker')}`, 2],
      ]);
    }
    if (components.includes('host-worker'))
      await this.waitPolled([[`vaultarr-host-${hostOf('host-worker')}`, 2]]);
    if (components.includes('watcher')) {
      await waitFor(
        'the watcher to watch Incoming/',
        async () =>
          readFileSync(path.join(this.logDir, 'watcher.log'), 'utf8').includes('watching Incoming/'),
        60_000,
      );
    }
  }

  /** Waits until a worker polls each task queue for its task type (1 workflow, 2 activity tasks). */
  async waitPolled(queues: Array<[name: string, taskQueueType: 1 | 2]>): Promise<void> {
    const polled = async ([name, taskQueueType]: [string, number]): Promise<boolean> => {
      const r = await this.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name },
        taskQueueType,
      });
      return (r.pollers ?? []).length > 0;
    };
    await waitFor(
      `a worker to poll ${queues.map(([name]) => name).join(', ')}`,
      async () => (await Promise.all(queues.map(polled))).every(Boolean),
      90_000,
    );
  }

  /** `http://127.0.0.1:<port>` of the API. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  /** The environment of the components, as `vaultarr start` gives them. */
  env(): NodeJS.ProcessEnv {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VAULTARR_')));
    delete base.DATABASE_URL;
    return {
      ...base,
      VAULTARR_DATA_DIR: this.dataDir,
      VAULTARR_HOST_ID: this.hostId,
      VAULTARR_TEMPORAL__ADDRESS: this.temporal.address,
      DATABASE_URL: this.postgres.url,
      VAULTARR_API__PORT: String(this.ports.api),
      VAULTARR_API__HOST: '127.0.0.1',
      // Bench releases are written whole before they are dropped: the intake's quiet time (10
      // minutes by default) would only add a wait that is the same for every item.
      VAULTARR_INTAKE__SETTLE_SECONDS: '1',
      ...this.extraEnv,
    };
  }

  private launch(component: Component): void {
    const out = openSync(path.join(this.logDir, `${component}.log`), 'a');
    const cli = path.join(projectRoot(), 'dist', 'cli', 'vaultarr.js');
    // For profiling: BENCH_NODE_FLAGS_WORKER='--cpu-prof --cpu-prof-dir=/tmp/prof' (node refuses
    // --cpu-prof in NODE_OPTIONS).
    const { args, flagsOf } = COMMANDS[component];
    const extraFlags = process.env[`BENCH_NODE_FLAGS_${flagsOf.toUpperCase()}`]?.split(' ').filter(Boolean);
    const run = nodeCommand(
      [...componentNodeFlags(flagsOf), ...(extraFlags ?? []), cli, ...args],
      componentEnv(flagsOf, { ...this.env(), ...this.componentSettings[component] }),
      flagsOf === 'worker' ? this.workerProfile : undefined,
    );
    const child = spawn(run.command, run.args, { cwd: this.dir, env: run.env, stdio: ['ignore', out, out] });
    this.children.set(component, child);
  }

  /** PID of a component process. */
  pid(component: Component | 'temporal'): number {
    const pid = component === 'temporal' ? this.temporal.child?.pid : this.children.get(component)?.pid;
    if (!pid) throw new Error(`${component} is not running in this stack`);
    return pid;
  }

  /**
   * Every process of the stack as `vaultarr start` runs it: the Temporal server, Postgres (its
   * postmaster and backends), the components and their children (the worker's rclone daemons).
   */
  stackPids(): number[] {
    const postmaster = Number(
      readFileSync(path.join(this.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const roots = [this.temporal.child?.pid, postmaster, ...[...this.children.values()].map((c) => c.pid)];
    return roots.filter((pid): pid is number => Boolean(pid)).flatMap((pid) => [pid, ...descendants(pid)]);
  }

  /** Media item workflows in Temporal (of the workflow type the components of this build start). */
  async mediaItemWorkflows(): Promise<number> {
    return (await this.client.workflow.count(`WorkflowType = "${MEDIA_ITEM_WORKFLOW}"`)).count;
  }

  /** Media items per stage in the catalog. */
  async stages(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ stage: string; n: string }>(
      'SELECT stage, count(*) AS n FROM media_items GROUP BY stage',
    );
    return Object.fromEntries(rows.map((r) => [r.stage, Number(r.n)]));
  }

  /**
   * Waits until `count` items are resident; rejects early when an item parks in
   * `failed-needs-attention` or `awaiting-approval`, or after `timeoutMs`.
   */
  async waitResident(count: number, timeoutMs: number): Promise<void> {
    await waitFor(
      `${count} items resident`,
      async () => {
        const stages = await this.stages();
        const stuck = (stages['failed-needs-attention'] ?? 0) + (stages['awaiting-approval'] ?? 0);
        if (stuck) throw new Error(`items stuck: ${JSON.stringify(stages)}`);
        return (stages.resident ?? 0) >= count;
      },
      timeoutMs,
      100,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; stages now ${JSON.stringify(await this.stages().catch(() => ({})))}`);
    });
  }

  /** Stops every process this stack started (each by its PID) and removes the data dir. */
  async stop(): Promise<void> {
    await Promise.all([...this.children.values()].map((c) => stopChild(c, 10_000)));
    await this.client?.connection.close().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
    await this.temporal?.stop().catch(() => undefined);
    await this.postgres?.stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}
