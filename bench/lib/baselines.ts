/**
 * Baselines measured in the same run as the scenarios, on the same kind of stack: what Temporal
 * itself costs (a bare three-activity workflow, a bare `signalWithStart`), for the ratios of
 * scenarios 3 and 4. The rclone baselines live beside each copy in `lifecycle.ts`.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stopChild, waitFor } from '../../lib/infra/wait.js';
import { projectRoot } from '../../lib/project.js';
import { cpuSeconds } from './proc.js';
import { nodeCommand, type BenchStack } from './stack.js';

/** Task queue of the bare worker (nothing of vaultarr's polls it). */
const BARE_TASK_QUEUE = 'bench-bare';
/** Type of `bench/baselines/bare-workflow.ts`'s workflow, started by name as vaultarr starts its own. */
const BARE_WORKFLOW = 'bareWorkflow';

/** What {@link runBareWorkflows} measured. */
export interface BareWorkflowFigures {
  count: number;
  /** The first start until the last workflow completed. */
  seconds: number;
  workflowsPerSecond: number;
  /** CPU seconds per workflow of the bare worker and of the Temporal server. */
  cpuSecondsPerWorkflow: { worker: number; temporal: number };
}

/**
 * Runs `count` bare workflows (`bench/baselines/bare-workflow.ts`) at once on the stack's Temporal server, with a worker of
 * their own in its own process (under the stack's worker profile), and times them from the
 * first start until all have completed. The worker is stopped before this resolves.
 *
 * @throws Error when the worker does not poll within 90 s (with its log's tail) or the workflows
 *   do not complete within `timeoutMs`
 */
export async function runBareWorkflows(
  stack: BenchStack,
  o: { count: number; timeoutMs: number },
): Promise<BareWorkflowFigures> {
  const logFile = path.join(stack.logDir, 'bare-worker.log');
  const script = path.join(projectRoot(), 'bench', 'baselines', 'bare-worker.ts');
  const run = nodeCommand(
    ['--import', 'tsx', script],
    { ...process.env, BENCH_TEMPORAL_ADDRESS: stack.temporal.address, BENCH_TASK_QUEUE: BARE_TASK_QUEUE },
    stack.workerProfile,
  );
  const out = openSync(logFile, 'a');
  const worker = spawn(run.command, run.args, {
    cwd: projectRoot(),
    env: run.env,
    stdio: ['ignore', out, out],
  });
  try {
    await stack.waitPolled([[BARE_TASK_QUEUE, 1]]).catch((err: Error) => {
      throw new Error(`${err.message}\n--- bare-worker.log\n${readFileSync(logFile, 'utf8').slice(-1500)}`);
    });
    const cpuBefore = { worker: cpuSeconds(worker.pid!), temporal: cpuSeconds(stack.pid('temporal')) };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: o.count }, (_, i) =>
        stack.client.workflow.start(BARE_WORKFLOW, { taskQueue: BARE_TASK_QUEUE, workflowId: `bare-${i}` }),
      ),
    );
    await waitFor(
      `${o.count} bare workflows completed`,
      async () =>
        (
          await stack.client.workflow.count(
            `WorkflowType = "${BARE_WORKFLOW}" AND ExecutionStatus = "Completed"`,
          )
        ).count >= o.count,
      o.timeoutMs,
      100,
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      count: o.count,
      seconds,
      workflowsPerSecond: o.count / seconds,
      cpuSecondsPerWorkflow: {
        worker: (cpuSeconds(worker.pid!) - cpuBefore.worker) / o.count,
        temporal: (cpuSeconds(stack.pid('temporal')) - cpuBefore.temporal) / o.count,
      },
    };
  } finally {
    await stopChild(worker, 10_000);
  }
}

/** Response times of a load run, in ms. */
export interface LatencyFigures {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What {@link runBareSignalWithStart} measured. */
export interface BareSignalWithStartFigures {
  amount: number;
  ratePerSecond: number;
  latencyMs: LatencyFigures;
  errors: number;
}

/** What {@link pacedLoad} measured: latencies of the calls that succeeded, and failures. */
export interface LoadFigures {
  latencyMs: LatencyFigures;
  errors: number;
}

/**
 * An open-loop load at a steady rate: call `i` is sent at `i / rate` s from the start (later only
 * when `connections` calls are already in flight), as events arrive from several *arr apps, and
 * its latency is measured from its send. Scenario 4's webhooks and its bare `signalWithStart`
 * floor both run through it, so that their latencies are measured under the same arrivals.
 * (autocannon's `overallRate` is a quota per connection and second: each second began with a burst
 * of every connection at once, which queued on the Temporal server and put its waits into the
 * webhook p99 but not into the floor's.)
 *
 * @param send - makes call `i`; a rejection counts as an error
 */
export async function pacedLoad(
  o: { amount: number; rate: number; connections: number },
  send: (i: number) => Promise<void>,
): Promise<LoadFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  for (let i = 0; i < o.amount; i++) {
    const wait = t0 + (i * 1000) / o.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= o.connections) await Promise.race(inFlight);
    const sent = performance.now();
    const call: Promise<void> = send(i)
      .then(
        () => void latencies.push(performance.now() - sent),
        () => void errors++,
      )
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  }
  await Promise.all(inFlight);
  return { latencyMs: latencyFigures(latencies), errors };
}

/**
 * Sends `amount` bare `client.workflow.signalWithStart` calls (each a new workflow of a type no
 * worker polls: the start alone is measured) at `rate` per second from this process through
 * {@link pacedLoad}, and reports their latency.
 */
export async function runBareSignalWithStart(
  stack: BenchStack,
  o: { amount: number; rate: number; connections: number },
): Promise<BareSignalWithStartFigures> {
  const load = await pacedLoad(o, async (i) => {
    await stack.client.workflow.signalWithStart(BARE_WORKFLOW, {
      taskQueue: `${BARE_TASK_QUEUE}-unpolled`,
      workflowId: `bare-signal-${i}`,
      signal: 'bare',
      signalArgs: [],
    });
  });
  return { amount: o.amount, ratePerSecond: o.rate, ...load };
}

/** Percentiles (nearest rank), max and mean of latencies in ms. */
export function latencyFigures(latenciesMs: number[]): LatencyFigures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? 0, mean };
}
