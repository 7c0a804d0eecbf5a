/**
 * What one vaultarr tells its peers about a media item: the wire shape of
 * `POST /api/v1/peers/notify`, shared by the sender (`peerDeliveryWorkflow`), the API and the
 * receiver (`peerImportWorkflow`). Deterministic-safe: types only.
 */
import type { MediaKind } from './media.js';

/** What happened to the item on the sending side. */
export type PeerEvent = 'imported' | 'renamed' | 'deleted';

/**
 * Outside ids of an item, as the *arr apps know them (Radarr `tmdbId`/`imdbId`, Sonarr `tvdbId`,
 * Lidarr MusicBrainz `foreignArtistId`/`foreignAlbumId`, Readarr `foreignAuthorId`/`foreignBookId`).
 */
export interface MediaIds {
  tmdbId?: number;
  imdbId?: string;
  tvdbId?: number;
  musicBrainzArtistId?: string;
  musicBrainzAlbumId?: string;
  foreignAuthorId?: string;
  foreignBookId?: string;
}

/**
 * The ID peers know an item by: its workflow ID up to the readable name (`media:<hash> Alien (1979)`
 * → `media:<hash>`); an ID from before IDs were readable (`media:<sha1>`) is its own. Every
 * version's peer endpoint takes it (letters, digits, `:`, `.`, `_`, `-`), and it never changes.
 *
 * @param workflowId - the item's workflow ID
 */
export function peerItemId(workflowId: string): string {
  return workflowId.split(' ', 1)[0]!;
}

/**
 * One notification about one item. The receiver applies each `notificationId` once, and a
 * sender's notifications about one `itemId` in `seq` order.
 */
export interface PeerNotification {
  /** `<itemId>#<seq>`: unique per event; the receiver's key for applying it exactly once. */
  notificationId: string;
  /** The sender's item: its workflow ID up to the readable name (`media:<hash>`, see {@link peerItemId}). */
  itemId: string;
  /** 1, 2, 3... per item on the sender. */
  seq: number;
  event: PeerEvent;
  /** Library-relative path (after a rename: the new one), e.g. `Movies/The Matrix (1999)/The Matrix (1999).mkv`. */
  libraryPath: string;
  /** For `renamed`: the path before. */
  previousLibraryPath?: string;
  kind: MediaKind;
  /** Movie title, series title, artist name or author name. */
  title?: string;
  year?: number;
  season?: number;
  episodes?: number[];
  /** Lidarr album title / Readarr book title. */
  album?: string;
  book?: string;
  ids: MediaIds;
  /** Size of the video in bytes, when known. */
  sizeBytes?: number;
  /** sha256 of the video, hex, when known. */
  sha256?: string;
}
