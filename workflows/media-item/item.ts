/**
 * The state of one media item's workflow run: its status, the commands it was given and not yet
 * carried out, its handlers (what a signal or update changes), the settings it read, how it waits
 * and parks, and the state it carries into the next run when it continues as new. The stages
 * (`intake.ts`, `approval.ts`, `vault.ts`, `announce.ts`, `library.ts`) work on it.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  makeContinueAsNewFunc,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { approvalProblems } from '../../domain/approval-check.js';
import type { Approval } from '../../domain/approval.js';
import { FailureType } from '../../domain/failures.js';
import { refusalOf, type ItemAction } from '../../domain/interventions.js';
import { identityTitle, LIBRARY_FOLDERS, type MediaIdentity } from '../../domain/media.js';
import type {
  AttachSubtitle,
  AttachSubtitleResult,
  CarriedItemState,
  ItemActionResult,
  ItemSettings,
  LeftoverTaken,
  LibraryDelete,
  LibraryImport,
  MediaItemInput,
  MediaItemStatus,
  ReplacedFile,
} from '../../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import type { Stage } from '../../domain/stages.js';
import {
  hostActivity,
  remoteActivities,
  settingsActivities,
  type HostActivities,
} from '../activity-options.js';
import { failureMessage } from './failures.js';
import { attributes, enter } from './record.js';
import type { mediaItemWorkflowV2 } from './workflow.js';

/** Unwinds the workflow when it ends early (cancel, skip, delete, duplicate); carries nothing. */
export class Ended extends Error {}

/** A subtitle to attach (an `attachSubtitle` update) and, once carried out or refused, its answer. */
export interface AttachRequest {
  input: AttachSubtitle;
  outcome?: AttachSubtitleResult | { error: string };
}

/** Patch: `skip` ends the item in the `skipped` stage (before: the stage it was skipped from). */
const SKIP_ENDS_IN_SKIPPED = 'skip-ends-in-skipped';

/**
 * Patch: settings are read where they are used — again right before a copied file is announced
 * (media servers and peers added to the config while it copied are told), and before a copy when
 * they are older than {@link SETTINGS_MAX_AGE_MS} (a sort that waited for its host or for the
 * release to be complete). Runs before this announced with what they read when they last woke up.
 */
const SETTINGS_READ_WHERE_USED = 'settings-read-where-used';
/** How old settings may be, in ms of workflow time, when a copy starts with them. */
export const SETTINGS_MAX_AGE_MS = 60_000;

/**
 * A media item: its state and the commands it was given. Its fields are the stages' working
 * state: only this class and the stage modules beside it change them.
 */
export class MediaItem {
  readonly status: MediaItemStatus;
  readonly hostId: string;
  /**
   * Read from the worker (`itemSettings`) when the run starts, whenever it wakes up to work, and
   * where a stale copy would do harm (see {@link SETTINGS_READ_WHERE_USED}).
   */
  settings!: ItemSettings;
  /** Workflow time of the activation that last asked for the settings, in ms since the epoch. */
  settingsAskedAtMs = 0;
  /** The search attributes as last set (by the starter, an upsert or continue-as-new). */
  shownAttributes: string;

