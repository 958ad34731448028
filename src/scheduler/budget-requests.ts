import {
  BUDGET_KEYS,
  InvalidArgumentError,
  KeyedSerial,
  NotFoundError,
  nowIso,
  WHERE_IDS_ARE,
  type Budget,
  type BudgetOverride,
  type BudgetOverrides,
  type HarnessConfig,
} from '../core/index.js';
import { costBudgetProblem } from '../launch-table/index.js';
import type { BatchRecord, HeldBatches } from '../batch/index.js';
import { stepKey, writeBudgetOverrides, type RunsPaths } from '../store/index.js';
import type { Dispatcher } from './dispatcher.js';

/** set_budget's request: the level (the batch, a job, or a step of one) and the limits to set (null removes one). */
export interface SetBudgetRequest extends BudgetOverride {
  batch_id: string;
  job_id?: string | undefined;
  step_id?: string | undefined;
}

export type SetBudgetAnswer = {
  level: 'batch' | 'job' | 'step';
  /** The level's budget now, every limit of it; null: none. */
  budget: Budget | null;
  /** Steps of the batch held by a spent budget before the change, and after it. */
  held_before: number;
  held_after: number;
};

export interface BudgetRequestsOptions {
  paths: RunsPaths;
  config: HarnessConfig;
  batches: HeldBatches;
  dispatch: Dispatcher;
}

/**
 * Changes a budget of a batch after submit (set_budget, docs/spec.md §8.1): budgets.json is
 * written first (batch_meta.json is written once), then the held batch takes it, then the
 * dispatcher looks for work, so the steps it no longer holds start.
 */
export class BudgetRequests {
  private readonly serial = new KeyedSerial();

  constructor(private readonly options: BudgetRequestsOptions) {}

  set(request: SetBudgetRequest): Promise<SetBudgetAnswer> {
    const record = this.options.batches.get(request.batch_id);
    if (!record) throw new NotFoundError('batch', request.batch_id, WHERE_IDS_ARE.batch);
    const level = levelOf(record, request);
    const change: BudgetOverride = Object.fromEntries(BUDGET_KEYS.filter((k) => request[k] !== undefined).map((k) => [k, request[k]]));
    if (Object.keys(change).length === 0) {
      throw new InvalidArgumentError('budget', `set_budget needs at least one of ${BUDGET_KEYS.join(', ')} (a number sets the limit, null removes it)`);
    }
    if (level === 'step' && typeof change.max_cost_usd === 'number') {
      const step = record.meta.jobs.find((j) => j.job_id === request.job_id)!.steps.find((s) => s.step_id === request.step_id)!;
      const problem = costBudgetProblem(step.agent, this.options.config, 'step');
      if (problem) throw new InvalidArgumentError('max_cost_usd', problem);
    }
    return this.serial.run(request.batch_id, async () => {
      const heldBefore = record.heldByBudget();
      const before = record.budgets.overrides;
      const overrides: BudgetOverrides = { batch_id: record.batchId, ...before, jobs: { ...before?.jobs }, steps: { ...before?.steps }, updated_at: nowIso() };
      if (level === 'batch') overrides.batch = { ...overrides.batch, ...change };
      else if (level === 'job') overrides.jobs[request.job_id!] = { ...overrides.jobs[request.job_id!], ...change };
      else overrides.steps[stepKey(request.job_id!, request.step_id!)] = { ...overrides.steps[stepKey(request.job_id!, request.step_id!)], ...change };
      await writeBudgetOverrides(this.options.paths, overrides);
      record.setBudgetOverrides(overrides);
      this.options.dispatch.changed(record.batchId);
      const budget = level === 'batch' ? record.budgets.batchBudget() : level === 'job' ? record.budgets.jobBudget(request.job_id!) : record.budgets.stepBudget(request.job_id!, request.step_id!);
      return { level, budget, held_before: heldBefore, held_after: record.heldByBudget() };
    });
  }
}

function levelOf(record: BatchRecord, request: SetBudgetRequest): SetBudgetAnswer['level'] {
  if (request.step_id !== undefined && request.job_id === undefined) throw new InvalidArgumentError('job_id', 'step_id needs job_id: a step is named within its job');
  if (request.job_id === undefined) return 'batch';
  const job = record.meta.jobs.find((j) => j.job_id === request.job_id);
  if (!job) throw new NotFoundError('job', request.job_id, `batch ${record.batchId} has jobs ${record.meta.jobs.map((j) => j.job_id).join(', ')}`);
  if (request.step_id === undefined) return 'job';
  if (!job.steps.some((s) => s.step_id === request.step_id)) throw new NotFoundError('step', request.step_id, `job ${job.job_id} of batch ${record.batchId} has no such step`);
  return 'step';
}
