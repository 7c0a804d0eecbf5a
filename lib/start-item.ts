import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import { MEDIA_ITEM_WORKFLOW, type MediaItemInput } from '../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';

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
