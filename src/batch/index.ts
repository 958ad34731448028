export { BatchRecord } from './batch-record.js';
export { readAllRecords, type BatchRecords, type FoundRun } from './batch-records.js';
export { HeldBatches } from './held-batches.js';
export { StoredBatches } from './stored-batches.js';
export { deriveJobViews, type ReadyStepView, type StepView } from './step-views.js';
export { selectResumeSource } from './resume-source.js';
