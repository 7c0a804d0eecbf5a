/**
 * Parking for workflows other than the item workflow (peer deliveries and imports): wait in
 * `failed-needs-attention` until a human sends `retry` or `skip`.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { retrySignal, skipSignal } from '../domain/messages.js';

/**
 * Installs the `retry` and `skip` handlers and returns `park`, which resolves with the first of
 * them to arrive after it was called.
 */
export function attention(): () => Promise<'retry' | 'skip'> {
  let retry = false;
  let skip = false;
  setHandler(retrySignal, () => void (retry = true));
  setHandler(skipSignal, () => void (skip = true));
  return async () => {
    retry = false;
    skip = false;
    await condition(() => retry || skip);
    return skip ? 'skip' : 'retry';
  };
}
