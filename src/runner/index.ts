export * from './run-attempt.js';
export * from './attempt-state-change.js';
export * from './workspace.js';
export * from './session-store.js';
