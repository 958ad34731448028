export * from './plan-batch.js';
export * from './json-path.js';
export * from './step-graph.js';
