/**
 * Scenario 3, orchestration overhead: 500 files of 1 KiB to `resident` on the SFTP vault, where
 * the bytes cost nothing and what is left is workflows, activities, catalog writes and rclone
 * calls. Not on the WebDAV vault: rclone's WebDAV backend paces its calls (one every 10 ms, about
 * 92 a second measured here) and an item takes six, so there the pacer, not the orchestration,
 * sets the rate; scenario 1 reports WebDAV. It reports items per second against the floor
 * measured on the same Temporal server just before (500 bare workflows of three no-op
 * activities, started at once, with a worker of their own), history events per item, and CPU
 * seconds per item of the worker (with its rclone children) and of the Temporal server.
 */
import { runBareWorkflows, type BareWorkflowFigures } from '../lib/baselines.js';
import { checked, headline, info, round, type Scenario } from '../lib/report.js';
import { runLifecycle } from '../lib/lifecycle.js';
import { movieReleaseName } from '../lib/media.js';

export const overheadScenario: Scenario = {
  number: 3,
  ids: ['overhead', 'orchestration'],
  title: 'Orchestration overhead: 500 × 1 KiB to resident, against bare three-activity workflows',
  async run(ctx) {
    const count = ctx.quick ? 50 : 500;
    const baseline: { bare?: BareWorkflowFigures } = {};
    const f = await runLifecycle(ctx, {
      count,
      sizeBytes: 1024,
      releaseName: movieReleaseName,
      baseline: 'copy',
      vault: 'sftp',
      idleSeconds: 0,
      timeoutMs: 15 * 60_000,
      beforeComponents: async (stack) => {
        ctx.log(`baseline: ${count} bare workflows of three no-op activities`);
        baseline.bare = await runBareWorkflows(stack, { count, timeoutMs: 10 * 60_000 });
        ctx.log(`baseline: ${baseline.bare.workflowsPerSecond.toFixed(1)} workflows/s`);
      },
    });
    const bare = baseline.bare!;
    const s = '3 overhead';
    const perItem = (cpu: number) => round(cpu / count, 4);
    const itemsPerSecond = count / f.vaultarrFromFirstStartSeconds;
    return {
      rows: [
        info(s, `${count} × 1 KiB, drop → resident`, f.vaultarrSeconds, 's', 1),
        info(s, 'items per second, drop → resident', f.itemsPerSecond, '/s', 1),
        info(s, 'items per second, first start → resident', itemsPerSecond, '/s', 1),
        info(
          s,
          `bare three-activity workflows per second (${count} at once)`,
          bare.workflowsPerSecond,
          '/s',
          1,
        ),
        headline(
          checked(
            s,
            `${count} × 1 KiB items/s ÷ bare three-activity workflows/s`,
            itemsPerSecond / bare.workflowsPerSecond,
            '',
            {
              atLeast: 0.7,
            },
          ),
        ),
        headline(
          checked(s, 'history events per item, Incoming → resident', f.events.most, '', { atMost: 25 }, 0),
        ),
        info(s, 'worker CPU per item (with its rclone children)', f.cpuSeconds.worker / count, 's', 3),
        info(s, 'Temporal server CPU per item', f.cpuSeconds.temporal / count, 's', 3),
        info(s, 'bare worker CPU per workflow', bare.cpuSecondsPerWorkflow.worker, 's', 3),
        info(s, 'Temporal server CPU per bare workflow', bare.cpuSecondsPerWorkflow.temporal, 's', 3),
        info(s, 'plain rclone copy of the same files', f.rcloneSeconds, 's', 1),
      ],
      figures: {
        ...f,
        itemsPerSecondFromFirstStart: round(itemsPerSecond, 2),
        workerCpuSecondsPerItem: perItem(f.cpuSeconds.worker),
        temporalCpuSecondsPerItem: perItem(f.cpuSeconds.temporal),
        bare,
      },
      notes: [
        'items/s are counted from the first workflow start (the watcher settle is a setting), as the bare workflows are from their first start',
      ],
    };
  },
};
