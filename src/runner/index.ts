export * from './run-attempt.js';
export * from './attempt-state-change.js';
export * from './workspace.js';
