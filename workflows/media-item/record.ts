/**
 * How an item shows what it does: its search attributes (upserted only when they change) and its
 * catalog rows (the stage changes the workflow itself decides; the stage activities record their
 * own).
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RecordStageInput } from '../../activities/catalog/activities.js';
import { itemSearchAttributes } from '../../domain/search-attributes.js';
import type { Stage } from '../../domain/stages.js';
import { catalog } from '../activity-options.js';
import type { MediaItem } from './item.js';

/** The item's search attributes as its status says (kind only once known). */
export function attributes(item: MediaItem) {
  return itemSearchAttributes(item.status, item.hostId);
}

/** Sets the stage and upserts the search attributes, only if they changed (one event). */
export function show(item: MediaItem, stage: Stage): void {
  item.status.stage = stage;
  const shown = attributes(item);
  const key = JSON.stringify(shown);
  if (key === item.shownAttributes) return;
  item.shownAttributes = key;
  upsertSearchAttributes(shown);
}

/**
 * Records a stage change the workflow itself decides (no activity did the work): the catalog
 * row first (a local activity; it opens the notification of `awaiting-approval` and
 * `failed-needs-attention`), so whoever sees the new stage in the status query finds it there.
 */
export async function enter(
  item: MediaItem,
  stage: Stage,
  outcome: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await catalog.recordStage(stageRow(item, stage, outcome, details));
  show(item, stage);
}

/** The catalog row of a stage change, from the status as it is now. */
export function stageRow(
  item: MediaItem,
  stage: Stage,
  outcome: string,
  details?: Record<string, unknown>,
): RecordStageInput {
  const s = item.status;
  return {
    workflowId: workflowInfo().workflowId,
    hostId: item.hostId,
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
