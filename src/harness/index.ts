// What the other floors may use of harness/; everything else in it is its own (docs/architecture.md).
export { Harness, type HarnessOptions } from './harness.js';
export { type LogLevel, type LogListener } from './log-listener.js';
export { type LandJobAnswer } from './land-job.js';
export { type ChangesAnswer } from './change-views.js';
