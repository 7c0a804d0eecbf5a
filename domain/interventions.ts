/**
 * What a person may do to an item, and when: the rule of the item workflow's update validators.
 */
import type { MediaItemStatus } from './messages.js';

/** An intervention on an item. */
export type ItemAction = 'retry' | 'skip' | 'pin' | 'unpin' | 'evict' | 'cancel';

/**
 * Why the item cannot take `action` in its current state, or undefined when it can.
 *
 * @param action - the intervention
 * @param status - the item's `status` query answer
 */
export function refusalOf(action: ItemAction, status: MediaItemStatus): string | undefined {
  switch (action) {
    case 'retry':
      return status.stage === 'failed-needs-attention' || status.stage === 'damaged'
        ? undefined
        : `only an item in failed-needs-attention can be retried, or a damaged one (it is ${status.stage})`;
    case 'skip':
      return ['failed-needs-attention', 'awaiting-approval', 'damaged'].includes(status.stage)
        ? undefined
        : `only an item in failed-needs-attention or awaiting-approval can be skipped, or a damaged one (it is ${status.stage})`;
    case 'evict':
      if (status.pinned) return 'the item is pinned; unpin it first';
      return status.stage === 'resident'
        ? undefined
        : `only a resident item can be evicted (it is ${status.stage})`;
    default:
      return undefined;
  }
}
