// What the other floors may use of runner/; everything else in it is its own (docs/architecture.md).
export { type AttemptExecutor, type AttemptJob, type BudgetGuard, type RunnerContext } from './runner-context.js';
export { runAttempt } from './run-attempt.js';
export { ReportChecker } from './report-checker.js';
export { BudgetExceededReason, isShutdown, ShutdownReason, StuckReason } from './abort-reasons.js';
export { WorkspaceOccupancy } from './workspace-occupancy.js';
