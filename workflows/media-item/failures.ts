/**
 * What an activity failure says, for the item's status and catalog: pure helpers, no commands, so
 * moving code here changes no history.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The `ApplicationFailure.type` behind an activity failure, if any. */
export function failureType(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
    return err.cause.type ?? undefined;
  return undefined;
}

/** The message a person should see for a failure (the activity's own, not the wrapper's). */
export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
