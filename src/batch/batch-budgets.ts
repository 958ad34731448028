import {
  addSpend,
  attemptSpend,
  describeAmount,
  limitReached,
  NO_SPEND,
  overriddenBudget,
  type AgentName,
  type BatchMeta,
  type Budget,
  type BudgetLimitReached,
  type BudgetOverrides,
  type PriceBook,
  type Spend,
} from '../core/index.js';
import { stepKey, type StoredAttempt } from '../store/index.js';

/** A level a budget is set at: a step (over its attempts), a job (over its steps) or the batch (over its jobs). */
export type BudgetLevel = { kind: 'step'; jobId: string; stepId: string } | { kind: 'job'; jobId: string } | { kind: 'batch' };

/** What a batch's attempts spent, at every level. */
export interface SpendTotals {
  batch: Spend;
  jobs: Map<string, Spend>;
  /** By step key. */
  steps: Map<string, Spend>;
}

/** A budget's limit that was reached, and where. */
export interface LevelLimit extends BudgetLimitReached {
  level: BudgetLevel;
}

/**
 * The budgets of one batch as they are now: planned in batch_meta.json, changed by set_budget in
 * budgets.json (docs/spec.md §3 "Budgets"); and what its attempts spent against them.
 */
export class BatchBudgets {
  private readonly agentOf = new Map<string, AgentName>();
  readonly any: boolean;

  constructor(
    private readonly meta: BatchMeta,
    readonly overrides: BudgetOverrides | undefined,
    private readonly prices: PriceBook,
  ) {
    let any = Boolean(this.batchBudget());
    for (const job of meta.jobs) {
      any ||= Boolean(this.jobBudget(job.job_id));
      for (const step of job.steps) {
        this.agentOf.set(stepKey(job.job_id, step.step_id), step.agent);
        any ||= Boolean(this.stepBudget(job.job_id, step.step_id));
      }
    }
    this.any = any;
  }

  batchBudget(): Budget | null {
    return nonEmpty(overriddenBudget(this.meta.budget ?? null, this.overrides?.batch));
  }

  jobBudget(jobId: string): Budget | null {
    const planned = this.meta.jobs.find((j) => j.job_id === jobId)?.budget ?? null;
    return nonEmpty(overriddenBudget(planned, this.overrides?.jobs[jobId]));
  }

  stepBudget(jobId: string, stepId: string): Budget | null {
    const planned = this.meta.jobs.find((j) => j.job_id === jobId)?.steps.find((s) => s.step_id === stepId)?.budget ?? null;
    return nonEmpty(overriddenBudget(planned, this.overrides?.steps[stepKey(jobId, stepId)]));
  }

  budgetOf(level: BudgetLevel): Budget | null {
    return level.kind === 'batch' ? this.batchBudget() : level.kind === 'job' ? this.jobBudget(level.jobId) : this.stepBudget(level.jobId, level.stepId);
  }

  /** What one attempt spent, priced by its step's agent; a running one up to `runningUntil` (default: its last heartbeat). */
  spendOf(attempt: StoredAttempt, runningUntil?: string): Spend {
    const agent = this.agentOf.get(stepKey(attempt.location.jobId, attempt.location.stepId));
    return attemptSpend(attempt.state, agent ? this.prices(agent) : null, runningUntil);
  }

  /** Spend at every level over `attempts`; `own` replaces the spend of one attempt (the running attempt that asks, as it is now). */
  totals(attempts: Iterable<StoredAttempt>, own?: { runId: string; spend: Spend }): SpendTotals {
    const totals: SpendTotals = { batch: NO_SPEND, jobs: new Map(), steps: new Map() };
    for (const attempt of attempts) {
      const spend = own && attempt.state.run_id === own.runId ? own.spend : this.spendOf(attempt);
      const { jobId, stepId } = attempt.location;
      const key = stepKey(jobId, stepId);
      totals.steps.set(key, addSpend(totals.steps.get(key) ?? NO_SPEND, spend));
      totals.jobs.set(jobId, addSpend(totals.jobs.get(jobId) ?? NO_SPEND, spend));
      totals.batch = addSpend(totals.batch, spend);
    }
    return totals;
  }

  /** The agents whose tokens among `attempts` have no cost: they report none and their model has no price. */
  unpricedAgents(attempts: Iterable<StoredAttempt>): AgentName[] {
    const unpriced = new Set<AgentName>();
    for (const { location, state } of attempts) {
      if (!state.usage || state.usage.cost_usd !== undefined) continue;
      const agent = this.agentOf.get(stepKey(location.jobId, location.stepId));
      if (agent && !this.prices(agent) && state.usage.input_tokens + state.usage.output_tokens > 0) unpriced.add(agent);
    }
    return [...unpriced].sort();
  }

  /**
   * The first budget over a step, its job or the batch that `totals` reached (`strictly`: went
   * over), nearest level first; null when none did.
   */
  reached(totals: SpendTotals, jobId: string, stepId: string, strictly: boolean, levels: readonly BudgetLevel['kind'][] = ['step', 'job', 'batch']): LevelLimit | null {
    for (const kind of levels) {
      const level: BudgetLevel = kind === 'batch' ? { kind } : kind === 'job' ? { kind, jobId } : { kind, jobId, stepId };
      const spent = kind === 'batch' ? totals.batch : kind === 'job' ? totals.jobs.get(jobId) : totals.steps.get(stepKey(jobId, stepId));
      const limit = limitReached(this.budgetOf(level), spent ?? NO_SPEND, strictly);
      if (limit) return { ...limit, level };
    }
    return null;
  }
}

/** An empty budget sets no limit. */
function nonEmpty(budget: Budget | null): Budget | null {
  return budget && Object.keys(budget).length > 0 ? budget : null;
}

/** "the batch's", "job `j`'s", "step `j/s`'s" */
export function levelName(level: BudgetLevel): string {
  if (level.kind === 'batch') return 'the batch’s';
  if (level.kind === 'job') return `job \`${level.jobId}\`’s`;
  return `step \`${level.jobId}/${level.stepId}\`’s`;
}

/** Why a step that may not start is held: the budget, what was spent and the way out (the `budget_exhausted` hold). */
export function holdMessage(limit: LevelLimit): string {
  // The limit alone, not what was spent: the views of other jobs keep this text until they change.
  return `budget_exhausted: ${levelName(limit.level)} ${limit.key} of ${describeAmount(limit.key, limit.limit)} is spent; set_budget raises it`;
}
