/**
 * The bench's bare worker (`node --import tsx bench/baselines/bare-worker.ts`): polls
 * `BENCH_TASK_QUEUE` on `BENCH_TEMPORAL_ADDRESS` with {@link bareWorkflow} and its no-op activity,
 * with the SDK's default worker options (what vaultarr's shared worker runs with). Runs until
 * SIGTERM/SIGINT.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { BareActivities } from './bare-workflow.js';

const address = process.env.BENCH_TEMPORAL_ADDRESS;
const taskQueue = process.env.BENCH_TASK_QUEUE;
if (!address || !taskQueue) throw new Error('BENCH_TEMPORAL_ADDRESS and BENCH_TASK_QUEUE are required');

const activities: BareActivities = { doNothing: async () => undefined };
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./bare-workflow.ts', import.meta.url)),
  activities,
});
await worker.run();
await connection.close();
