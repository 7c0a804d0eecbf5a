/**
 * Items still running a retired item workflow type, moved to the current one
 * (`mediaItemWorkflowV2`): by every worker that runs workflows when it starts, and by
 * `vaultarr items migrate` (see docs/development.md, "Changing workflow code").
 *
 * A run continues as new only from its own code, which is gone for a retired type; so each such
 * run is terminated and its item started again under the same workflow ID (and task queue) as the
 * current type, from what the catalog records (the catalog is the record between events). A
 * placed item resumes at its stage with its state carried (pin, verification, identity): its
 * local copy is copied again without `force`, so a vault copy that still matches is re-verified,
 * not uploaded again; an evicted one waits as it was; one that awaited approval waits again. An
 * item that had not taken a library path yet starts again from its start input. Signals the
 * retired run had received but not handled are sent on. The run is terminated before the new one
 * starts: a process that dies in between leaves the item without a run until an event for it
 * (a webhook, reconcile) starts one.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  defaultPayloadConverter,
  WorkflowExecutionAlreadyStartedError,
  type Payload,
} from '@temporalio/common';
import type pg from 'pg';
import { LIBRARY_FOLDERS, type MediaIdentity, type MediaKind } from '../../domain/media.js';
import {
  MEDIA_ITEM_REVISION,
  MEDIA_ITEM_WORKFLOW,
  type MediaItemInput,
  type MediaItemStatus,
  type VaultVerification,
} from '../../domain/messages.js';
import { HOST_ATTRIBUTE, itemSearchAttributes, STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import { ENDED_STAGES, type Stage } from '../../domain/stages.js';

/** Item workflow types whose code is gone: their running items are moved to {@link MEDIA_ITEM_WORKFLOW}. */
export const RETIRED_ITEM_WORKFLOWS = ['mediaItemWorkflow'] as const;

/** An item's `media_items` row, as far as the migration reads it. */
export interface CatalogItem {
  stage: string;
  hostId: string;
  releaseName: string | null;
  libraryPath: string | null;
  subtitlePaths: string[];
  kind: string;
  title: string | null;
  year: number | null;
  season: number | null;
  episodes: number[] | null;
  reason: string | null;
  pinned: boolean;
  sizeBytes: number | null;
  sha256: string | null;
  verifiedBy: string | null;
  vaultValue: string | null;
  vaultedAt: Date | null;
  mtime: Date | null;
}

/**
 * How an item is moved: `resumed` at its catalog stage (its state carried), `restarted` from its
 * start input (it had no library path yet), or `ended` (the catalog says it ended: only the stale
 * run goes).
 */
export type MigrationPlan =
  { kind: 'resumed' | 'restarted'; input: MediaItemInput; stage: Stage } | { kind: 'ended' };

/** Stages after which media servers and peers were told about the file. */
const ANNOUNCED_STAGES: readonly string[] = ['resident', 'evicting', 'evicted'];

/**
 * How an item of a retired type is moved (see the module comment).
 *
 * @param started - the retired run's start input (host and origin)
 * @param row - its catalog row, if it has one
 */
export function planMigration(
  started: Pick<MediaItemInput, 'hostId' | 'origin'>,
  row: CatalogItem | undefined,
): MigrationPlan {
  if (row && (ENDED_STAGES as readonly string[]).includes(row.stage)) return { kind: 'ended' };
  const hostId = row?.hostId ?? started.hostId;
  if (!row?.libraryPath || row.stage === 'sorting') {
    const input = { hostId, origin: started.origin, revision: MEDIA_ITEM_REVISION };
    return { kind: 'restarted', input, stage: started.origin.kind === 'incoming' ? 'sorting' : 'copying' };
  }
  const identity = identityOf(row);
  const status: MediaItemStatus = {
    stage: row.stage as Stage,
    hostId,
    kind: row.kind as MediaKind,
    ...(row.title ? { title: row.title } : {}),
    ...(identity ? { identity } : {}),
    ...(row.releaseName ? { releaseName: row.releaseName } : {}),
    libraryPath: row.libraryPath,
    subtitlePaths: row.subtitlePaths,
    copyRounds: 0,
    pinned: row.pinned,
    ...(verificationOf(row) ? { verification: verificationOf(row) } : {}),
  };
  if (row.libraryPath.startsWith(`${LIBRARY_FOLDERS.unsorted}/`)) {
    // It waited for a person (or failed placing what one approved): it waits again.
    status.stage = 'awaiting-approval';
    status.reason = row.reason ?? 'the sort could not place it';
    const awaitingApproval = { reason: status.reason, unsortedPath: row.libraryPath };
    const carried = { status, announced: false, awaitingApproval, pending: { needsCopy: true } };
    return { kind: 'resumed', input: { hostId, origin: started.origin, carried }, stage: status.stage };
  }
  const announced = ANNOUNCED_STAGES.includes(row.stage);
  if (row.stage === 'evicting') status.stage = 'resident'; // evicted once re-verified
  const pending = {
    // The local copy (gone once evicted) is copied again: a matching vault copy is only re-verified.
    needsCopy: row.stage !== 'evicted',
    contentChanged: !announced,
    evictRequested: row.stage === 'evicting',
  };
  const origin = { kind: 'library' as const, libraryPath: row.libraryPath, identity };
  return {
    kind: 'resumed',
    input: { hostId, origin, carried: { status, announced, pending } },
    stage: status.stage,
  };
}

