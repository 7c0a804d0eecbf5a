/** Every workflow, for the worker's bundle. One workflow per file. */
export { cacheJanitorWorkflow } from './cache-janitor-workflow.js';
export { mediaItemWorkflowV2 } from './media-item/workflow.js';
export { reconcileWorkflow } from './reconcile-workflow.js';
export {
  purgeVaultTrashWorkflow,
  trashVaultFileWorkflow,
  trashVaultFolderWorkflow,
} from './vault-trash-workflows.js';
export { peerDeliveryWorkflow } from './peer-delivery-workflow.js';
export { peerImportWorkflow } from './peer-import-workflow.js';
export { notificationChecksWorkflow, notificationWorkflow } from './notification-workflows.js';
