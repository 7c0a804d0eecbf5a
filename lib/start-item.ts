import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { LIBRARY_FOLDERS } from '../domain/media.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import {
  MEDIA_ITEM_WORKFLOW,
  statusQuery,
  type MediaItemInput,
  type MediaItemPolicy,
} from '../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import { incomingKey, legacyIncomingKey, mediaItemWorkflowId, type ArrivalIdentity } from './workflow-ids.js';

/**
 * Starts a media item's workflow, or attaches to the one already running under that ID
 * (conflict policy USE_EXISTING): duplicate triggers never duplicate work.
 *
 * @param options.summary - the static summary shown in the Web UI (names the file)
 * @param options.taskQueue - workflow task queue (default `vaultarr`)
 * @returns the run ID of the (new or existing) execution
 * @throws Temporal client errors (connection lost; the caller retries)
 */
export async function startMediaItem(
  client: Client,
  options: { workflowId: string; input: MediaItemInput; summary: string; taskQueue?: string },
): Promise<string> {
  const handle = await client.workflow.start(MEDIA_ITEM_WORKFLOW, {
    taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
    workflowId: options.workflowId,
    args: [options.input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: options.summary,
    typedSearchAttributes: [
      { key: STAGE_ATTRIBUTE, value: options.input.origin.kind === 'incoming' ? 'sorting' : 'copying' },
      { key: HOST_ATTRIBUTE, value: options.input.hostId },
    ],
  });
  return handle.firstExecutionRunId;
}

/** Options of {@link startIncomingItem}. */
export interface StartIncomingOptions {
  /** `Incoming/<name>`, relative to the local root. */
  releasePath: string;
  /** What identifies this arrival (see `arrivalIdentity`). */
  arrival: ArrivalIdentity;
  hostId: string;
  policy: MediaItemPolicy;
  /** Workflow task queue (default `vaultarr`). */
  taskQueue?: string;
}

/** Most workflows one arrival key may be tried under (`<key>`, `<key>#2`, ...) before giving up. */
const MAX_ARRIVAL_IDS = 20;

/**
 * Starts the workflow of a release that arrived in `Incoming/`, or attaches to the one already
 * carrying this very arrival. The ID is derived from the path and the arrival's identity
 * (`incomingKey`); a workflow found under it is this arrival's when it started after the arrival
 * was born, or is still sorting. One that started earlier and has moved on (it sorted an earlier
 * file whose inode and times this one happens to share) is never reused: the next ID of the
 * sequence (`<key>#2`, ...) is tried, so the same arrival always lands on the same item and a new
 * one on a new item. A running workflow under the key of earlier versions (`legacyIncomingKey`)
 * that is still sorting is attached to as well.
 *
 * @returns the workflow ID of the item carrying this arrival
 * @throws Temporal client errors (connection lost; the caller retries); `Error` when
 *   {@link MAX_ARRIVAL_IDS} IDs are all held by other items (never in practice)
 */
export async function startIncomingItem(client: Client, options: StartIncomingOptions): Promise<string> {
  const { releasePath, arrival } = options;
  const bornMs = Number(BigInt(arrival.bornNs.replace(/^c/, '')) / 1_000_000n);
  const legacy = mediaItemWorkflowId(legacyIncomingKey(releasePath, arrival));
  if (await carriesArrival(client, legacy, Infinity)) return legacy;
  const key = incomingKey(releasePath, arrival);
  for (let n = 1; n <= MAX_ARRIVAL_IDS; n++) {
    const workflowId = mediaItemWorkflowId(n === 1 ? key : `${key}#${n}`);
    await startMediaItem(client, {
      workflowId,
      taskQueue: options.taskQueue,
      summary: `release ${releasePath.slice(`${LIBRARY_FOLDERS.incoming}/`.length)}`,
      input: { hostId: options.hostId, origin: { kind: 'incoming', releasePath }, policy: options.policy },
    });
    if (await carriesArrival(client, workflowId, bornMs)) return workflowId;
  }
  throw new Error(
    `${releasePath}: ${MAX_ARRIVAL_IDS} workflow IDs for this arrival are all held by other items`,
  );
}

/**
 * Whether the workflow under this ID (its latest run) carries the arrival born at `bornMs`: it
 * started no earlier than that, or it is running and still holds its release in `Incoming/` (stage
 * `sorting`, or parked in `failed-needs-attention` with sorting as the failed stage).
 */
async function carriesArrival(client: Client, workflowId: string, bornMs: number): Promise<boolean> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
  if (description.startTime.getTime() >= bornMs) return true;
  if (description.status.name !== 'RUNNING') return false;
  const stage = description.typedSearchAttributes.get(STAGE_ATTRIBUTE);
  if (stage === 'sorting') return true;
  if (stage !== 'failed-needs-attention') return false;
  return (await handle.query(statusQuery)).failedStage === 'sorting';
}
