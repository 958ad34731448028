// What the other floors may use of launch-table/; everything else in it is its own (docs/architecture.md).
export { launchTableDigest, planBatch, type PlanContext } from './plan-batch.js';
export { costBudgetProblem } from './budgets.js';
