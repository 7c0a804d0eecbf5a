import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LIBRARY_FOLDERS } from '../domain/media.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import {
  LEGACY_MEDIA_ITEM_WORKFLOW,
  MEDIA_ITEM_REVISION,
  MEDIA_ITEM_WORKFLOW,
  statusQuery,
  type MediaItemInput,
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
  options: {
    workflowId: string;
    input: MediaItemInput;
    summary: string;
    taskQueue?: string;
    /** `FAIL` throws `WorkflowExecutionAlreadyStartedError` instead of attaching (default `USE_EXISTING`). */
    conflictPolicy?: 'USE_EXISTING' | 'FAIL';
  },
): Promise<string> {
  const handle = await client.workflow.start(MEDIA_ITEM_WORKFLOW, {
    taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
    workflowId: options.workflowId,
    args: [options.input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy[options.conflictPolicy ?? 'USE_EXISTING'],
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
  /** Workflow task queue (default `vaultarr`). */
  taskQueue?: string;
  /** The local root (`.Local`): where the release is looked for when a workflow under its key has moved on. */
  localRoot: string;
}

/** Most workflows one arrival key may be tried under (`<key>`, `<key>#2`, ...) before giving up. */
const MAX_ARRIVAL_IDS = 20;

/**
 * Starts the workflow of a release that arrived in `Incoming/`, or finds the one already carrying
 * this very arrival. The ID is derived from the path and the arrival's identity (`incomingKey`). A
 * workflow already running under it carries the arrival while it is still sorting (or parked with
 * sorting as the failed stage), or once it has moved on with the release gone from `Incoming/`
 * (it took it). One that has moved on while a release sits at that path again is an earlier
 * file's item whose key this one happens to share: it is never reused, the next ID of the
 * sequence (`<key>#2`, ...) is tried, so the same arrival always lands on the same item and a new
 * one on a new item. A workflow under the key of earlier versions (`legacyIncomingKey`) that is
 * still sorting is found as well.
 *
 * @returns the workflow ID of the item carrying this arrival
 * @throws Temporal client errors (connection lost; the caller retries); `Error` when
 *   {@link MAX_ARRIVAL_IDS} IDs are all held by other items (never in practice)
 */
export async function startIncomingItem(client: Client, options: StartIncomingOptions): Promise<string> {
  const { releasePath, arrival } = options;
  const stillThere = () => existsSync(path.join(options.localRoot, releasePath));
  if (await legacyItemsMayRun(client)) {
    const legacy = mediaItemWorkflowId(legacyIncomingKey(releasePath, arrival));
    if ((await runningStage(client, legacy)) === 'sorting') return legacy;
  }
  const key = incomingKey(releasePath, arrival);
  for (let n = 1; n <= MAX_ARRIVAL_IDS; n++) {
    const workflowId = mediaItemWorkflowId(n === 1 ? key : `${key}#${n}`);
    try {
      await startMediaItem(client, {
        workflowId,
        taskQueue: options.taskQueue,
        conflictPolicy: 'FAIL',
        summary: `release ${releasePath.slice(`${LIBRARY_FOLDERS.incoming}/`.length)}`,
        input: {
          hostId: options.hostId,
          origin: { kind: 'incoming', releasePath },
          revision: MEDIA_ITEM_REVISION,
        },
      });
      return workflowId;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const stage = await runningStage(client, workflowId);
    if (stage === 'sorting' || stage === undefined || !stillThere()) return workflowId;
  }
  throw new Error(
    `${releasePath}: ${MAX_ARRIVAL_IDS} workflow IDs for this arrival are all held by other items`,
  );
}

/** How long a count that found legacy items running is trusted before the next, in ms. */
const LEGACY_RECOUNT_MS = 60_000;
const legacyCounts = new WeakMap<Client, { at: number; running: Promise<boolean> }>();

/**
 * Whether items under the keys of earlier versions may still be running. Only the legacy workflow
 * type carries them (its runs started before arrival keys had a birth time), and nothing of this
 * version starts one: once a count finds none running, the per-arrival lookup of the legacy key
 * (a describe call, and a miss, on the server for every release) is skipped for good. While some
 * run, the count is repeated at most once a minute; when it fails, the lookup is made.
 */
async function legacyItemsMayRun(client: Client): Promise<boolean> {
  const last = legacyCounts.get(client);
  if (last && (Date.now() - last.at < LEGACY_RECOUNT_MS || !(await last.running))) return last.running;
  const running = client.workflow
    .count(`WorkflowType = "${LEGACY_MEDIA_ITEM_WORKFLOW}" AND ExecutionStatus = "Running"`)
    .then(
      ({ count }) => count > 0,
      () => true,
    );
  legacyCounts.set(client, { at: Date.now(), running });
  return running;
}

/**
 * The stage of the running workflow under this ID, as far as sorting goes: `sorting` while it
 * sorts (or is parked with sorting as the failed stage), `moved-on` past it, `undefined` when none
 * runs (it closed between the start and this look: whatever it did, it did with this arrival).
 */
async function runningStage(client: Client, workflowId: string): Promise<'sorting' | 'moved-on' | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (description.status.name !== 'RUNNING') return undefined;
  const stage = description.typedSearchAttributes.get(STAGE_ATTRIBUTE);
  if (stage === 'sorting') return 'sorting';
  if (stage !== 'failed-needs-attention') return 'moved-on';
  return (await handle.query(statusQuery)).failedStage === 'sorting' ? 'sorting' : 'moved-on';
}
