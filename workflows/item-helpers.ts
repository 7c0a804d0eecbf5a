/**
 * Pure helpers shared by both item workflow types (`media-item-workflow.ts`, the legacy type, and
 * `media-item-workflow-v2.ts`): no commands, so moving code here changes no history.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { MediaItemStatus } from '../domain/messages.js';
import type { PeerEvent, PeerNotification } from '../domain/peers.js';

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

/** `a/b/Old - S01E01.en.srt` renamed with its video `a/b/Old - S01E01.mkv` → `c/New - S01E01.mkv`. */
export function followRename(subtitle: string, oldVideo: string, newVideo: string): string {
  const oldStem = oldVideo.replace(/\.[^./]+$/, '');
  const newStem = newVideo.replace(/\.[^./]+$/, '');
  return subtitle.startsWith(oldStem) ? newStem + subtitle.slice(oldStem.length) : subtitle;
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
