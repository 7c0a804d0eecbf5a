/**
 * Signals, queries, updates and inputs of vaultarr's workflows — the item workflow, the janitor,
 * reconcile, the vault trash (the peer workflows' are in `peer-messages.ts`): what workflows, API,
 * watcher and CLI all import (they start workflows by type name and never import workflow code).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Approval } from './approval.js';
import type { MediaIdentity, MediaKind, SortSuggestion } from './media.js';
import type { Stage } from './stages.js';

/**
 * Workflow type of the per-file lifecycle (`workflows/media-item/workflow.ts`). Never rename: it is
 * the type on the wire. Items of the retired first type (`mediaItemWorkflow`) are moved to it by
 * `vaultarr items migrate` (see docs/development.md, "Changing workflow code").
 */
export const MEDIA_ITEM_WORKFLOW = 'mediaItemWorkflowV2';
/** Workflow type that moves a deleted library folder's vault copy to the trash. */
export const TRASH_VAULT_FOLDER_WORKFLOW = 'trashVaultFolderWorkflow';
/** Workflow type that moves one library file's vault copy to the trash when no item carries it. */
export const TRASH_VAULT_FILE_WORKFLOW = 'trashVaultFileWorkflow';
/** Workflow type of the daily vault-trash purge (on the `vaultarr-trash-purge` Schedule). */
export const PURGE_VAULT_TRASH_WORKFLOW = 'purgeVaultTrashWorkflow';

/**
 * Where a media item enters the lifecycle.
 * - `incoming`: a release file or folder in `Incoming/` (path relative to the local root); it is sorted first.
 * - `library`: a file already in the library (an *arr import, a sibling of a season pack); it starts at the vault copy.
 */
export type MediaItemOrigin =
  | { kind: 'incoming'; releasePath: string }
  | {
      kind: 'library';
      libraryPath: string;
      identity?: MediaIdentity;
      subtitlePaths?: string[];
      replaces?: ReplacedFile[];
    };

/** A library file an upgrade replaced: its vault copy goes to the vault trash once the new copy is verified. */
export interface ReplacedFile {
  libraryPath: string;
  /** Workflow of the replaced item, ended with the `deleted` signal. */
  workflowId: string;
}

/**
 * The item policy: what every item workflow reads from the worker that runs it (`itemSettings`),
 * as the worker's config says now. Its defaults are the config schema's (`lib/config.ts`).
 */
export interface MediaItemPolicy {
  /** Copy-and-verify rounds before the item parks in `failed-needs-attention` (>= 1). */
  verifyAttempts: number;
  /** How long host activities may wait for their host to come back, in ms (`scheduleToCloseTimeout`). */
  hostWaitMs: number;
  /**
   * Heartbeat timeout of every host activity (copy, verify, evict, moves), in ms: a dead worker's
   * attempt is retried after this. Live activities heartbeat every third of it.
   */
  copyHeartbeatTimeoutMs: number;
  /** Continue-as-new once the history passes this many events, or when Temporal suggests it. */
  continueAsNewAfterEvents: number;
  /** Daily window (host local time, `HH:MM`) outside which copies wait; always open when absent. */
  uploadWindow?: { start: string; end: string };
  /** How long a failing media server is retried before the item parks, in ms. */
  scanGiveUpMs: number;
  /** How peers are notified: see {@link PeerDeliveryRetry}. */
  peerDelivery: PeerDeliveryRetry;
}

/** Retry of one peer notification (config `peers`). */
export interface PeerDeliveryRetry {
  /** How long an offline peer is retried before the delivery parks, in ms (default 14 days). */
  retryMs: number;
  /** Longest pause between two attempts, in ms (default 10 min). */
  maxIntervalMs: number;
}

/**
 * Input of `mediaItemWorkflowV2`: one object, as every workflow takes. It holds no settings: the
 * item reads those from the worker that runs it (the `itemSettings` local activity), so a changed
 * setting reaches items already in the library (inputs of runs that continued from the retired
 * type still hold a `policy`, which is ignored).
 */
export interface MediaItemInput {
  /** Host whose local disk holds the file; its activities run on `vaultarr-host-<hostId>`. */
  hostId: string;
  origin: MediaItemOrigin;
  /** State carried into a run that continued as new (absent in a first run). */
  carried?: CarriedItemState;
  /**
   * Revision of `mediaItemWorkflowV2` the starter wrote the input for (absent: 1). From 2
   * ({@link MEDIA_ITEM_REVISION}) a release's `sorting`/`entered` and `copying`/`entered` catalog
   * rows are recorded with the work — the first `itemSettings` read and `sortRelease` — not by a
   * local activity each. A run keeps the revision it started with, so recorded histories replay.
   * (A `patched` marker would cost as many events as it saves: the SDK upserts the
   * `TemporalChangeVersion` search attribute with it.)
   */
  revision?: number;
}

