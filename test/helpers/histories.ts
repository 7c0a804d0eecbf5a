/**
 * Recorded workflow histories: the replay test replays every file under test/fixtures/histories
 * with the current workflow code, so a change that breaks running workflows fails `npm test`.
 * To add fixtures after a deliberate workflow change (with `patched`), run the workflow tests with
 * `RECORD_HISTORIES=1`: each test that ends a workflow writes its history there.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MEDIA_ITEM_WORKFLOW } from '../../domain/messages.js';

/** Folder of the recorded histories. */
export const HISTORY_DIR = path.resolve('test/fixtures/histories');

/** Writes the history of a finished workflow as a fixture when `RECORD_HISTORIES=1`. */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORY_DIR, { recursive: true });
  // The item workflow's histories carry its type in the name (`<name>.mediaItemWorkflowV2.json`),
  // other workflows' go under the plain name.
  const { type } = await handle.describe();
  const file = type === MEDIA_ITEM_WORKFLOW ? `${name}.${type}` : name;
  writeFileSync(path.join(HISTORY_DIR, `${file}.json`), historyToJSON(await handle.fetchHistory()));
  // Child workflow IDs derive from the parent's: replay needs the recorded workflow ID.
  writeFileSync(path.join(HISTORY_DIR, `${file}.workflow-id`), handle.workflowId);
}
