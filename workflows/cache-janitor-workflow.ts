/**
 * `cacheJanitorWorkflow`: one per host (`janitor:<hostId>`). Keeps the free share of `.Local`
 * between the low and high watermarks by asking the least recently used verified items to evict
 * themselves (each item's own workflow re-verifies its vault copy before deleting anything).
 * Woken by a signal after every verified vault copy and by a timer; long-lived with continue-as-new.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { SpaceActivities } from '../activities/index.js';
import {
  configureJanitorSignal,
  evictSignal,
  janitorStatusQuery,
  wakeJanitorSignal,
  type JanitorInput,
  type JanitorStatus,
} from '../domain/messages.js';
import { hostTaskQueue } from '../domain/task-queues.js';

/** Checks before continuing as new, so the history stays short. */
const ROUNDS_PER_RUN = 500;
/** Pause between eviction batches while waiting for items to finish, in ms. */
const BATCH_PAUSE_MS = 1000;

/**
 * Runs the janitor of one host until its history asks to continue as new.
 *
 * @param input - host, settings, counters carried across runs
 */
export async function cacheJanitorWorkflow(input: JanitorInput): Promise<void> {
  const space = proxyActivities<SpaceActivities>({
    taskQueue: hostTaskQueue(input.hostId),
    startToCloseTimeout: '5 minutes',
    // A dead host's janitor simply waits: there is no disk to free until it returns.
    retry: { initialInterval: '5s', maximumInterval: '5 minutes' },
  });
  const status: JanitorStatus = {
    hostId: input.hostId,
    settings: input.settings,
    state: 'idle',
    evictionsRequested: input.evictionsRequested ?? 0,
  };
  let woken = false;
  setHandler(janitorStatusQuery, () => status);
  setHandler(wakeJanitorSignal, () => void (woken = true));
  setHandler(configureJanitorSignal, (settings) => {
    status.settings = settings;
    woken = true;
  });

  /** How many evictions to ask for at once: more as free space shrinks below the low watermark. */
  const parallelism = (freeRatio: number): number => {
    const { lowFreeRatio, maxParallel } = status.settings;
    const pressure =
      lowFreeRatio > 0 ? Math.min(1, Math.max(0, (lowFreeRatio - freeRatio) / lowFreeRatio)) : 1;
    return Math.max(1, Math.min(maxParallel, Math.ceil(pressure * maxParallel * 2)));
  };

  const evictUntilHighWatermark = async (): Promise<void> => {
    const asked: string[] = [];
    let idleBatches = 0;
    for (;;) {
      const { freeRatio, blockedBy } = await space.measureLocalSpace();
      status.lastFreeRatio = freeRatio;
      status.blockedBy = blockedBy;
      if (blockedBy) return;
      if (freeRatio >= status.settings.highFreeRatio) {
        status.state = 'idle';
        return;
      }
      status.state = 'evicting';
      const candidates = await space.selectEvictionCandidates({
        hostId: input.hostId,
        limit: parallelism(freeRatio),
        exclude: asked,
      });
      if (candidates.length === 0) {
        // Items asked earlier may still be evicting; after a few quiet checks there is nothing left.
        if (++idleBatches > 10) {
          status.state = 'stuck';
          return;
        }
      } else {
        idleBatches = 0;
        for (const c of candidates) {
          asked.push(c.workflowId);
          status.evictionsRequested++;
          await getExternalWorkflowHandle(c.workflowId)
            .signal(evictSignal)
            .catch(() => undefined); // the item's workflow ended meanwhile
        }
      }
      await sleep(BATCH_PAUSE_MS);
    }
  };

  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    woken = false;
    const { freeRatio, blockedBy } = await space.measureLocalSpace();
    status.lastFreeRatio = freeRatio;
    status.blockedBy = blockedBy;
    if (freeRatio < status.settings.lowFreeRatio && !blockedBy) await evictUntilHighWatermark();
    await condition(() => woken, status.settings.checkIntervalMs);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof cacheJanitorWorkflow>({
    ...input,
    settings: status.settings,
    evictionsRequested: status.evictionsRequested,
  });
}