/** The revision of `mediaItemWorkflowV2` new items start with (see {@link MediaItemInput.revision}). */
export const MEDIA_ITEM_REVISION = 2;

/** What an item's run hands the next one when it continues as new. */
export interface CarriedItemState {
  status: MediaItemStatus;
  /** Media servers and peers were told about the file already. */
  announced: boolean;
  /** The next copy must not skip files whose size and modtime match. */
  forceNextCopy?: boolean;
  /**
   * The item waits for a person's approval of this `Unsorted/` entry (for `reason`) before anything
   * else. Only `vaultarr items migrate` hands it over, moving an item of the retired type that
   * awaited approval: a run of the current type continues as new only once its item is placed.
   */
  awaitingApproval?: { reason: string; unsortedPath: string };
  /** Commands received and not yet carried out when the run continued as new. */
  pending?: {
    needsCopy?: boolean;
    importPending?: boolean;
    contentChanged?: boolean;
    pinChanged?: boolean;
    evictRequested?: boolean;
    renameTo?: string;
    deletion?: LibraryDelete;
    replaces?: ReplacedFile[];
  };
}

/** What the vault copy was verified with, and the figures it matched. */
export interface VaultVerification {
  /**
   * `sha256`, `md5`, ... when both sides have that hash; `md5-crypt`, `sha1-crypt`, ... for an
   * rclone crypt vault checked as `rclone cryptcheck` does (the underlying object's hash against
   * the local file encrypted with its nonce); `sha256-download` when nothing had a hash and the
   * copy was read back. `modtime` only in verifications recorded before content was always
   * compared (size and modification time alone).
   */
  method: string;
  sizeBytes: number;
  /** sha256 of the local file, hex. */
  sha256: string;
  /** The remote's value for `method` (hash hex; ISO time for `modtime`; for `*-crypt`, what rclone cryptcheck found). */
  remoteValue: string;
  verifiedAt: string;
  /** The local file's modification time when it was hashed, in ms since the epoch (absent in items verified before it was recorded). */
  mtimeMs?: number;
  /** Bytes of local files read to verify the copy (each file once, all hashes in one pass; twice for a cryptcheck, whose rclone reads it again). */
  bytesReadLocally?: number;
  /** Bytes of the vault copy downloaded to verify it: 0 against a hash, each copy's 32-byte header for a cryptcheck, all of it for a read-back. */
  bytesDownloaded?: number;
}

/**
 * The vault copy of an item's `Unsorted/` entry, made as soon as it awaits approval ("vault first
 * for Unsorted"): the same paths on the vault as locally, moved server-side on approval.
 */
export interface UnsortedVaultCopy {
  /**
   * `copying` (running, or waiting for its host or the upload window), `verified` (safe in the
   * vault: `verification` on the status says how), `failed` (`reason` says why; approving copies
   * the placed file as usual).
   */
  state: 'copying' | 'verified' | 'failed';
  /** The `Unsorted/` entry (file or folder), library-relative: the same path on the vault. */
  entry: string;
  /** Every file of the entry as copied and verified, library-relative (once `verified`). */
  files?: string[];
  /** Why the copy failed, or what it waits for. */
  reason?: string;
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
  /**
   * While an `Unsorted/` item awaits approval: up to three candidate identities, best first, each
   * with its source (`approve --suggestion N` places it as the Nth).
   */
  suggestions?: SortSuggestion[];
  /** Copy-and-verify rounds done so far. */
  copyRounds: number;
  /** Pinned items are never evicted by the janitor. */
  pinned: boolean;
  /** The stage that failed, while in `failed-needs-attention`. */
  failedStage?: Stage;
  verification?: VaultVerification;
  /** Notifications sent to peers so far (the last one's `seq`). */
  notificationsSent?: number;
  /**
   * What the release held besides its placed media files and junk (subtitles that follow no single
   * video, extras, unknown files): kept, as they were, in this `Unsorted/` entry.
   */
  leftover?: { unsortedPath: string; files: string[] };
  /** For a `duplicate`: the workflow ID of the item that already carries the identical library file. */
  duplicateOf?: string;
  /**
   * While the item awaits approval: its `Unsorted/` entry's vault copy (absent in items that
   * entered `awaiting-approval` before vaultarr vaulted them there).
   */
  unsortedVault?: UnsortedVaultCopy;
}

