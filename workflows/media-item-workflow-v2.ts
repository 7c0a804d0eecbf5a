/**
 * `mediaItemWorkflowV2`: one media file's lifecycle, as a small state machine. The item's state
 * and the commands it was given live in one class, {@link MediaItem}, with a method per stage;
 * the workflow function only wires the handlers and runs the loop (the shape of Temporal's
 * `samples-typescript/message-passing/safe-message-handlers`).
 *
 * Stages: sorting → awaiting-approval (Unsorted, or a different file at the target; `approveSort`
 * places it) | damaged (incomplete for `intake.damagedAfterMinutes`: kept in Unsorted, never
 * placed; `retryItem` looks at it again, `skipItem` ends it) | copying (copy, then verify, in one host activity) → resident ⇄ evicting → evicted;
 * deleted when the file leaves the library. A permanent failure or repeated verification mismatch
 * parks the item in failed-needs-attention until `retryItem` (run the step again) or `skipItem`.
 *
 * What it costs: the stage activities record their own catalog rows (no catalog activity per
 * stage), search attributes are upserted only when they change, the janitor is signalled only
 * when the copy left the disk below its watermark, and the policy is read from the worker that
 * runs it (`itemSettings`, a local activity) when it starts work and again where a stale copy
 * would do harm (before announcing a copied file) — never frozen into the input.
 * A release's first catalog row (`sorting`/`entered`) goes in with that first read, and
 * `copying`/`entered` with the sort's own (from input revision 2, `MediaItemInput.revision`).
 * An item from `Incoming/` reaches `resident` in 22 history events (30 with a media server and a
 * peer): 19 (27) before the settings were read again, which adds that read, the patch's marker and
 * the SDK's `TemporalChangeVersion` upsert.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type {
  CatalogActivities,
  PeerDeliveryActivities,
  RemoteActivities,
  SettingsActivities,
} from '../activities/index.js';
import type { RecordStageInput } from '../activities/catalog/activities.js';
import type { CopyAndVerifyResult, SortReleaseResult } from '../activities/item/activities.js';
import { approvalProblems } from '../domain/approval-check.js';
import type { Approval } from '../domain/approval.js';
import { FailureType } from '../domain/failures.js';
import { refusalOf, type ItemAction } from '../domain/interventions.js';
import {
  identityTitle,
  LIBRARY_FOLDERS,
  type MediaIdentity,
  type PlannedMediaFile,
  type VideoIdentity,
} from '../domain/media.js';
import {
  approveSortUpdate,
  attachSubtitleUpdate,
  cancelSignal,
  deletedSignal,
  evictSignal,
  evictUpdate,
  janitorWorkflowId,
  leftoverTakenSignal,
  libraryFileImportedSignal,
  pinSignal,
  pinUpdate,
  renamedSignal,
  retrySignal,
  retryUpdate,
  skipSignal,
  skipUpdate,
  statusQuery,
  unpinSignal,
  unpinUpdate,
  wakeJanitorSignal,
  type AttachSubtitle,
  type AttachSubtitleResult,
  type CarriedItemState,
  type ItemActionResult,
  type ItemSettings,
  type LeftoverTaken,
  type LibraryDelete,
  type LibraryImport,
  type MediaItemInput,
  type MediaItemStatus,
  type ReplacedFile,
} from '../domain/messages.js';
import { peerItemId, type PeerEvent } from '../domain/peers.js';
import {
  HOST_ATTRIBUTE,
  KIND_ATTRIBUTE,
  LIBRARY_PATH_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  TITLE_ATTRIBUTE,
} from '../domain/search-attributes.js';
import type { Stage } from '../domain/stages.js';
import { hostActivity, ITEM_RETRY, type HostActivities } from './activity-options.js';
import { failureMessage, failureType, followRename, peerNotification } from './item-helpers.js';
import { folderOf, scanTargets, type FolderChange } from './scan-targets.js';

/** Patch of the `damaged` stage (`keepDamaged`): a sort that answers `damaged`. */
const INTAKE_DAMAGED_PATCH = 'intake-damaged';

/** Unwinds the workflow when it ends early (cancel, skip, delete, duplicate); carries nothing. */
class Ended extends Error {}

/**
 * Vault first for Unsorted: an item that enters `awaiting-approval` from here on copies its
 * `Unsorted/` entry to the vault at once (histories recorded before take the old path).
 */
const VAULT_UNSORTED_PATCH = 'vault-unsorted-first';
/**
 * How long the awaiting-approval notification waits for the `Unsorted/` copy, so that it can say
 * the file is safe in the vault; past this it goes out saying the copy is still running.
 */
const APPROVAL_NOTICE_WAIT_MS = 10 * 60_000;

/** A subtitle to attach (an `attachSubtitle` update) and, once carried out or refused, its answer. */
interface AttachRequest {
  input: AttachSubtitle;
  outcome?: AttachSubtitleResult | { error: string };
}

// Local activities: run by the worker that runs the workflow task, no task-queue round trip.
const settingsActivities = proxyLocalActivities<SettingsActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});
const deliveries = proxyLocalActivities<PeerDeliveryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});
const catalog = proxyLocalActivities<CatalogActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

/** Patch: `skip` ends the item in the `skipped` stage (before: the stage it was skipped from). */
const SKIP_ENDS_IN_SKIPPED = 'skip-ends-in-skipped';

/** Patch: a rename first asks the catalog whether another item carries the target path. */
const RENAME_REFUSES_CARRIED_PATH = 'rename-refuses-carried-path';

/**
 * Patch: settings are read where they are used — again right before a copied file is announced
 * (media servers and peers added to the config while it copied are told), and before a copy when
 * they are older than {@link SETTINGS_MAX_AGE_MS} (a sort that waited for its host or for the
 * release to be complete). Runs before this announced with what they read when they last woke up.
 */
const SETTINGS_READ_WHERE_USED = 'settings-read-where-used';
/** How old settings may be, in ms of workflow time, when a copy starts with them. */
const SETTINGS_MAX_AGE_MS = 60_000;

