/**
 * Lifecycle stages of a media item, as shown in the `VaultarrStage` search attribute,
 * the `status` query and the catalog's `media_items.stage` column.
 *
 * Readable strings, never numbers: they appear in the Temporal Web UI and in list filters
 * such as `VaultarrStage = "awaiting-approval"`.
 */
export const STAGES = [
  'sorting',
  'awaiting-approval',
  'copying',
  'verifying',
  'scanning',
  'notifying',
  'resident',
  'evicting',
  'evicted',
  'failed-needs-attention',
  // An Incoming/ release that stayed incomplete (intake.damagedAfterMinutes): kept in Unsorted/, never
  // placed or vaulted; waits for `retry` (look at it again) or `skip`.
  'damaged',
  'deleted',
  // A byte-identical copy of a file another item already carries: removed from Incoming/, the workflow ends.
  'duplicate',
  // A person said `skip`: the workflow ended, its files are left where they are.
  'skipped',
] as const;

/** One of {@link STAGES}. */
export type Stage = (typeof STAGES)[number];

/**
 * Stages of items whose workflow ended and that carry no library path any more: another item (or
 * a new run) may take their path.
 */
export const ENDED_STAGES = ['deleted', 'duplicate', 'skipped'] as const satisfies readonly Stage[];

/** {@link ENDED_STAGES} as an SQL list, for `stage NOT IN (...)` (the migration's index repeats it). */
export const ENDED_STAGES_SQL = ENDED_STAGES.map((s) => `'${s}'`).join(', ');