  // Commands received and not yet carried out.
  retryRequested = false;
  skipRequested = false;
  cancelled = false;
  evictRequested: boolean;
  approval: Approval | undefined;
  approvalOutcome: { libraryPath: string } | { error: string } | undefined;
  importPending: boolean;
  pinChanged: boolean;
  renameTo: string | undefined;
  deletion: LibraryDelete | undefined;
  replaces: ReplacedFile[];
  /** Subtitles to attach, in the order asked. */
  attachments: AttachRequest[] = [];
  /** The running vault copy of the item's `Unsorted/` entry (vault first for Unsorted), if any. */
  unsortedCopy: { scope: CancellationScope; settled: Promise<void> } | undefined;
  /** `awaiting-approval`/`needs-approval` is recorded: a copy outcome after it is recorded on its own. */
  approvalAsked = false;
  /**
   * The next copy looks at the vault first: its copy was moved into place server-side (an approved
   * `Unsorted/` item) or a subtitle joined a vaulted item, so the video's upload is skipped.
   */
  expectOnVault = false;
  /** `sorting`/`entered` is in the catalog already (recorded with the first settings read). */
  sortingRecorded = false;
  /** `copying`/`entered` (round 1) is in the catalog already (recorded by `sortRelease`). */
  copyingRecorded = false;
  /** The file's content is new to the media servers and peers (first copy, or an *arr re-import). */
  contentChanged: boolean;
  /** Media servers and peers were told about the file already. */
  announced: boolean;
  /** The next copy must not skip files whose size and modtime match (the vault copy failed a re-verification). */
  forceNextCopy: boolean;
  needsCopy: boolean;
  ended = false;
  /**
   * The history's length and Temporal's continue-as-new suggestion as of the last wake-up, read in
   * the activation that woke the run — never in one that resolves a local activity, whose
   * `historyLength` a replay (a query on a run that continued as new) does not see the same.
   */
  private historySeen = { length: 0, suggested: false };

  constructor(readonly input: MediaItemInput) {
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
        ? attributes(this)
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

  // ---- state and settings -------------------------------------------------------------------------

  /** Takes the identity (and the kind and title it gives), when there is one. */
  identify(identity: MediaIdentity | undefined): void {
    if (!identity) return;
    this.status.identity = identity;
    this.status.kind = identity.kind;
    this.status.title = identityTitle(identity);
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
  async refreshSettings(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.settingsAskedAtMs >= maxAgeMs && patched(SETTINGS_READ_WHERE_USED))
      await this.readSettings();
  }

  /** Whether stage rows go with the work (input revision 2 on; runs started before: local activities). */
  stageRowsWithWork(): boolean {
    return (this.input.revision ?? 1) >= 2;
  }

  /** A host activity with the timeouts of the current policy. */
  host<K extends keyof HostActivities>(
    name: K,
    summary?: string,
    cancellationType?: ActivityCancellationType,
  ): HostActivities[K] {
    return hostActivity(name, this.hostId, this.settings.policy, summary, cancellationType);
  }

  /** The vault's server-side activities with the timeouts of the current policy. */
  remote() {
    return remoteActivities(this.settings.policy);
  }

  // ---- waiting and parking ------------------------------------------------------------------------

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
    await enter(this, 'failed-needs-attention', 'failed', { failedStage });
    await this.waitFor(() => this.retryRequested || this.skipRequested);
    s.reason = undefined;
    s.failedStage = undefined;
    if (this.skipRequested) {
      if (skipEnds) await this.endSkipped(failedStage);
      await enter(this, failedStage, 'skipped');
      return 'skip';
    }
    return 'retry';
  }

  /**
   * Ends the workflow on `skip`: the item's stage becomes `skipped` in the catalog, the status and
   * the search attribute (its files stay where they are, and its path is free for another item).
   * Runs started before this recorded the stage skipped from instead, and ended there.
   */
  async endSkipped(from: Stage): Promise<never> {
    if (patched(SKIP_ENDS_IN_SKIPPED)) {
      this.status.reason = `skipped from ${from} by a person; its files are left where they are`;
      await enter(this, 'skipped', 'skipped', { from });
    } else await enter(this, from, 'skipped');
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
        await enter(this, stage, 'retried');
      }
    }
  }

  // ---- the loop's state ---------------------------------------------------------------------------

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
    await makeContinueAsNewFunc<typeof mediaItemWorkflowV2>({ typedSearchAttributes: attributes(this) })({
      hostId: this.hostId,
      origin: { kind: 'library', libraryPath: this.status.libraryPath!, identity: this.status.identity },
      carried,
    });
  }
}