/** A media item: its state, the commands it was given and one method per stage. */
export class MediaItem {
  readonly status: MediaItemStatus;
  readonly hostId: string;
  /**
   * Read from the worker (`itemSettings`) when the run starts, whenever it wakes up to work, and
   * where a stale copy would do harm (see {@link SETTINGS_READ_WHERE_USED}).
   */
  private settings!: ItemSettings;
  /** Workflow time of the activation that last asked for the settings, in ms since the epoch. */
  private settingsAskedAtMs = 0;
  /** The search attributes as last set (by the starter, an upsert or continue-as-new). */
  private shownAttributes: string;

  // Commands received and not yet carried out.
  private retryRequested = false;
  private skipRequested = false;
  private cancelled = false;
  private evictRequested: boolean;
  private approval: Approval | undefined;
  private approvalOutcome: { libraryPath: string } | { error: string } | undefined;
  private importPending: boolean;
  private pinChanged: boolean;
  private renameTo: string | undefined;
  private deletion: LibraryDelete | undefined;
  private replaces: ReplacedFile[];
  /** Subtitles to attach, in the order asked. */
  private attachments: AttachRequest[] = [];
  /** The running vault copy of the item's `Unsorted/` entry (vault first for Unsorted), if any. */
  private unsortedCopy: { scope: CancellationScope; settled: Promise<void> } | undefined;
  /** `awaiting-approval`/`needs-approval` is recorded: a copy outcome after it is recorded on its own. */
  private approvalAsked = false;
  /**
   * The next copy looks at the vault first: its copy was moved into place server-side (an approved
   * `Unsorted/` item) or a subtitle joined a vaulted item, so the video's upload is skipped.
   */
  private expectOnVault = false;
  /** `sorting`/`entered` is in the catalog already (recorded with the first settings read). */
  private sortingRecorded = false;
  /** `copying`/`entered` (round 1) is in the catalog already (recorded by `sortRelease`). */
  private copyingRecorded = false;
  /** The file's content is new to the media servers and peers (first copy, or an *arr re-import). */
  private contentChanged: boolean;
  /** Media servers and peers were told about the file already. */
  private announced: boolean;
  /** The next copy must not skip files whose size and modtime match (the vault copy failed a re-verification). */
  private forceNextCopy: boolean;
  needsCopy: boolean;
  ended = false;
  /**
   * The history's length and Temporal's continue-as-new suggestion as of the last wake-up, read in
   * the activation that woke the run — never in one that resolves a local activity, whose
   * `historyLength` a replay (a query on a run that continued as new) does not see the same.
   */
  private historySeen = { length: 0, suggested: false };

  constructor(private readonly input: MediaItemInput) {
    const { carried, origin } = input;
    const pending = carried?.pending;
    this.hostId = input.hostId;
    this.status = carried?.status ?? {
      stage: origin.kind === 'incoming' ? 'sorting' : 'copying',
      hostId: input.hostId,
      kind: 'unknown',
      subtitlePaths: [],
      copyRounds: 0,
      pinned: false,
    };
    this.evictRequested = pending?.evictRequested ?? false;
    this.importPending = pending?.importPending ?? false;
    this.pinChanged = pending?.pinChanged ?? false;
    this.renameTo = pending?.renameTo;
    this.deletion = pending?.deletion;
    this.replaces = pending?.replaces ?? (origin.kind === 'library' ? (origin.replaces ?? []) : []);
    this.contentChanged = carried ? (pending?.contentChanged ?? false) : true;
    this.announced = carried?.announced ?? false;
    this.forceNextCopy = carried?.forceNextCopy ?? false;
    this.needsCopy = carried ? (pending?.needsCopy ?? false) : true;
    // A first run has the attributes its starter gave it (stage and host); a continued run all of them.
    this.shownAttributes = JSON.stringify(
      carried
        ? this.attributes()
        : [
            { key: STAGE_ATTRIBUTE, value: this.status.stage },
            { key: HOST_ATTRIBUTE, value: this.hostId },
          ],
    );
  }

  // ---- handlers ---------------------------------------------------------------------------------

  /** Refuses an intervention the item cannot take now (the update's validator). */
  validate(action: ItemAction): void {
    const refusal = refusalOf(action, this.status);
    if (refusal) throw new Error(refusal);
  }

  /** Carries out an intervention (signal or accepted update). */
  act(action: ItemAction): ItemActionResult {
    const answer = { stage: this.status.stage };
    switch (action) {
      case 'retry':
        this.retryRequested = true;
        break;
      case 'skip':
        this.skipRequested = true;
        break;
      case 'cancel':
        this.cancelled = true;
        break;
      case 'evict':
        this.evictRequested = true;
        break;
      case 'pin':
      case 'unpin': {
        const pinned = action === 'pin';
        this.pinChanged = this.pinChanged || this.status.pinned !== pinned;
        this.status.pinned = pinned;
        break;
      }
    }
    return answer;
  }

  /** The *arr imported the file again (an upgrade or a re-import): copy and announce it again. */
  imported(imported: LibraryImport): void {
    this.importPending = true;
    this.contentChanged = true;
    this.identify(imported.identity);
    this.replaces = [...this.replaces, ...(imported.replaces ?? [])];
  }

  /** The *arr renamed the file to `libraryPath` (library-relative): its vault copy follows. */
  renamed(libraryPath: string): void {
    this.renameTo = libraryPath;
  }

  /** The file left the library: its vault copy goes to the trash and the workflow ends. */
  deleted(d: LibraryDelete): void {
    this.deletion = d;
  }

  /** Refuses an approval the item cannot take (the `approveSort` validator). */
  validateApproval(input: Approval): void {
    if (this.status.stage !== 'awaiting-approval' || this.approval) {
      throw new Error(`the item is ${this.status.stage}, not awaiting approval`);
    }
    const problems = approvalProblems(input);
    if (problems.length) throw new Error(`invalid approval: ${problems.join('; ')}`);
  }

  /** `approveSort`: hands the identity to the waiting item and answers once it is placed or refused. */
  async approve(input: Approval): Promise<{ libraryPath: string }> {
    this.approval = input;
    this.approvalOutcome = undefined;
    await condition(() => this.approvalOutcome !== undefined || this.ended);
    const outcome = this.approvalOutcome ?? { error: 'the item was cancelled before it could be placed' };
    if ('error' in outcome) {
      throw ApplicationFailure.create({
        type: FailureType.DESTINATION_EXISTS,
        message: outcome.error,
        nonRetryable: true,
      });
    }
    return outcome;
  }

