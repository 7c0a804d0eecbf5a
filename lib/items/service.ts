/**
 * Steering items: the interventions on an item's workflow (updates, whose validators answer a
 * refusal, and `cancel`), approvals, subtitles, and the signal-with-start the webhooks use. One
 * service for the REST API and the CLI; reading is {@link ItemReader}'s (`reader.ts`).
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type SignalDefinition,
  type UpdateDefinition,
  type Workflow,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Approval, SuggestionChoice } from '../../domain/approval.js';
import type { ItemAction } from '../../domain/interventions.js';
import type { SortSuggestion } from '../../domain/media.js';
import {
  approveSortUpdate,
  attachSubtitleUpdate,
  cancelSignal,
  evictUpdate,
  MEDIA_ITEM_WORKFLOW,
  pinUpdate,
  retryUpdate,
  skipUpdate,
  statusQuery,
  unpinUpdate,
  type ApproveSortResult,
  type AttachSubtitleResult,
  type MediaItemInput,
} from '../../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import { SHARED_TASK_QUEUE } from '../../domain/task-queues.js';
import { migrateRetiredItems, type MigratedItem } from './migrate.js';
import { ItemReader } from './reader.js';
import { ANSWER_WITHIN_MS, ItemError } from './rows.js';

/** The interventions an item takes as updates (its validator answers a refusal); `cancel` is a signal. */
const UPDATES = {
  retry: retryUpdate,
  skip: skipUpdate,
  pin: pinUpdate,
  unpin: unpinUpdate,
  evict: evictUpdate,
} as const;

