import { addSpend, NO_SPEND, type BatchMeta, type Spend } from '../core/index.js';
import { stepKey, type StoredAttempt } from '../store/index.js';
import type { BatchBudgets, SpendView } from './batch-budgets.js';

/**
 * What a batch's attempts spent, summed per step, per job and for the batch, each sum kept until
 * one of its attempts changes: a heartbeat of one attempt sums its step again, its job's steps
 * and the batch's jobs, never every attempt (10,000 attempts took 33 ms to sum whole).
 */
export class SpendLedger implements SpendView {
  private readonly steps = new Map<string, Spend>();
  private readonly jobs = new Map<string, Spend>();
  private batchSpend: Spend | undefined;

  constructor(
    private readonly meta: BatchMeta,
    private readonly attempts: ReadonlyMap<string, readonly StoredAttempt[]>,
    private budgets: BatchBudgets,
  ) {}

  /** An attempt of the step was added or changed. */
  changed(jobId: string, stepId: string): void {
    this.steps.delete(stepKey(jobId, stepId));
    this.jobs.delete(jobId);
    this.batchSpend = undefined;
  }

  /** The prices or the agents of the budgets changed: everything is summed again. */
  reprice(budgets: BatchBudgets): void {
    this.budgets = budgets;
    this.steps.clear();
    this.jobs.clear();
    this.batchSpend = undefined;
  }

  step(jobId: string, stepId: string): Spend {
    const key = stepKey(jobId, stepId);
    let spend = this.steps.get(key);
    if (!spend) {
      spend = NO_SPEND;
      for (const attempt of this.attempts.get(key) ?? []) spend = addSpend(spend, this.budgets.spendOf(attempt));
      this.steps.set(key, spend);
    }
    return spend;
  }

  job(jobId: string): Spend {
    let spend = this.jobs.get(jobId);
    if (!spend) {
      spend = NO_SPEND;
      for (const step of this.meta.jobs.find((j) => j.job_id === jobId)?.steps ?? []) spend = addSpend(spend, this.step(jobId, step.step_id));
      this.jobs.set(jobId, spend);
    }
    return spend;
  }

  batch(): Spend {
    if (!this.batchSpend) {
      let spend = NO_SPEND;
      for (const job of this.meta.jobs) spend = addSpend(spend, this.job(job.job_id));
      this.batchSpend = spend;
    }
    return this.batchSpend;
  }

  /**
   * The step's and its job's spend with `own` (a running attempt, as it is now) in place of what
   * its state said last, or added when the step does not hold it yet.
   */
  withOwn(own: StoredAttempt, ownSpend: Spend): SpendView {
    const { jobId, stepId } = own.location;
    let step = NO_SPEND;
    let seen = false;
    for (const attempt of this.attempts.get(stepKey(jobId, stepId)) ?? []) {
      const isOwn = attempt.state.run_id === own.state.run_id;
      seen ||= isOwn;
      step = addSpend(step, isOwn ? ownSpend : this.budgets.spendOf(attempt));
    }
    if (!seen) step = addSpend(step, ownSpend);
    let job = step;
    for (const other of this.meta.jobs.find((j) => j.job_id === jobId)?.steps ?? []) if (other.step_id !== stepId) job = addSpend(job, this.step(jobId, other.step_id));
    return {
      step: (j, s) => (j === jobId && s === stepId ? step : this.step(j, s)),
      job: (j) => (j === jobId ? job : this.job(j)),
      batch: () => this.batch(),
    };
  }
}
