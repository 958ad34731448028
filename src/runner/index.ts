export * from './runner-context.js';
export * from './run-attempt.js';
export * from './abort-reasons.js';
export * from './workspace.js';
export * from './session-store.js';