/** The item service: {@link ItemReader} plus the interventions. */
export class ItemService extends ItemReader {
  /**
   * Sends an update and waits for its answer at most {@link ANSWER_WITHIN_MS}: a person is never
   * left waiting on an item whose host is busy or offline, or on a workflow no worker runs now.
   * The update stays sent either way; the item carries it out when it can.
   *
   * @returns `{ done }` with the update's result, or `{ stillWorking }` with what it waits for
   * @throws WorkflowUpdateFailedError when the item refused it (its validator) or it failed in time
   */
  private async updateWithin<Ret, Args extends unknown[]>(
    handle: WorkflowHandle,
    def: UpdateDefinition<Ret, Args>,
    args: Args,
  ): Promise<{ done: Ret } | { stillWorking: string }> {
    let accepted = false;
    const work = (async () => {
      // The SDK types `startUpdate` per arity; one call serves updates with and without arguments.
      const start = handle.startUpdate.bind(handle) as unknown as (
        d: UpdateDefinition<Ret, Args>,
        o: { args: Args; waitForStage: typeof WorkflowUpdateStage.ACCEPTED },
      ) => Promise<{ result(): Promise<Ret> }>;
      const update = await start(def, { args, waitForStage: WorkflowUpdateStage.ACCEPTED });
      accepted = true;
      return update.result();
    })();
    work.catch(() => undefined); // answered below, or no one waits any more
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS)),
    );
    try {
      const first = await Promise.race([work.then((done) => ({ done })), late]);
      if (first !== 'late') return first;
    } finally {
      clearTimeout(timer);
    }
    return {
      stillWorking: accepted
        ? 'the item took it and is still working on it (its host may be busy or offline)'
        : 'no worker has taken it yet: is a worker running? It is carried out once one is',
    };
  }

  /**
   * Carries out an intervention: an update, whose validator refuses what the item cannot do now;
   * `cancel` is a signal, which every running item takes.
   *
   * @returns the item's ID and its stage when the intervention was accepted
   * @throws ItemError 404 (no such item), 409 (not running, or refused: the reason says why)
   */
  async act(ref: string, action: ItemAction): Promise<{ id: string; stage: string; stillWorking?: string }> {
    const id = await this.resolve(ref);
    const handle = await this.running(id);
    if (action === 'cancel') {
      const status = await handle.query(statusQuery);
      await handle.signal(cancelSignal);
      return { id, stage: status.stage };
    }
    try {
      const answer = await this.updateWithin(handle, UPDATES[action], []);
      if ('stillWorking' in answer) {
        // The catalog, not a query: a query would wait for the same worker.
        const { rows } = await this.deps.pool.query<{ stage: string }>(
          'SELECT stage FROM media_items WHERE workflow_id = $1',
          [id],
        );
        return { id, stage: rows[0]?.stage ?? 'unknown', stillWorking: answer.stillWorking };
      }
      return { id, stage: answer.done.stage };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new ItemError(409, 'conflict', err.cause?.message ?? err.message);
      throw err;
    }
  }

  /**
   * Places an item awaiting approval as the given movie or episode (the `approveSort` update).
   *
   * @returns where it went; or, when placing takes longer than {@link ANSWER_WITHIN_MS} (a busy or
   *   offline host), `stillWorking` with what it waits for — the approval stands
   * @throws ItemError 404 (unknown), 409 (not awaiting approval, a different file at the target),
   *   400 (the identity is refused: it cannot be a library folder name, ...)
   */
  async approve(
    ref: string,
    approval: Approval,
  ): Promise<ApproveSortResult | { id: string; stillWorking: string }> {
    const id = await this.resolve(ref);
    const status = await this.liveStatus(id);
    if (status.stage !== 'awaiting-approval') {
      throw new ItemError(409, 'conflict', `the item is ${status.stage}, not awaiting approval`);
    }
    try {
      const answer = await this.updateWithin(this.deps.client.workflow.getHandle(id), approveSortUpdate, [
        approval,
      ]);
      return 'done' in answer ? answer.done : { id, stillWorking: answer.stillWorking };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const message = err.cause?.message ?? err.message;
        throw new ItemError(message.startsWith('invalid approval') ? 400 : 409, 'rejected', message);
      }
      throw err;
    }
  }

  /**
   * Approves an item as one of its suggestions: the Nth (1-based) of its status's `suggestions`,
   * sent as the `approveSort` update exactly as if its identity had been typed.
   *
   * @param ref - a full workflow ID or a unique prefix (see {@link ItemService.resolve})
   * @param choice - `{ suggestion: N }`
   * @returns where the item went, and the suggestion it was approved as
   * @throws ItemError 404 (unknown), 409 (not awaiting approval, no such suggestion, a different
   *   file at the target), 400 (the workflow's validator refused the identity)
   */
  async approveSuggestion(
    ref: string,
    choice: SuggestionChoice,
  ): Promise<ApproveSortResult & { approved: SortSuggestion }> {
    const id = await this.resolve(ref);
    const status = await this.liveStatus(id);
    if (status.stage !== 'awaiting-approval') {
      throw new ItemError(409, 'conflict', `the item is ${status.stage}, not awaiting approval`);
    }
    const suggestions = status.suggestions ?? [];
    const approved = suggestions[choice.suggestion - 1];
    if (!approved) {
      throw new ItemError(
        409,
        'conflict',
        suggestions.length === 0
          ? 'the item has no suggestions: approve it with a full identity'
          : `the item has ${suggestions.length} suggestion(s), not ${choice.suggestion}`,
      );
    }
    const identity = approved.identity;
    const approval: Approval =
      identity.kind === 'movie'
        ? { kind: 'movie', title: identity.title, year: identity.year }
        : {
            kind: 'episode',
            series: identity.series,
            season: identity.season,
            episodes: identity.episodes,
            ...(identity.airDate ? { airDate: identity.airDate } : {}),
          };
    const result = await this.approve(id, approval);
    return { ...result, approved } as ApproveSortResult & { approved: SortSuggestion };
  }

  /**
   * Attaches a leftover subtitle of one item's release (listed in its `leftover`) to another item
   * (an episode or a movie): the `attachSubtitle` update of that item, which moves the file next
   * to its video with the players' name and vaults it as one of its subtitles.
   *
   * @param ref - the item listing the leftover (see {@link ItemService.resolve})
   * @param file - the file as listed (relative to the leftover's entry) or its full library path
   * @param toRef - the item to attach it to
   * @returns both item IDs (in full) and the subtitle's library path
   * @throws ItemError 404 (an unknown item), 409 (no such leftover file, an item not running, or
   *   refused by the item: not resident, not a subtitle, a different file at the target — the
   *   message says why), 400 for an empty file name
   */
  async attach(
    ref: string,
    file: string,
    toRef: string,
  ): Promise<AttachSubtitleResult & { id: string; to: string }> {
    if (!file.trim() || file.length > 1000)
      throw new ItemError(400, 'invalid-request', 'file: 1-1000 characters, as `items show` lists it');
    const id = await this.resolve(ref);
    const leftover = (await this.liveStatus(id)).leftover;
    const relative =
      leftover && file.startsWith(`${leftover.unsortedPath}/`)
        ? file.slice(leftover.unsortedPath.length + 1)
        : file;
    if (!leftover?.files.includes(relative)) {
      throw new ItemError(
        409,
        'conflict',
        leftover?.files.length
          ? `${file} is not among the item's leftover files (${leftover.files.join(', ')})`
          : 'the item lists no leftover files',
      );
    }
    const to = await this.resolve(toRef);
    const handle = await this.running(to);
    try {
      const from = `${leftover.unsortedPath}/${relative}`;
      const answer = await this.updateWithin(handle, attachSubtitleUpdate, [{ from, leftoverOf: id }]);
      if ('stillWorking' in answer)
        return { id, to, subtitlePath: '', stillWorking: answer.stillWorking } as AttachSubtitleResult & {
          id: string;
          to: string;
        };
      return { id, to, ...answer.done };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new ItemError(409, 'rejected', err.cause?.message ?? err.message);
      throw err;
    }
  }

  /** Moves the items still running a retired workflow type to the current one (see `migrate.ts`). */
  migrateRetired(): Promise<MigratedItem[]> {
    return migrateRetiredItems(this.deps);
  }

  /**
   * Signals an item's workflow, starting it (at the vault copy of `libraryPath`) when none runs:
   * signal-with-start, so duplicate triggers share one run.
   */
  async signalWithStart<T>(options: {
    workflowId: string;
    libraryPath: string;
    input: Omit<MediaItemInput, 'origin'> & { origin?: MediaItemInput['origin'] };
    signal: SignalDefinition<[T]>;
    signalArg: T;
    taskQueue?: string;
  }): Promise<void> {
    const input: MediaItemInput = {
      ...options.input,
      origin: options.input.origin ?? { kind: 'library', libraryPath: options.libraryPath },
    };
    await this.deps.client.workflow.signalWithStart<Workflow, [T]>(MEDIA_ITEM_WORKFLOW, {
      workflowId: options.workflowId,
      taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
      args: [input],
      signal: options.signal.name,
      signalArgs: [options.signalArg],
      staticSummary: `library ${options.libraryPath}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: STAGE_ATTRIBUTE, value: 'copying' },
        { key: HOST_ATTRIBUTE, value: input.hostId },
      ],
    });
  }
}