/** Query: the item's current {@link MediaItemStatus}. */
export const statusQuery = defineQuery<MediaItemStatus>('status');
/** Signal: try the stage that failed again (from `failed-needs-attention`). */
export const retrySignal = defineSignal('retry');
/** Signal: stop the item's workflow; files stay where they are. */
export const cancelSignal = defineSignal('cancel');
/** Signal: give up on the failed step (from `failed-needs-attention`) or on the approval (from `awaiting-approval`); the workflow ends, files stay. */
export const skipSignal = defineSignal('skip');
/** Signal: keep the local copy; the janitor never evicts a pinned item. */
export const pinSignal = defineSignal('pin');
/** Signal: let the janitor evict the local copy again. */
export const unpinSignal = defineSignal('unpin');
/** Signal: evict the local copy now (after re-verifying the vault copy); ignored while pinned. */
export const evictSignal = defineSignal('evict');

/** What an accepted intervention update answers: the item's stage when it was accepted. */
export interface ItemActionResult {
  stage: Stage;
}
/**
 * Interventions as updates (`mediaItemWorkflowV2`): the validator refuses what the item cannot do
 * now (retry of an item that is not parked, evict of a pinned one), so the caller gets the refusal
 * as the answer and nothing reaches the history. The signals above stay for callers that need no
 * answer: the janitor (`evict`), `cancel`, and histories recorded before the updates.
 */
export const retryUpdate = defineUpdate<ItemActionResult>('retryItem');
export const skipUpdate = defineUpdate<ItemActionResult>('skipItem');
export const pinUpdate = defineUpdate<ItemActionResult>('pinItem');
export const unpinUpdate = defineUpdate<ItemActionResult>('unpinItem');
export const evictUpdate = defineUpdate<ItemActionResult>('evictItem');

/**
 * What `mediaItemWorkflowV2` reads from the worker that runs it (the `itemSettings` local
 * activity) whenever it starts work: its policy as the worker's config says now, and whom to tell
 * about a new or changed file.
 */
export interface ItemSettings {
  /** The defaults come from the config schema (`lib/config.ts`), nowhere else. */
  policy: MediaItemPolicy;
  /** Names of the configured media servers (`mediaServers[].name`). */
  scanTargets: string[];
  /** Names of the registered peers (`vaultarr peer add`). */
  peers: string[];
}

/** Payload of {@link libraryFileImportedSignal}: an *arr imported (a new version of) the file. */
export interface LibraryImport {
  identity?: MediaIdentity;
  /** Files this import replaced (an upgrade's `deletedFiles`). */
  replaces?: ReplacedFile[];
}
/** Signal: the library file was (re)imported by an *arr; copy and verify it again. */
export const libraryFileImportedSignal = defineSignal<[LibraryImport]>('libraryFileImported');
/** Signal: the library file was renamed to `libraryPath`; the vault copy follows (server-side move). */
export const renamedSignal = defineSignal<[{ libraryPath: string }]>('renamed');
/** Payload of {@link deletedSignal}. */
export interface LibraryDelete {
  /** Why, e.g. `radarr MovieFileDelete (manual)`. */
  reason: string;
  /** The vault copy was already moved to the trash (by the item that replaced it). */
  vaultCopyTrashed?: boolean;
}
/** Signal: the file left the library; its vault copy goes to the vault trash and the workflow ends in `deleted`. */
export const deletedSignal = defineSignal<[LibraryDelete]>('deleted');

/** Result of `approveSort`: where the item went. */
export interface ApproveSortResult {
  libraryPath: string;
}
/**
 * Update: place an item waiting in `awaiting-approval` as the given movie or episode. Its validator
 * rejects bad input and items not awaiting approval before anything reaches history; a different
 * file at the target fails the update with `DESTINATION_EXISTS` and the item keeps waiting.
 */
export const approveSortUpdate = defineUpdate<ApproveSortResult, [Approval]>('approveSort');

