// What the other floors may use of scheduler/; everything else in it is its own (docs/architecture.md).
export { type HandedOutAttempts, Scheduler } from './scheduler.js';
export { type CancelTarget, checkLaunchTable, Requests } from './requests.js';
export { pauseReason, readOwnerHealth, readOwnerPauseReason, readPressure } from './runner-health.js';
export { findGarbage, finishRemovals, type GcCandidate, GcRefusedError, removeGarbage, secureWorktrees } from './collect-garbage.js';
export { HealthMonitor } from './health-monitor.js';
export { type SetBudgetAnswer, type SetBudgetRequest } from './budget-requests.js';
export { type PoolKey } from './pool-key.js';
