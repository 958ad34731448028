import { describeLimit, nowIso, type AttemptState } from '../core/index.js';
import { levelName, type HeldBatches } from '../batch/index.js';
import type { AttemptLocation } from '../store/index.js';
import type { BudgetGuard } from '../runner/index.js';

/**
 * The step and job budgets over the attempts this server runs, from the batches it holds: an
 * attempt is measured as it is now (its wall time to now) with everything the other attempts of
 * its step and job spent (a running one as its state.json last said). The batch's own budget stops no attempt;
 * it holds the steps not started (docs/spec.md §5 "Budgets").
 */
export class HeldBudgets implements BudgetGuard {
  constructor(private readonly batches: HeldBatches) {}

  overBudget(state: AttemptState): string | null {
    const record = this.batches.get(state.batch_id);
    if (!record?.budgets.any) return null;
    const budgets = record.budgets;
    const own = { location: { batchId: state.batch_id, jobId: state.job_id, stepId: state.step_id, dirName: '' }, state };
    const spent = record.spent.withOwn(own, budgets.spendOf(own, nowIso()));
    const limit = budgets.reached(spent, state.job_id, state.step_id, true, ['step', 'job']);
    return limit && `${levelName(limit.level)} ${limit.key} went over: ${describeLimit(limit)}`;
  }

  remainingStepCostUsd(location: AttemptLocation): number | null {
    const record = this.batches.get(location.batchId);
    const limit = record?.budgets.stepBudget(location.jobId, location.stepId)?.max_cost_usd;
    if (limit === undefined || !record) return null;
    return Math.max(0, limit - record.spent.step(location.jobId, location.stepId).cost_usd);
  }
}
