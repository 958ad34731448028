// What the other floors may use of batch/; everything else in it is its own (docs/architecture.md).
export { BatchRecord } from './batch-record.js';
export { type AllRecords, type BatchRecords, type FoundRun, readAllRecords } from './batch-records.js';
export { HeldBatches } from './held-batches.js';
export { ServedBatches } from './served-batches.js';
export { DiskBatches } from './disk-batches.js';
export { type ReadyStepView, type StepView } from './step-views.js';
export { selectResumeSource } from './resume-source.js';
export { endedOnProviderLimit } from './retry-policy.js';
export { levelName } from './batch-budgets.js';
