export * from './run-process.js';
export * from './run-command.js';
export * from './process-group.js';
export * from './bounded-tail.js';
export * from './line-splitter.js';
