/**
 * Scanning and notifying: the media servers scan the changed folders (`scan-targets.ts`) and the
 * peers get a notification each (a delivery workflow per peer), both at once.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { MediaItemStatus } from '../../domain/messages.js';
import { peerItemId, type PeerEvent, type PeerNotification } from '../../domain/peers.js';
import { deliveries } from '../activity-options.js';
import { scanTargets, type FolderChange } from '../scan-targets.js';
import type { MediaItem } from './item.js';

/**
 * Tells the media servers (scan of the changed folders) and the peers (a delivery workflow each,
 * not waited for) about the item, both at once. A media server given up on is skipped, not fatal.
 *
 * @returns what was done, for the caller's catalog event; undefined when there is no one to tell
 */
export async function announce(
  item: MediaItem,
  changes: FolderChange[],
  event: PeerEvent,
  previousLibraryPath?: string,
): Promise<Record<string, unknown> | undefined> {
  const { scanTargets: targets, peers, policy } = item.settings;
  if (targets.length === 0 && peers.length === 0) return undefined;
  const [report] = await Promise.all([
    targets.length
      ? scanTargets(
          changes,
          policy.scanGiveUpMs,
          (reason) => item.park('scanning', reason, false),
          undefined,
          targets,
        )
      : { scanned: [], skipped: [] },
    peers.length ? notifyPeers(item, peers, event, previousLibraryPath) : undefined,
  ]);
  return { folders: changes.map((c) => c.folder), ...report, peers, event };
}

/** Starts one delivery workflow per peer (a local activity: no child workflow events here). */
async function notifyPeers(
  item: MediaItem,
  peers: string[],
  event: PeerEvent,
  previousLibraryPath?: string,
): Promise<void> {
  const s = item.status;
  s.notificationsSent = (s.notificationsSent ?? 0) + 1;
  const notification = peerNotification(
    s,
    peerItemId(workflowInfo().workflowId),
    s.notificationsSent,
    event,
    previousLibraryPath,
  );
  await deliveries.startPeerDeliveries({ peers, notification, retry: item.settings.policy.peerDelivery });
}

/**
 * The notification peers get about an item (`POST /api/v1/peer/notifications`, see
 * `domain/peers.ts`), the `seq`-th the item sends.
 */
export function peerNotification(
  status: MediaItemStatus,
  itemId: string,
  seq: number,
  event: PeerEvent,
  previousLibraryPath?: string,
): PeerNotification {
  const id = status.identity;
  return {
    notificationId: `${itemId}#${seq}`,
    itemId,
    seq,
    event,
    libraryPath: status.libraryPath!,
    previousLibraryPath,
    kind: status.kind,
    title: status.title,
    year: id && 'year' in id ? id.year : undefined,
    season: id?.kind === 'episode' ? id.season : undefined,
    episodes: id?.kind === 'episode' ? id.episodes : undefined,
    album: id?.kind === 'music' ? id.album : undefined,
    book: id?.kind === 'book' ? id.book : undefined,
    ids: id?.ids ?? {},
    sizeBytes: status.verification?.sizeBytes,
    sha256: status.verification?.sha256,
  };
}
