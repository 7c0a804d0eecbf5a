/**
 * How activities raise the failure types of `domain/failures.ts`.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../domain/failures.js';
import { PathEscapesRootError, resolveWithin } from '../lib/paths.js';

/**
 * A permanent (not retried) failure with a type from the shared list.
 *
 * @param details - attached as `failure.details[0]` (e.g. `{ conflicts }`)
 */
export function permanentFailure(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: details ? [details] : undefined,
  });
}

/** A retried failure with a type from the shared list (the attempt failed; nothing was lost). */
export function retryableFailure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false });
}

/**
 * Resolves a library-relative path against a root for an activity.
 *
 * @throws ApplicationFailure `PATH_ESCAPES_ROOT` (not retried) when the path escapes the root
 */
export function resolveInRoot(root: string, relativePath: string): string {
  try {
    return resolveWithin(root, relativePath);
  } catch (err) {
    if (err instanceof PathEscapesRootError)
      throw permanentFailure(FailureType.PATH_ESCAPES_ROOT, err.message);
    throw err;
  }
}
