export { BatchRecord } from './batch-record.js';
export { deriveJobViews, type ReadyStepView, type StepView } from './step-views.js';
export { selectResumeSource } from './resume-source.js';
