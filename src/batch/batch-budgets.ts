import {
  attemptSpend,
  describeAmount,
  limitReached,
  overriddenBudget,
  tokensOf,
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

/** What was spent at each level. */
export interface SpendView {
  step(jobId: string, stepId: string): Spend;
  job(jobId: string): Spend;
  batch(): Spend;
}

/** A budget's limit that was reached, and where. */
export interface LevelLimit extends BudgetLimitReached {
  level: BudgetLevel;
}

/**
 * The budgets of one batch as they are now: planned in batch_meta.json, changed by set_budget in
 * budgets.json (docs/spec.md §3 "Budgets"), each looked up once here.
 */
export class BatchBudgets {
  private readonly agentOf = new Map<string, AgentName>();
  private readonly jobs = new Map<string, Budget>();
  private readonly steps = new Map<string, Budget>();
  private readonly batch: Budget | null;
  /** Whether any level has a budget: a batch without one skips all accounting. */
  readonly any: boolean;

  constructor(
    meta: BatchMeta,
    readonly overrides: BudgetOverrides | undefined,
    private readonly prices: PriceBook,
  ) {
    this.batch = nonEmpty(overriddenBudget(meta.budget ?? null, overrides?.batch));
    for (const job of meta.jobs) {
      const jobBudget = nonEmpty(overriddenBudget(job.budget ?? null, overrides?.jobs[job.job_id]));
      if (jobBudget) this.jobs.set(job.job_id, jobBudget);
      for (const step of job.steps) {
        const key = stepKey(job.job_id, step.step_id);
        this.agentOf.set(key, step.agent);
        const stepBudget = nonEmpty(overriddenBudget(step.budget ?? null, overrides?.steps[key]));
        if (stepBudget) this.steps.set(key, stepBudget);
      }
    }
    this.any = this.batch !== null || this.jobs.size > 0 || this.steps.size > 0;
  }

  batchBudget(): Budget | null {
    return this.batch;
  }

  jobBudget(jobId: string): Budget | null {
    return this.jobs.get(jobId) ?? null;
  }

  stepBudget(jobId: string, stepId: string): Budget | null {
    return this.steps.get(stepKey(jobId, stepId)) ?? null;
  }

  /** What one attempt spent, priced by the agent that ran it (a fallback's, when it fell back); a running one up to `runningUntil` (default: its last heartbeat). */
  spendOf(attempt: StoredAttempt, runningUntil?: string): Spend {
    const agent = attempt.state.agent ?? this.agentOf.get(stepKey(attempt.location.jobId, attempt.location.stepId));
    return attemptSpend(attempt.state, agent ? this.prices(agent) : null, runningUntil);
  }

  /** The agents whose tokens among `attempts` have no cost: they report none and their model has no price. */
  unpricedAgents(attempts: Iterable<StoredAttempt>): AgentName[] {
    const unpriced = new Set<AgentName>();
    for (const { location, state } of attempts) {
      if (!state.usage || state.usage.cost_usd !== undefined) continue;
      const agent = state.agent ?? this.agentOf.get(stepKey(location.jobId, location.stepId));
      if (agent && !this.prices(agent) && tokensOf(state.usage) > 0) unpriced.add(agent);
    }
    return [...unpriced].sort();
  }

  /**
   * The first budget over a step, its job or the batch (of `levels`, nearest first) that `spent`
   * reached (`strictly`: went over); null when none did.
   */
  reached(spent: SpendView, jobId: string, stepId: string, strictly: boolean, levels: readonly BudgetLevel['kind'][] = ['step', 'job', 'batch']): LevelLimit | null {
    for (const kind of levels) {
      const budget = kind === 'batch' ? this.batch : kind === 'job' ? this.jobBudget(jobId) : this.stepBudget(jobId, stepId);
      if (!budget) continue;
      const limit = limitReached(budget, kind === 'batch' ? spent.batch() : kind === 'job' ? spent.job(jobId) : spent.step(jobId, stepId), strictly);
      if (limit) return { ...limit, level: kind === 'batch' ? { kind } : kind === 'job' ? { kind, jobId } : { kind, jobId, stepId } };
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
