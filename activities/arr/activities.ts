// PLACEHOLDER written by the lead so the rest compiles while the *arr clients are being built;
// the *arr helper replaces this file entirely.
import type { ArrConfig } from '../../lib/config.js';
import type { PeerNotification } from '../../domain/peers.js';

export type ArrOutcome = { action: string; app?: string; id?: number; rescanned?: boolean; reason?: string };

export function createArrActivities(_deps: { arr: ArrConfig; fetchTimeoutMs?: number }) {
  return {
    async addToArrUnmonitored(_input: { notification: PeerNotification }): Promise<ArrOutcome> {
      return { action: 'skipped', reason: 'placeholder' };
    },
    async rescanArrItem(_input: { notification: PeerNotification }): Promise<ArrOutcome> {
      return { action: 'skipped', reason: 'placeholder' };
    },
  };
}
export type ArrActivities = ReturnType<typeof createArrActivities>;
