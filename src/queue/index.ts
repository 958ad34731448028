export * from './filesystem-queue.js';
