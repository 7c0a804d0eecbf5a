/**
 * Signals, queries, updates and inputs of vaultarr's workflows: the one module that workflows, API,
 * watcher and CLI all import (they start workflows by type name and never import workflow code).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MediaIdentity, MediaKind } from './media.js';
import type { Stage } from './stages.js';

/** Workflow type name of the per-file lifecycle. Never rename: it is the type on the wire. */
export const MEDIA_ITEM_WORKFLOW = 'mediaItemWorkflow';

/**
 * Where a media item enters the lifecycle.
 * - `incoming`: a release file or folder in `Incoming/` (path relative to the local root); it is sorted first.
 * - `library`: a file already in the library (an *arr import, a sibling of a season pack); it starts at the vault copy.
 */
export type MediaItemOrigin =
  | { kind: 'incoming'; releasePath: string }
  | { kind: 'library'; libraryPath: string; identity?: MediaIdentity; subtitlePaths?: string[] };

/** Tunables the workflow takes from config at start (workflow code never reads config itself). */
export interface MediaItemPolicy {
  /** Copy-and-verify rounds before the item parks in `failed-needs-attention` (>= 1). */
  verifyAttempts: number;
  /** How long host activities may wait for their host to come back, in ms (`scheduleToCloseTimeout`). */
  hostWaitMs: number;
  /** Heartbeat timeout of the vault copy, in ms: a dead worker's copy is retried after this. */
  copyHeartbeatTimeoutMs: number;
}

/** Input of `mediaItemWorkflow`: one object, as every workflow takes. */
export interface MediaItemInput {
  /** Host whose local disk holds the file; its activities run on `vaultarr-host-<hostId>`. */
  hostId: string;
  origin: MediaItemOrigin;
  policy: MediaItemPolicy;
}

/** What the vault copy was verified with, and the figures it matched. */
export interface VaultVerification {
  /** `sha256`, `md5`, ... when both sides have that hash; `modtime` when only times compare; `sha256-download` when the remote keeps neither and the copy was read back. */
  method: string;
  sizeBytes: number;
  /** sha256 of the local file, hex. */
  sha256: string;
  /** The remote's value for `method` (hash hex or ISO time). */
  remoteValue: string;
  verifiedAt: string;
}

/** Answer of the `status` query. */
export interface MediaItemStatus {
  stage: Stage;
  hostId: string;
  kind: MediaKind;
  /** Movie title or series name once identified. */
  title?: string;
  identity?: MediaIdentity;
  /** Release name as it arrived (file or folder name), for `incoming` items. */
  releaseName?: string;
  /** Library-relative path of the video once sorted, or of the `Unsorted/` entry while awaiting approval. */
  libraryPath?: string;
  /** Library-relative paths of subtitles that follow the video. */
  subtitlePaths: string[];
  /** Why the item waits (`awaiting-approval`, `failed-needs-attention`). */
  reason?: string;
  /** Copy-and-verify rounds done so far. */
  copyRounds: number;
  verification?: VaultVerification;
}

/** Query: the item's current {@link MediaItemStatus}. */
export const statusQuery = defineQuery<MediaItemStatus>('status');
/** Signal: try the stage that failed again (from `failed-needs-attention`). */
export const retrySignal = defineSignal('retry');
/** Signal: stop the item's workflow; files stay where they are. */
export const cancelSignal = defineSignal('cancel');
