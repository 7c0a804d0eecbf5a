import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LIBRARY_FOLDERS } from '../domain/media.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import {
  MEDIA_ITEM_REVISION,
  MEDIA_ITEM_WORKFLOW,
  statusQuery,
  type MediaItemInput,
} from '../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import {
  hashOnlyMediaItemWorkflowId,
  incomingKey,
  legacyIncomingKey,
  mediaItemWorkflowId,
  type ArrivalIdentity,
} from './workflow-ids.js';

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
 * one on a new item. A workflow that is still sorting under an ID of earlier versions — the
 * hash-only ID of the key before arrivals carried a birth time (`legacyIncomingKey`, items of the
 * retired type moved to the current one by `vaultarr items migrate`), or the hash-only ID versions
 * before readable IDs gave this key — is found as well.
 *
 * @returns the workflow ID of the item carrying this arrival
 * @throws Temporal client errors (connection lost; the caller retries); `Error` when
 *   {@link MAX_ARRIVAL_IDS} IDs are all held by other items (never in practice)
 */
export async function startIncomingItem(client: Client, options: StartIncomingOptions): Promise<string> {
  const { releasePath, arrival } = options;
  const stillThere = () => existsSync(path.join(options.localRoot, releasePath));
  const key = incomingKey(releasePath, arrival);
  if (await hashOnlyItemsMaySort(client)) {
    const legacy = hashOnlyMediaItemWorkflowId(legacyIncomingKey(releasePath, arrival));
    if ((await runningStage(client, legacy)) === 'sorting') return legacy;
    const earlier = await sortingUnderHashOnlyId(client, key);
    if (earlier) return earlier;
  }
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

/** How long a look that found earlier versions' items running is trusted before the next, in ms. */
const RECOUNT_MS = 60_000;
/** A look at whether earlier versions' items may run, and when it was made. */
interface Look {
  at: number;
  running: Promise<boolean>;
}
const hashOnlyLooks = new WeakMap<Client, Look>();

/**
 * Asks `look` whether items of earlier versions may still run. Nothing of this version starts one:
 * once a look finds none, the per-arrival lookup (a describe call, and a miss, on the server for
 * every release) is skipped for good. While some run, the look is repeated at most once a minute;
 * when it fails, the lookup is made.
 */
async function stillMayRun(looks: WeakMap<Client, Look>, client: Client, look: () => Promise<boolean>) {
  const last = looks.get(client);
  if (last && (Date.now() - last.at < RECOUNT_MS || !(await last.running))) return last.running;
  const running = look().catch(() => true);
  looks.set(client, { at: Date.now(), running });
  return running;
}

/** An ID versions before readable IDs gave (`media:<40 hex>`, see `hashOnlyMediaItemWorkflowId`). */
const HASH_ONLY_ID = /^media:[0-9a-f]{40}$/;

/**
 * Whether an item started under a hash-only ID may still be sorting a release: a running one in
 * `sorting`, or parked in `failed-needs-attention` (its retry may sort again). An item past
 * sorting never sorts again.
 */
function hashOnlyItemsMaySort(client: Client): Promise<boolean> {
  return stillMayRun(hashOnlyLooks, client, async () => {
    const query = `WorkflowType = "${MEDIA_ITEM_WORKFLOW}" AND ExecutionStatus = "Running" AND ${STAGE_ATTRIBUTE.name} IN ("sorting", "failed-needs-attention")`;
    for await (const wf of client.workflow.list({ query })) if (HASH_ONLY_ID.test(wf.workflowId)) return true;
    return false;
  });
}

/** The item started under a hash-only ID for this arrival (`<key>`, `<key>#2`, ...) and still sorting it, if any. */
async function sortingUnderHashOnlyId(client: Client, key: string): Promise<string | undefined> {
  for (let n = 1; n <= MAX_ARRIVAL_IDS; n++) {
    const workflowId = hashOnlyMediaItemWorkflowId(n === 1 ? key : `${key}#${n}`);
    const stage = await runningStage(client, workflowId);
    if (stage !== 'moved-on') return stage === 'sorting' ? workflowId : undefined;
  }
  return undefined;
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
