/**
 * Items: the catalog joined with live workflow state (`reader.ts`), the interventions on an item's
 * workflow (`service.ts`), the catalog's rows and lookups (`rows.ts`), and the move of items of a
 * retired workflow type to the current one (`migrate.ts`). One service for the REST API and the CLI.
 */
export type { ItemAction } from '../../domain/interventions.js';
export type { ItemProgress } from '../item-progress.js';
export {
  migrateRetiredItems,
  planMigration,
  RETIRED_ITEM_WORKFLOWS,
  type CatalogItem,
  type MigratedItem,
  type MigrationPlan,
} from './migrate.js';
export { ItemReader } from './reader.js';
export {
  ANSWER_WITHIN_MS,
  describeUnsortedVault,
  ItemError,
  workflowIdForPath,
  type ItemQuery,
  type ItemRow,
} from './rows.js';
export { ItemService } from './service.js';