/** The identity the catalog's columns give (without the *arr's ids), if they give one. */
function identityOf(row: CatalogItem): MediaIdentity | undefined {
  if (row.kind === 'movie' && row.title && row.year !== null)
    return { kind: 'movie', title: row.title, year: row.year };
  if (row.kind === 'episode' && row.title && row.season !== null)
    return { kind: 'episode', series: row.title, season: row.season, episodes: row.episodes ?? [] };
  return undefined;
}

/** The last verification the catalog recorded, if it recorded one whole. */
function verificationOf(row: CatalogItem): VaultVerification | undefined {
  const { verifiedBy, sizeBytes, sha256, vaultValue, vaultedAt } = row;
  if (!verifiedBy || sizeBytes === null || !sha256 || !vaultValue || !vaultedAt) return undefined;
  return {
    method: verifiedBy,
    sizeBytes,
    sha256,
    remoteValue: vaultValue,
    verifiedAt: vaultedAt.toISOString(),
    ...(row.mtime ? { mtimeMs: row.mtime.getTime() } : {}),
  };
}

/** What the migration did with one item. */
export interface MigratedItem {
  workflowId: string;
  /** The retired type it ran. */
  from: string;
  /** See {@link MigrationPlan}. */
  outcome: MigrationPlan['kind'];
  /** The stage it runs at now (absent when it `ended`). */
  stage?: Stage;
  /** Signals the retired run had received but not handled, sent on to the new run. */
  signalsForwarded: number;
}

/**
 * Moves every running item of a {@link RETIRED_ITEM_WORKFLOWS} type to the current type (see the
 * module comment). Safe to run again and from several workers at once: a run already moved is
 * skipped.
 *
 * @returns what was done with each item, in the order found (empty when none runs)
 * @throws Temporal client errors (connection lost), pg errors; the caller runs it again
 */
export async function migrateRetiredItems(deps: { client: Client; pool: pg.Pool }): Promise<MigratedItem[]> {
  const types = RETIRED_ITEM_WORKFLOWS.map((t) => `"${t}"`).join(', ');
  const found: WorkflowExecutionInfo[] = [];
  const query = `WorkflowType IN (${types}) AND ExecutionStatus = "Running"`;
  for await (const wf of deps.client.workflow.list({ query })) found.push(wf);
  const moved: MigratedItem[] = [];
  for (const wf of found) {
    const item = await migrateItem(deps, wf);
    if (item) moved.push(item);
  }
  return moved;
}

/** Moves one retired run's item; undefined when the run closed meanwhile (moved by another worker). */
async function migrateItem(
  { client, pool }: { client: Client; pool: pg.Pool },
  wf: WorkflowExecutionInfo,
): Promise<MigratedItem | undefined> {
  const retired = client.workflow.getHandle(wf.workflowId, wf.runId);
  // First, so that one mover wins, and every signal the run took is in its history (the server
  // writes those that came while a workflow task was in flight only once it closes).
  try {
    await retired.terminate(`the ${wf.type} workflow type is retired: moved to ${MEDIA_ITEM_WORKFLOW}`);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const events = (await retired.fetchHistory()).events ?? [];
  const [started] = decode(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads);
  // What arrived after the last workflow task its code completed: never handled.
  let handled = 0;
  events.forEach((e, i) => void (e.workflowTaskCompletedEventAttributes && (handled = i)));
  const signals = events
    .slice(handled)
    .flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes] : [],
    )
    .map((s) => ({ name: s.signalName ?? '', args: decode(s.input?.payloads) }));
  const { rows } = await pool.query<CatalogItem>(
    `SELECT stage, host_id AS "hostId", release_name AS "releaseName", library_path AS "libraryPath",
       subtitle_paths AS "subtitlePaths", kind, title, year, season, episodes, reason, pinned,
       size_bytes::float8 AS "sizeBytes", sha256, verified_by AS "verifiedBy", vault_value AS "vaultValue",
       vaulted_at AS "vaultedAt", mtime
     FROM media_items WHERE workflow_id = $1`,
    [wf.workflowId],
  );
  const plan = planMigration(started as MediaItemInput, rows[0]);
  const item = { workflowId: wf.workflowId, from: wf.type };
  if (plan.kind === 'ended') return { ...item, outcome: 'ended', signalsForwarded: 0 };
  const { input } = plan;
  const status = input.carried?.status;
  const { origin } = input;
  const path = status?.libraryPath ?? (origin.kind === 'library' ? origin.libraryPath : undefined);
  try {
    await client.workflow.start(MEDIA_ITEM_WORKFLOW, {
      workflowId: wf.workflowId,
      taskQueue: wf.taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      staticSummary:
        path || origin.kind !== 'incoming'
          ? `library ${path}`
          : `release ${origin.releasePath.slice(`${LIBRARY_FOLDERS.incoming}/`.length)}`,
      // A carried state's run takes the attributes as shown: all of them, as it would upsert them.
      typedSearchAttributes: status
        ? itemSearchAttributes(status, input.hostId)
        : [
            { key: STAGE_ATTRIBUTE, value: plan.stage },
            { key: HOST_ATTRIBUTE, value: input.hostId },
          ],
    });
  } catch (err) {
    // A trigger (a webhook's signal-with-start) started it since: the signals go to that run.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const current = client.workflow.getHandle(wf.workflowId);
  for (const signal of signals) await current.signal(signal.name, ...signal.args);
  return { ...item, outcome: plan.kind, stage: plan.stage, signalsForwarded: signals.length };
}

/** Payloads as values (the default converter: JSON, as every vaultarr workflow uses). */
function decode(payloads: Payload[] | null | undefined): unknown[] {
  return (payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
}