/** Input of `attachSubtitle`: a subtitle kept in `Unsorted/` (a release's leftover) to follow this item's video. */
export interface AttachSubtitle {
  /** The subtitle, library-relative, under `Unsorted/` (e.g. `Unsorted/Lost.S01.720p/Subs/2_English.srt`). */
  from: string;
  /** The item whose `leftover` lists the file: told (`leftoverTaken`) once it has moved. */
  leftoverOf?: string;
}
/** Result of `attachSubtitle`: where the subtitle went (its vault copy follows in the item's workflow). */
export interface AttachSubtitleResult {
  subtitlePath: string;
}
/**
 * Update: move a subtitle from `Unsorted/` next to this item's video, named as players expect
 * (`<video stem>.<lang>[.<flags>].<ext>`), and vault it as one of the item's subtitles. Its
 * validator refuses items that are not `resident` and paths outside `Unsorted/`; a file that is
 * no subtitle, is gone, or whose target holds a different file fails the update.
 */
export const attachSubtitleUpdate = defineUpdate<AttachSubtitleResult, [AttachSubtitle]>('attachSubtitle');
/** Payload of {@link leftoverTakenSignal}: a leftover file (library-relative) and where it went. */
export interface LeftoverTaken {
  from: string;
  to: string;
}
/** Signal: a file the item lists in `leftover` was attached to an item (it left `Unsorted/`). */
export const leftoverTakenSignal = defineSignal<[LeftoverTaken]>('leftoverTaken');

/** Workflow type of the per-host cache janitor. */
export const CACHE_JANITOR_WORKFLOW = 'cacheJanitorWorkflow';

/** The janitor's workflow ID on a host: one per host. */
export function janitorWorkflowId(hostId: string): string {
  return `janitor:${hostId}`;
}

/** Watermarks and pacing of the janitor (config `eviction`). */
export interface JanitorSettings {
  /** Eviction starts below this free share of `.Local` (0-1). */
  lowFreeRatio: number;
  /** ... and stops above this one (0-1). */
  highFreeRatio: number;
  /** Timer between checks, in ms. */
  checkIntervalMs: number;
  /** Most evictions asked for at once (reached when the disk is nearly full). */
  maxParallel: number;
}

/** Input of `cacheJanitorWorkflow`. */
export interface JanitorInput {
  hostId: string;
  settings: JanitorSettings;
  /** Evictions asked for over the janitor's life (carried across continue-as-new). */
  evictionsRequested?: number;
}

/** Answer of the janitor's `status` query. */
export interface JanitorStatus {
  hostId: string;
  settings: JanitorSettings;
  /** Free share at the last check, 0-1. */
  lastFreeRatio?: number;
  /** `idle`, `evicting`, or `stuck` (below the low watermark with nothing left to evict). */
  state: 'idle' | 'evicting' | 'stuck';
  /** Why eviction is paused (the union view's vault mount is dead), if it is. */
  blockedBy?: string;
  evictionsRequested: number;
}

/** Signal: check free space now (sent after every verified vault copy). */
export const wakeJanitorSignal = defineSignal('wake');
/** Signal: new watermarks from config (the worker sends them at start). */
export const configureJanitorSignal = defineSignal<[JanitorSettings]>('configure');
/** Query: the janitor's {@link JanitorStatus}. */
export const janitorStatusQuery = defineQuery<JanitorStatus>('status');

/** Workflow type of reconcile (on the `vaultarr-reconcile` Schedule and `vaultarr reconcile`). */
export const RECONCILE_WORKFLOW = 'reconcileWorkflow';

/** Input of `reconcileWorkflow`. */
export interface ReconcileInput {
  /** The host whose `.Local` is walked. */
  hostId: string;
  /** Only report, start nothing. */
  dryRun?: boolean;
  /** Local files changed more recently than this are in flight, not missed (default 15 min). */
  settledForMs?: number;
}

/** What reconcile found (library-relative paths) and what it started. */
export interface ReconcileReport {
  hostId: string;
  /** Local files no live item carries: their workflows are started. */
  untracked: string[];
  /** Items not yet verified on the vault whose workflow no longer runs: restarted. */
  stalled: string[];
  /** Catalog items (resident, not evicted) whose local file is gone. */
  missingLocally: string[];
  /** Files on the vault that no catalog item knows (a peer's, or from before vaultarr). */
  vaultOnly: string[];
  /**
   * Resident items whose local file changed (size, or modification time) since its vault copy was
   * verified: their workflows are told to copy and verify again (absent in reports of older versions).
   */
  changedLocally?: string[];
  /** Workflow IDs started or restarted. */
  started: string[];
  /** True when nothing needed doing. */
  clean: boolean;
}