  /** Refuses a subtitle the item cannot take now (the `attachSubtitle` validator). */
  validateAttach(input: AttachSubtitle): void {
    if (this.status.stage !== 'resident')
      throw new Error(`only a resident item takes a subtitle (it is ${this.status.stage})`);
    const from: unknown = input?.from;
    if (
      typeof from !== 'string' ||
      !from.startsWith(`${LIBRARY_FOLDERS.unsorted}/`) ||
      from.split('/').some((part) => part === '..' || part === '')
    )
      throw new Error(`${String(from)} is not a file under ${LIBRARY_FOLDERS.unsorted}/`);
  }

  /** `attachSubtitle`: queues the subtitle and answers once it is next to the video, or refused. */
  async attach(input: AttachSubtitle): Promise<AttachSubtitleResult> {
    const request: AttachRequest = { input };
    this.attachments.push(request);
    await condition(() => request.outcome !== undefined || this.ended);
    const outcome = request.outcome ?? { error: 'the item ended before the subtitle could be attached' };
    if ('error' in outcome)
      throw ApplicationFailure.create({
        type: FailureType.INVALID_INPUT,
        message: outcome.error,
        nonRetryable: true,
      });
    return outcome;
  }

  /** A leftover file of this item's release was attached to an item: it is no longer listed. */
  leftoverTaken({ from }: LeftoverTaken): void {
    const leftover = this.status.leftover;
    if (!leftover || !from.startsWith(`${leftover.unsortedPath}/`)) return;
    const files = leftover.files.filter((f) => `${leftover.unsortedPath}/${f}` !== from);
    this.status.leftover = files.length ? { ...leftover, files } : undefined;
  }

  // ---- state, attributes, catalog -----------------------------------------------------------------

  identify(identity: MediaIdentity | undefined): void {
    if (!identity) return;
    this.status.identity = identity;
    this.status.kind = identity.kind;
    this.status.title = identityTitle(identity);
  }

  /** The item's search attributes as its status says (kind only once known). */
  attributes() {
    const s = this.status;
    return [
      { key: STAGE_ATTRIBUTE, value: s.stage },
      ...(s.kind !== 'unknown' ? [{ key: KIND_ATTRIBUTE, value: s.kind }] : []),
      { key: HOST_ATTRIBUTE, value: this.hostId },
      ...(s.title ? [{ key: TITLE_ATTRIBUTE, value: s.title }] : []),
      ...(s.libraryPath ? [{ key: LIBRARY_PATH_ATTRIBUTE, value: s.libraryPath }] : []),
    ];
  }

  /** Sets the stage and upserts the search attributes, only if they changed (one event). */
  show(stage: Stage): void {
    this.status.stage = stage;
    const attributes = this.attributes();
    const key = JSON.stringify(attributes);
    if (key === this.shownAttributes) return;
    this.shownAttributes = key;
    upsertSearchAttributes(attributes);
  }

  /**
   * Records a stage change the workflow itself decides (no activity did the work): the catalog
   * row first (a local activity; it opens the notification of `awaiting-approval` and
   * `failed-needs-attention`), so whoever sees the new stage in the status query finds it there.
   */
  async enter(stage: Stage, outcome: string, details?: Record<string, unknown>): Promise<void> {
    await catalog.recordStage(this.stageRow(stage, outcome, details));
    this.show(stage);
  }

  /** The catalog row of a stage change, from the status as it is now. */
  private stageRow(stage: Stage, outcome: string, details?: Record<string, unknown>): RecordStageInput {
    const s = this.status;
    return {
      workflowId: workflowInfo().workflowId,
      hostId: this.hostId,
      stage,
      releaseName: s.releaseName,
      libraryPath: s.libraryPath,
      subtitlePaths: s.subtitlePaths,
      identity: s.identity,
      reason: s.reason,
      verification: s.verification,
      pinned: s.pinned,
      outcome,
      details,
    };
  }

  /** Notes the history's length and the continue-as-new suggestion (see `historySeen`). */
  noteHistory(): void {
    const info = workflowInfo();
    this.historySeen = { length: info.historyLength, suggested: info.continueAsNewSuggested };
  }

  /** Reads the worker's settings: the policy, media servers and peers as they are now. */
  async readSettings(): Promise<void> {
    this.settingsAskedAtMs = Date.now();
    this.settings = await settingsActivities.itemSettings();
  }

