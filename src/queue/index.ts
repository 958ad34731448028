export * from './filesystem-queue.js';
export * from './control-inbox.js';
