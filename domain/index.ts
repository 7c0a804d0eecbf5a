export * from './approval.js';
export * from './failures.js';
export * from './media.js';
export * from './messages.js';
export * from './peer-messages.js';
export * from './search-attributes.js';
export * from './stages.js';
export * from './task-queues.js';