  /** Reads the settings again when they are older than `maxAgeMs` (never in runs before the patch). */
  private async refreshSettings(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.settingsAskedAtMs >= maxAgeMs && patched(SETTINGS_READ_WHERE_USED))
      await this.readSettings();
  }

  /** Whether stage rows go with the work (input revision 2 on; runs started before: local activities). */
  private stageRowsWithWork(): boolean {
    return (this.input.revision ?? 1) >= 2;
  }

  /**
   * Reads the settings as the run starts. A first run on an `Incoming/` release records
   * `sorting`/`entered` in the same local activity (in the catalog before the host works on it:
   * an item waiting for a dead host is listed).
   */
  async begin(): Promise<void> {
    const { origin } = this.input;
    if (this.input.carried || origin.kind !== 'incoming' || !this.stageRowsWithWork()) {
      await this.readSettings();
      return;
    }
    this.status.releaseName = origin.releasePath.split('/').pop();
    const enter = this.stageRow('sorting', 'entered', { releasePath: origin.releasePath });
    this.settingsAskedAtMs = Date.now();
    this.settings = await settingsActivities.itemSettings({ enter });
    this.show('sorting');
    this.sortingRecorded = true;
  }

  /** A host activity with the timeouts of the current policy. */
  private host<K extends keyof HostActivities>(
    name: K,
    summary?: string,
    cancellationType?: ActivityCancellationType,
  ): HostActivities[K] {
    return hostActivity(name, this.hostId, this.settings.policy, summary, cancellationType);
  }

  private remote() {
    return proxyActivities<RemoteActivities>({
      // Server-side moves are quick; a short timeout bounds the wait when a completion is lost.
      startToCloseTimeout: '10 minutes',
      scheduleToCloseTimeout: this.settings.policy.hostWaitMs,
      retry: ITEM_RETRY,
    });
  }

  /**
   * Waits for `until`, ending the workflow on `cancel`. A wait that blocked reads the settings
   * again before the work it woke up for.
   */
  async waitFor(until: () => boolean, timeoutMs?: number): Promise<boolean> {
    if (until() || this.cancelled) {
      if (this.cancelled) throw new Ended();
      return true;
    }
    const woken = () => until() || this.cancelled;
    const met = timeoutMs === undefined ? (await condition(woken), true) : await condition(woken, timeoutMs);
    this.noteHistory();
    if (this.cancelled) throw new Ended();
    await this.readSettings();
    return met;
  }

  /**
   * Parks the item in `failed-needs-attention` until `retry` (resolves `retry`) or `skip` (ends the
   * workflow; with `skipEnds: false` resolves `skip` and the item carries on without the step).
   */
  async park(failedStage: Stage, reason: string, skipEnds = true): Promise<'retry' | 'skip'> {
    const s = this.status;
    s.reason = reason;
    s.failedStage = failedStage;
    this.retryRequested = false;
    this.skipRequested = false;
    await this.enter('failed-needs-attention', 'failed', { failedStage });
    await this.waitFor(() => this.retryRequested || this.skipRequested);
    s.reason = undefined;
    s.failedStage = undefined;
    if (this.skipRequested) {
      if (skipEnds) await this.endSkipped(failedStage);
      await this.enter(failedStage, 'skipped');
      return 'skip';
    }
    return 'retry';
  }

  /**
   * Ends the workflow on `skip`: the item's stage becomes `skipped` in the catalog, the status and
   * the search attribute (its files stay where they are, and its path is free for another item).
   * Runs started before this recorded the stage skipped from instead, and ended there.
   */
  private async endSkipped(from: Stage): Promise<never> {
    if (patched(SKIP_ENDS_IN_SKIPPED)) {
      this.status.reason = `skipped from ${from} by a person; its files are left where they are`;
      await this.enter('skipped', 'skipped', { from });
    } else await this.enter(from, 'skipped');
    throw new Ended();
  }

  /** Runs a stage's activity; a failure that outlasts its retries parks the item, `retry` runs it again. */
  async attempt<T>(stage: Stage, run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await this.park(stage, failureMessage(err));
        await this.enter(stage, 'retried');
      }
    }
  }

  // ---- stages -------------------------------------------------------------------------------------

  /** Takes the item to its library path: sorts an `Incoming/` release, or starts from the library file. */
  async start(): Promise<void> {
    const { origin } = this.input;
    if (this.input.carried) return; // a continued run: the state is carried
    if (origin.kind === 'library') {
      this.status.libraryPath = origin.libraryPath;
      this.status.subtitlePaths = origin.subtitlePaths ?? [];
      this.identify(origin.identity);
      // The copy records its round when it starts (see copyRound).
      return;
    }
    const placed = await this.sort(origin.releasePath);
    this.status.libraryPath = placed.video.to;
    this.status.subtitlePaths = placed.subtitles.map((s) => s.to);
    this.identify(placed.identity);
  }

  /** Sorts a release in one host activity; returns the media file this item carries on with. */
  private async sort(releasePath: string): Promise<PlannedMediaFile> {
    const s = this.status;
    s.releaseName = releasePath.split('/').pop();
    // In the catalog before the host works on it: an item waiting for a dead host is listed.
    if (!this.sortingRecorded) await this.enter('sorting', 'entered', { releasePath });
    this.sortingRecorded = false;
    const enterCopying = this.stageRowsWithWork();
    let sorted = await this.attempt('sorting', () =>
      this.host('sortRelease')({
        releasePath,
        hostId: this.hostId,
        ...(enterCopying ? { enterCopying } : {}),
      }),
    );
    while (sorted.kind === 'damaged') sorted = await this.keepDamaged(sorted, enterCopying);
    if (sorted.kind === 'unsorted') {
      if (sorted.suggestions?.length) s.suggestions = sorted.suggestions;
      return this.awaitApproval(sorted.reason, sorted.unsortedPath);
    }
    const { plan, workflowIds, placed } = sorted;
    const [first, ...others] = plan.items;
    await Promise.all(
      others.map((item) =>
        startChild(mediaItemWorkflowV2, {
          workflowId: workflowIds[item.video.to]!,
          args: [
            {
              hostId: this.hostId,
              origin: {
                kind: 'library',
                libraryPath: item.video.to,
                identity: item.identity,
                subtitlePaths: item.subtitles.map((sub) => sub.to),
              },
            },
          ],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: STAGE_ATTRIBUTE, value: 'copying' },
            { key: HOST_ATTRIBUTE, value: this.hostId },
          ],
        }).catch((err: unknown) => {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }),
      ),
    );
    // What left the release other than by a plain move is in the catalog's `placed` event; the
    // files kept in Unsorted/ are named in the status too.
    if (placed.leftover) s.leftover = placed.leftover;
    this.copyingRecorded = enterCopying && !placed.identical.includes(first!.video.to);
    if (placed.identical.includes(first!.video.to)) {
      const { workflowId: carrier } = await catalog.findLibraryItem({
        libraryPath: first!.video.to,
        exceptWorkflowId: workflowInfo().workflowId,
      });
      if (carrier) {
        this.identify(first!.identity);
        s.duplicateOf = carrier;
        s.reason = `a byte-identical copy of ${first!.video.to}, which item ${carrier} already carries: removed from Incoming/`;
        await this.enter('duplicate', 'duplicate', {
          libraryPath: first!.video.to,
          duplicateOf: carrier,
          removedFromIncoming: first!.video.from,
        });
        throw new Ended();
      }
    }
    return first!;
  }

  /**
   * Keeps a release that stayed incomplete (`sortRelease` kept it in `Unsorted/`) in `damaged`,
   * the reason in the status and the catalog, until `retry` looks at it again — returns what that
   * sort found: placed, unsorted, or damaged still — or `skip` ends the workflow. Nothing of it is
   * placed or copied meanwhile.
   */
  private async keepDamaged(
    damaged: { reason: string; unsortedPath: string },
    enterCopying: boolean,
  ): Promise<SortReleaseResult> {
    // Only runs in histories whose sort answered `damaged`, which no earlier version did.
    patched(INTAKE_DAMAGED_PATCH);
    const s = this.status;
    s.reason = damaged.reason;
    s.libraryPath = damaged.unsortedPath;
    this.retryRequested = false;
    this.skipRequested = false;
    await this.enter('damaged', 'damaged', { unsortedPath: damaged.unsortedPath, failedStage: 'sorting' });
    await this.waitFor(() => this.retryRequested || this.skipRequested);
    if (this.skipRequested) await this.endSkipped('damaged');
    this.retryRequested = false;
    s.reason = undefined;
    await this.enter('sorting', 'retried', { releasePath: damaged.unsortedPath });
    return this.attempt('sorting', () =>
      this.host('sortRelease')({
        releasePath: damaged.unsortedPath,
        hostId: this.hostId,
        recheck: true,
        ...(enterCopying ? { enterCopying } : {}),
      }),
    );
  }

  /**
   * Waits in `awaiting-approval` until `approveSort` places the item (returns it) or `skip` ends it.
   * Meanwhile the `Unsorted/` entry is copied to the vault and verified (vault first for Unsorted);
   * an approval stops a copy still running, and a verified copy is moved on the vault with the
   * placed files.
   */
  private async awaitApproval(reason: string, unsortedPath: string): Promise<PlannedMediaFile> {
    const s = this.status;
    s.reason = reason;
    s.libraryPath = unsortedPath;
    const vaultFirst = patched(VAULT_UNSORTED_PATCH);
    if (vaultFirst) {
      // Listed at once; the person is told once the copy can say whether the file is safe.
      await this.enter('awaiting-approval', 'vaulting', { unsortedPath });
      this.startUnsortedCopy(unsortedPath);
      void this.askForApproval();
    } else await this.enter('awaiting-approval', 'needs-approval');
    for (;;) {
      this.skipRequested = false;
      await this.waitFor(() => this.approval !== undefined || this.skipRequested);
      await this.stopUnsortedCopy();
      if (this.skipRequested && !this.approval) await this.endSkipped('awaiting-approval');
      const identity = this.approval as VideoIdentity;
      let refusal: unknown;
      const placed = await this.attempt('awaiting-approval', async () => {
        try {
          return await this.host('placeApproved')({ unsortedPath, identity });
        } catch (err) {
          // A target held by a different file (or no video to place) answers the caller's update
          // and the item keeps waiting.
          const type = failureType(err);
          if (type !== FailureType.DESTINATION_EXISTS && type !== FailureType.NO_MEDIA_MATCH) throw err;
          refusal = err;
          return undefined;
        }
      });
      if (!placed) {
        this.approvalOutcome = { error: failureMessage(refusal) };
        this.approval = undefined;
        s.reason = failureMessage(refusal);
        await this.enter('awaiting-approval', 'approval-failed');
        // Still waiting: an unfinished copy of the entry starts again.
        if (vaultFirst && s.unsortedVault?.state !== 'verified') this.startUnsortedCopy(unsortedPath);
        continue;
      }
      const { item } = placed;
      s.leftover = placed.leftover;
      await this.enter('awaiting-approval', 'placed', {
        unsortedPath,
        placed: [item.video.to, ...item.subtitles.map((sub) => sub.to)],
        removed: placed.removed ?? [],
        leftover: placed.leftover,
        ...(s.unsortedVault ? { unsortedVault: s.unsortedVault.state } : {}),
      });
      this.approvalOutcome = { libraryPath: item.video.to };
      this.approval = undefined;
      s.reason = undefined;
      s.suggestions = undefined;
      if (s.unsortedVault?.state === 'verified') await this.moveUnsortedCopy(item, placed.removed ?? []);
      s.unsortedVault = undefined;
      return item;
    }
  }

  /**
   * Starts copying the `Unsorted/` entry to the same path on the vault, verified, in a scope of
   * its own that an approval or a skip cancels ({@link stopUnsortedCopy}); the outcome goes into
   * the status (`unsortedVault`, `verification`) and, once the person was told, the catalog.
   */
  private startUnsortedCopy(entry: string): void {
    const s = this.status;
    s.unsortedVault = { state: 'copying', entry };
    const scope = new CancellationScope();
    const recordOutcome = async () => {
      const copy = s.unsortedVault!;
      if (!this.approvalAsked) return; // `needs-approval` carries it
      const outcome = copy.state === 'verified' ? 'vault-verified' : 'vault-failed';
      await this.enter('awaiting-approval', outcome, { unsortedVault: copy });
    };
    const settled = scope
      .run(() => this.copyUnsorted(entry))
      .then(recordOutcome, (err: unknown) => {
        if (!isCancellation(err) && !scope.consideredCancelled) throw err;
        s.unsortedVault = undefined; // stopped for an approval or a skip
      });
    this.unsortedCopy = { scope, settled };
  }

  /** Copies and verifies the `Unsorted/` entry (in the daily upload window, when one is set). */
  private async copyUnsorted(entry: string): Promise<void> {
    const s = this.status;
    try {
      const window = this.settings.policy.uploadWindow;
      const waitMs = window ? await this.host('msUntilUploadWindow')({ window }) : 0;
      if (window && waitMs > 0) {
        s.unsortedVault = {
          state: 'copying',
          entry,
          reason: `waiting for the upload window ${window.start}-${window.end}`,
        };
        await sleep(waitMs);
        s.unsortedVault = { state: 'copying', entry };
      }
      const copy = this.host(
        'copyAndVerify',
        `copy ${entry} to the vault and verify it`,
        // An approval waits for the host to stop the copy: no upload runs on behind the item's back.
        ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      );
      const item = { hostId: this.hostId, releaseName: s.releaseName, pinned: s.pinned };
      const result = await copy({ libraryPaths: [entry], force: false, round: 1, item, unsorted: true });
      if (result.match) {
        s.verification = result.verification;
        s.unsortedVault = { state: 'verified', entry, files: result.files };
      } else s.unsortedVault = { state: 'failed', entry, reason: result.reason };
    } catch (err) {
      // A copy stopped for an approval may end as a failure (rclone killed), not as cancelled.
      const stopped = isCancellation(err) || CancellationScope.current().consideredCancelled;
      if (stopped || !(err instanceof ActivityFailure)) throw err;
      s.unsortedVault = { state: 'failed', entry, reason: failureMessage(err) };
    }
  }

  /** Stops a copy of the `Unsorted/` entry still running, and waits until it has settled. */
  private async stopUnsortedCopy(): Promise<void> {
    const copy = this.unsortedCopy;
    if (!copy) return;
    this.unsortedCopy = undefined;
    copy.scope.cancel();
    await copy.settled;
  }

  /**
   * Records `needs-approval` (it opens the awaiting-approval notification) once the `Unsorted/`
   * copy has settled, so the message says whether the file is safe, or after
   * {@link APPROVAL_NOTICE_WAIT_MS} saying it is still being copied; not when the person already
   * answered.
   */
  private async askForApproval(): Promise<void> {
    const s = this.status;
    await condition(
      () =>
        s.unsortedVault?.state !== 'copying' ||
        this.approval !== undefined ||
        this.skipRequested ||
        this.ended,
      APPROVAL_NOTICE_WAIT_MS,
    );
    if (this.approval !== undefined || this.skipRequested || this.ended || s.stage !== 'awaiting-approval')
      return;
    this.approvalAsked = true;
    await this.enter(
      'awaiting-approval',
      'needs-approval',
      s.unsortedVault ? { unsortedVault: s.unsortedVault } : {},
    );
  }

  /**
   * After an approval: the verified vault copy of the placed files moves server-side from
   * `Unsorted/` to their library paths (the copy that follows finds them there and uploads
   * nothing), and that of the junk removed with the entry goes to the vault trash.
   */
  private async moveUnsortedCopy(item: PlannedMediaFile, removed: string[]): Promise<void> {
    const moves = [item.video, ...item.subtitles].map(({ from, to }) => ({ from, to }));
    await this.attempt('copying', () => this.remote().moveVaultCopy({ moves }));
    if (removed.length)
      await this.attempt('copying', () => this.remote().trashVaultCopies({ libraryPaths: removed }));
    this.expectOnVault = true;
  }

  /** Waits for the daily upload window, when one is set. */
  private async awaitUploadWindow(): Promise<void> {
    const window = this.settings.policy.uploadWindow;
    if (!window) return;
    const waitMs = await this.host('msUntilUploadWindow')({ window });
    if (waitMs <= 0) return;
    this.status.reason = `waiting for the upload window ${window.start}-${window.end}`;
    await this.enter('copying', 'waiting-for-window', { waitMs });
    await this.waitFor(() => false, waitMs);
    this.status.reason = undefined;
  }

  /**
   * One copy-and-verify round; while the vault's upload quota is exhausted
   * (`REMOTE_QUOTA_EXCEEDED`), waits out this host's pause on a workflow timer, the reason in the
   * status, and copies again.
   */
  private async copyRound(round: number, force: boolean): Promise<CopyAndVerifyResult> {
    const s = this.status;
    const libraryPaths = [s.libraryPath!, ...s.subtitlePaths];
    // In the catalog before the host works on it (an item waiting for a dead host is listed);
    // the first round's row after a sort is recorded by `sortRelease`.
    if (round === 1 && this.copyingRecorded) this.show('copying');
    else await this.enter('copying', round === 1 ? 'entered' : 'recopy', { round });
    this.copyingRecorded = false;
    const onVault = this.expectOnVault ? { expectOnVault: true } : {};
    this.expectOnVault = false;
    await this.refreshSettings(SETTINGS_MAX_AGE_MS);
    for (;;) {
      await this.awaitUploadWindow();
      const copy = this.host('copyAndVerify', `copy ${s.libraryPath} to the vault and verify it`);
      const item = {
        hostId: this.hostId,
        releaseName: s.releaseName,
        identity: s.identity,
        pinned: s.pinned,
      };
      const outcome = await this.attempt('copying', async () => {
        try {
          return { done: await copy({ libraryPaths, force, round, item, ...onVault }) };
        } catch (err) {
          if (failureType(err) !== FailureType.REMOTE_QUOTA_EXCEEDED) throw err;
          return { quota: err as ActivityFailure };
        }
      });
      if (outcome.done) return outcome.done;
      const pause = (outcome.quota.cause as ApplicationFailure).details?.[0] as
        { pausedUntil?: string; waitMs?: number } | undefined;
      // The activity always says how long; should it not, a minute later the host's pause answers again.
      const waitMs = typeof pause?.waitMs === 'number' && pause.waitMs >= 0 ? pause.waitMs : 60_000;
      s.reason = failureMessage(outcome.quota);
      await this.enter('copying', 'quota-paused', { pausedUntil: pause?.pausedUntil, waitMs });
      await this.waitFor(() => false, waitMs);
      s.reason = undefined;
      await this.enter('copying', 'quota-resumed');
    }
  }

  /**
   * Copies and verifies until verified; parks after `verifyAttempts` mismatching rounds.
   *
   * @returns whether the copy left the disk below the janitor's watermark
   */
  private async copyAndVerify(): Promise<boolean> {
    const s = this.status;
    let lowOnSpace = false;
    for (let verified = false; !verified;) {
      for (let round = 1; round <= this.settings.policy.verifyAttempts && !verified; round++) {
        s.copyRounds++;
        const result = await this.copyRound(round, round > 1 || this.forceNextCopy);
        this.forceNextCopy = false;
        lowOnSpace = result.lowOnSpace;
        if (result.match) {
          s.verification = result.verification;
          verified = true;
        } else if (result.changed) {
          // The local file changed after it was copied (a writer still at work): copy it again.
          round--;
        }
      }
      if (!verified)
        await this.park(
          'verifying',
          `vault copy failed verification ${this.settings.policy.verifyAttempts} times`,
        );
    }
    return lowOnSpace;
  }

  /**
   * Tells the media servers (scan of the changed folders) and the peers (a delivery workflow each,
   * not waited for) about the item, both at once. A media server given up on is skipped, not fatal.
   *
   * @returns what was done, for the caller's catalog event; undefined when there is no one to tell
   */
  private async announce(
    changes: FolderChange[],
    event: PeerEvent,
    previousLibraryPath?: string,
  ): Promise<Record<string, unknown> | undefined> {
    const { scanTargets: targets, peers, policy } = this.settings;
    if (targets.length === 0 && peers.length === 0) return undefined;
    const [report] = await Promise.all([
      targets.length
        ? scanTargets(
            changes,
            policy.scanGiveUpMs,
            (reason) => this.park('scanning', reason, false),
            undefined,
            targets,
          )
        : { scanned: [], skipped: [] },
      peers.length ? this.notifyPeers(peers, event, previousLibraryPath) : undefined,
    ]);
    return { folders: changes.map((c) => c.folder), ...report, peers, event };
  }

  /** Starts one delivery workflow per peer (a local activity: no child workflow events here). */
  private async notifyPeers(peers: string[], event: PeerEvent, previousLibraryPath?: string): Promise<void> {
    const s = this.status;
    s.notificationsSent = (s.notificationsSent ?? 0) + 1;
    const notification = peerNotification(
      s,
      peerItemId(workflowInfo().workflowId),
      s.notificationsSent,
      event,
      previousLibraryPath,
    );
    await deliveries.startPeerDeliveries({ peers, notification, retry: this.settings.policy.peerDelivery });
  }

  /** After a verified upgrade: the replaced files' vault copies go to the trash, their workflows end. */
  private async retireReplaced(): Promise<void> {
    if (this.replaces.length === 0) return;
    const done = this.replaces;
    this.replaces = [];
    const libraryPaths = done.map((r) => r.libraryPath).filter((p) => p !== this.status.libraryPath);
    if (libraryPaths.length)
      await this.attempt('resident', () => this.remote().trashVaultCopies({ libraryPaths }));
    for (const r of done) {
      if (r.workflowId === workflowInfo().workflowId) continue;
      await getExternalWorkflowHandle(r.workflowId)
        .signal(deletedSignal, { reason: `replaced by ${this.status.libraryPath}`, vaultCopyTrashed: true })
        .catch(() => undefined); // no workflow for it (vaulted before vaultarr, or already ended)
    }
  }

  /**
   * Copies a new or changed file, tells media servers and peers, and then the item is resident
   * (the copy activity recorded that in the catalog; telling anyone adds one event); retires what
   * it replaced. Wakes the janitor when the copy left the disk below its watermark.
   */
  private async vault(): Promise<void> {
    const lowOnSpace = await this.copyAndVerify();
    if (this.contentChanged) {
      this.contentChanged = false;
      // The copy may have run for hours, across a worker restart with a new config: whom to tell is read now.
      await this.refreshSettings(0);
      const folder = folderOf(this.status.libraryPath!);
      const told = await this.announce(
        [{ folder, updateType: this.announced ? 'Modified' : 'Created' }],
        'imported',
      );
      this.announced = true;
      if (told) await this.enter('resident', 'announced', told);
    }
    this.show('resident');
    if (lowOnSpace) {
      await getExternalWorkflowHandle(janitorWorkflowId(this.hostId))
        .signal(wakeJanitorSignal)
        .catch(() => undefined); // no janitor running on this host
    }
    await this.retireReplaced();
  }

  private async rename(to: string): Promise<void> {
    const s = this.status;
    const from = s.libraryPath!;
    const back = s.stage;
    // One library path, one item: a rename onto a path another item carries (a webhook that raced
    // the API's check, or a signal sent by hand) would replace that item's vault copy. Refused,
    // recorded; the file stays where the catalog says.
    if (to !== from && patched(RENAME_REFUSES_CARRIED_PATH)) {
      const { workflowId: carrier } = await catalog.findLibraryItem({
        libraryPath: to,
        exceptWorkflowId: workflowInfo().workflowId,
      });
      if (carrier) {
        await this.enter(back, 'rename-refused', {
          from,
          to,
          carrier,
          reason: `${to} belongs to item ${carrier}; renaming onto it would replace that item's vault copy`,
        });
        return;
      }
    }
    const subtitleMoves = s.subtitlePaths.map((sub) => ({ from: sub, to: followRename(sub, from, to) }));
    await this.attempt(s.stage, () =>
      this.remote().moveVaultCopy({ moves: [{ from, to }, ...subtitleMoves] }),
    );
    s.libraryPath = to;
    s.subtitlePaths = subtitleMoves.map((m) => m.to);
    const moved = folderOf(from) !== folderOf(to);
    const told = await this.announce(
      moved
        ? [
            { folder: folderOf(from), updateType: 'Deleted' },
            { folder: folderOf(to), updateType: 'Created' },
          ]
        : [{ folder: folderOf(to), updateType: 'Modified' }],
      'renamed',
      from,
    );
    await this.enter(back, 'renamed', {
      from,
      to,
      ...told,
    });
  }

  private async delete(d: LibraryDelete): Promise<never> {
    const s = this.status;
    const placed = s.libraryPath && s.stage !== 'awaiting-approval';
    if (placed && !d.vaultCopyTrashed) {
      const libraryPaths = [s.libraryPath!, ...s.subtitlePaths];
      await this.attempt(s.stage, () => this.remote().trashVaultCopies({ libraryPaths }));
    }
    const told = placed
      ? await this.announce([{ folder: folderOf(s.libraryPath!), updateType: 'Deleted' }], 'deleted')
      : undefined;
    s.reason = d.reason;
    await this.enter('deleted', 'deleted', { vaultCopyTrashed: true, ...told });
    throw new Ended();
  }

  private async evict(): Promise<void> {
    const s = this.status;
    this.evictRequested = false;
    if (s.pinned) {
      await this.enter(s.stage, 'evict-refused-pinned');
      return;
    }
    await this.enter('evicting', 'entered');
    const result = await this.attempt('evicting', () =>
      this.host('evictLocalCopy')({
        libraryPaths: [s.libraryPath!, ...s.subtitlePaths],
        expected: s.verification!,
      }),
    );
    if (result.evicted) {
      await this.enter('evicted', 'evicted', { freedBytes: result.freedBytes });
    } else {
      // The vault copy no longer matches: never delete, recopy instead — forced, since size and
      // modtime may still match and a plain copy would skip the file.
      s.reason = result.reason;
      await this.enter('evicting', 'reverify-failed');
      s.reason = undefined;
      this.importPending = true;
      this.forceNextCopy = true;
    }
  }

  /**
   * Moves a subtitle from `Unsorted/` next to the video (a host activity) and answers its update;
   * the subtitle joins the item's subtitles and the copy that follows vaults it (the video's
   * vault copy matches and is not uploaded again). A refusal (not a subtitle, gone, a different
   * file at the target) answers the update and changes nothing.
   */
  private async attachSubtitle(request: AttachRequest): Promise<void> {
    const s = this.status;
    const { from, leftoverOf } = request.input;
    let refusal: unknown;
    const attached = await this.attempt(s.stage, async () => {
      try {
        return await this.host('attachSubtitle')({ from, video: s.libraryPath! });
      } catch (err) {
        const type = failureType(err);
        const refused: Array<string | undefined> = [
          FailureType.DESTINATION_EXISTS,
          FailureType.SOURCE_MISSING,
          FailureType.INVALID_INPUT,
        ];
        if (!refused.includes(type)) throw err;
        refusal = err;
        return undefined;
      }
    });
    if (!attached) {
      request.outcome = { error: failureMessage(refusal) };
      return;
    }
    if (!s.subtitlePaths.includes(attached.to)) s.subtitlePaths = [...s.subtitlePaths, attached.to];
    await this.enter(s.stage, 'subtitle-attached', { from, to: attached.to });
    request.outcome = { subtitlePath: attached.to };
    const taken = { from, to: attached.to };
    if (leftoverOf === workflowInfo().workflowId) this.leftoverTaken(taken);
    else if (leftoverOf)
      await getExternalWorkflowHandle(leftoverOf)
        .signal(leftoverTakenSignal, taken)
        .catch(() => undefined); // the release's item has ended: nothing lists the file any more
    this.needsCopy = true;
    this.contentChanged = true;
    this.expectOnVault = true;
  }

  /** Carries out the commands received, in order of weight; false when there is nothing left. */
  async work(): Promise<boolean> {
    if (this.deletion) await this.delete(this.deletion);
    if (this.renameTo) {
      const to = this.renameTo;
      this.renameTo = undefined;
      await this.rename(to);
    }
    if (this.importPending) {
      this.importPending = false;
      this.needsCopy = true;
    }
    while (this.attachments.length) await this.attachSubtitle(this.attachments.shift()!);
    if (this.needsCopy) {
      this.needsCopy = false;
      await this.vault();
    }
    if (this.pinChanged) {
      this.pinChanged = false;
      await this.enter(this.status.stage, this.status.pinned ? 'pinned' : 'unpinned');
    }
    if (this.evictRequested && this.status.stage === 'resident') await this.evict();
    this.evictRequested = this.evictRequested && this.status.stage === 'resident';
    return Boolean(this.importPending || this.deletion || this.renameTo);
  }

  /** True when a command waits to be carried out. */
  hasWork(): boolean {
    return Boolean(
      this.deletion ||
      this.renameTo ||
      this.importPending ||
      this.attachments.length ||
      this.pinChanged ||
      (this.evictRequested && this.status.stage === 'resident'),
    );
  }

  /**
   * Continues as new once the history is long (past `continueAsNewAfterEvents`, or when Temporal
   * suggests it), carrying the state and the commands not yet carried out.
   */
  async continueIfLong(): Promise<void> {
    const seen = this.historySeen;
    if (!(seen.suggested || seen.length >= this.settings.policy.continueAsNewAfterEvents)) return;
    if (this.attachments.length) return; // their updates wait for this run's work: after it
    await condition(allHandlersFinished);
    const carried: CarriedItemState = {
      status: { ...this.status },
      announced: this.announced,
      forceNextCopy: this.forceNextCopy,
      pending: {
        needsCopy: this.needsCopy,
        importPending: this.importPending,
        contentChanged: this.contentChanged,
        pinChanged: this.pinChanged,
        evictRequested: this.evictRequested,
        renameTo: this.renameTo,
        deletion: this.deletion,
        replaces: this.replaces,
      },
    };
    await makeContinueAsNewFunc<typeof mediaItemWorkflowV2>({ typedSearchAttributes: this.attributes() })({
      hostId: this.hostId,
      origin: { kind: 'library', libraryPath: this.status.libraryPath!, identity: this.status.identity },
      carried,
    });
  }
}

