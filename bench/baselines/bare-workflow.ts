/**
 * The floor of scenario 3: a workflow that runs three no-op activities one after the other, as
 * bare as Temporal allows (no search attributes, no memo, no signals). Bundled by
 * `bare-worker.ts`; started by `bench/lib/baselines.ts` by its type name.
 */
import { proxyActivities } from '@temporalio/workflow';

/** The activities of {@link bareWorkflow}: one that does nothing. */
export interface BareActivities {
  doNothing(): Promise<void>;
}

const { doNothing } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** Three no-op activities in a row, then done. */
export async function bareWorkflow(): Promise<void> {
  for (let i = 0; i < 3; i++) await doNothing();
}
