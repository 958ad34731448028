// What the other floors may use of harness/; everything else in it is its own (docs/architecture.md).
export { Harness, type GcOutcome, type HarnessOptions } from './harness.js';
export { type BranchPruning } from './left-branches.js';
export { type LogLevel, type LogListener } from './log-listener.js';
export { JobNotLandableError, type LandJobAnswer, type LandJobRequest } from './land-job.js';
export { ChangeNotRecordedError, NoJobBranchError, type ChangesAnswer, type ChangesRequest } from './change-views.js';