/**
 * Carries one media file through its lifecycle. Started by the watcher (an `Incoming/` release),
 * by webhooks (a library file, with signal-with-start), by a season pack's own workflow and by a
 * legacy item continuing as new, always so that duplicate triggers share one run.
 *
 * @param input - host and origin (a `policy` in it is ignored); see {@link MediaItemInput}
 * @returns the final {@link MediaItemStatus} once the item is cancelled, skipped or deleted (the
 *   workflow stays open while the file lives)
 */
export async function mediaItemWorkflowV2(input: MediaItemInput): Promise<MediaItemStatus> {
  const item = new MediaItem(input);
  setHandler(statusQuery, () => item.status);
  for (const [action, signal, update] of [
    ['retry', retrySignal, retryUpdate],
    ['skip', skipSignal, skipUpdate],
    ['pin', pinSignal, pinUpdate],
    ['unpin', unpinSignal, unpinUpdate],
    ['evict', evictSignal, evictUpdate],
  ] as const) {
    setHandler(signal, () => void item.act(action));
    setHandler(update, () => item.act(action), { validator: () => item.validate(action) });
  }
  setHandler(cancelSignal, () => void item.act('cancel'));
  setHandler(libraryFileImportedSignal, (imported) => item.imported(imported));
  setHandler(renamedSignal, ({ libraryPath }) => item.renamed(libraryPath));
  setHandler(deletedSignal, (d) => item.deleted(d));
  setHandler(approveSortUpdate, (approval) => item.approve(approval), {
    validator: (approval) => item.validateApproval(approval),
  });
  setHandler(attachSubtitleUpdate, (input) => item.attach(input), {
    validator: (input) => item.validateAttach(input),
  });
  setHandler(leftoverTakenSignal, (taken) => item.leftoverTaken(taken));

  try {
    item.noteHistory();
    await item.begin();
    await item.start();
    for (;;) {
      await item.continueIfLong();
      if (await item.work()) continue;
      await item.waitFor(() => item.hasWork());
    }
  } catch (err) {
    if (!(err instanceof Ended)) throw err;
  }
  item.ended = true;
  await condition(allHandlersFinished);
  return item.status;
}
