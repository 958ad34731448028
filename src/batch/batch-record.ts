import { isTerminal, NO_PRICES, nowIso, type AttemptState, type BatchMeta, type BudgetOverrides, type HarnessConfig, type LandedFile, type PlannedJob, type PriceBook } from '../core/index.js';
import { stepKey, type StoredAttempt, type StoredBatch } from '../store/index.js';
import { BatchBudgets, holdMessage } from './batch-budgets.js';
import { SpendLedger } from './spend-ledger.js';
import { deriveJobViews, type ReadyStepView, type StepHold, type StepView } from './step-views.js';

/**
 * A batch as the scheduler holds it, or as a reader finds it on disk: exactly what its files say
 * (batch_meta.json and every attempt's state.json), with the step views derived from that on demand.
 */
export class BatchRecord {
  // Views are derived per job and only again for a job whose attempts changed: a busy batch of
  // many jobs would otherwise be derived whole after every state write.
  private readonly jobViews = new Map<string, Map<string, StepView>>();
  private cachedViews: Map<string, StepView> | undefined;
  private readonly changedJobs = new Set<string>();
  private readonly readyByJob = new Map<string, ReadyStepView[]>();
  /** attempts_index.json: written (it holds every attempt), being written, or absent. */
  indexState: 'absent' | 'written' | Promise<void> = 'absent';
  /** landed.json of each job whose branch was landed, by job id (the server that lands one replaces its entry). */
  readonly landed = new Map<string, LandedFile>();
  /** Attempts being made, from the index's removal until they are held: the batch is not settled meanwhile. */
  attemptsBeingMade = 0;
  // The newest created_at of the batch's attempts, or the one last handed out by nextCreatedAt.
  private lastCreatedAt = '';
  private budgetBook: BatchBudgets;
  private readonly ledger: SpendLedger;
  // Whether the batch's own budget was spent when the views were last derived: a change of it holds or frees the steps of every job.
  private batchBudgetSpent = false;

  constructor(
    readonly meta: BatchMeta,
    readonly attempts: Map<string, StoredAttempt[]>,
    private readonly policy: HarnessConfig['retries'],
    private readonly prices: PriceBook = NO_PRICES,
    overrides?: BudgetOverrides,
  ) {
    for (const { state } of this.allAttempts()) if (state.created_at > this.lastCreatedAt) this.lastCreatedAt = state.created_at;
    this.budgetBook = new BatchBudgets(meta, overrides, prices);
    this.ledger = new SpendLedger(meta, attempts, this.budgetBook);
  }

  static fromStored(stored: StoredBatch, policy: HarnessConfig['retries'], prices: PriceBook = NO_PRICES): BatchRecord {
    const record = new BatchRecord(stored.meta, stored.attempts, policy, prices, stored.budgetOverrides);
    if (stored.fromIndex) record.indexState = 'written';
    for (const [jobId, file] of stored.landed) record.landed.set(jobId, file);
    return record;
  }

  get batchId(): string {
    return this.meta.batch_id;
  }

  /** The batch's budgets as they are now (planned, then set_budget's). */
  get budgets(): BatchBudgets {
    return this.budgetBook;
  }

  /** What the attempts spent at every level (running ones as their state.json last said). */
  get spent(): SpendLedger {
    return this.ledger;
  }

  /** Takes budgets.json as set_budget wrote it: every step is derived again, held or freed by the budgets now. */
  setBudgetOverrides(overrides: BudgetOverrides): void {
    this.budgetBook = new BatchBudgets(this.meta, overrides, this.prices);
    this.ledger.reprice(this.budgetBook);
    for (const job of this.meta.jobs) this.invalidate(job.job_id);
  }

  // A step that could start is held while a budget over it is spent (docs/spec.md §5 "Budgets").
  private readonly hold: StepHold = (jobId, stepId) => {
    if (!this.budgetBook.any) return null;
    const limit = this.budgetBook.reached(this.ledger, jobId, stepId, false);
    return limit && holdMessage(limit);
  };

  /** Derives every job again when the batch's own budget became spent or free since the views were derived. */
  private followBatchBudget(): void {
    if (!this.budgetBook.batchBudget() && !this.batchBudgetSpent) return;
    const spent = this.budgetBook.reached(this.ledger, '', '', false, ['batch']) !== null;
    if (spent === this.batchBudgetSpent) return;
    this.batchBudgetSpent = spent;
    for (const job of this.meta.jobs) this.invalidate(job.job_id);
  }

  /** Every step's view, in the batch's order. Only the jobs that changed since the last call are derived again. */
  views(): Map<string, StepView> {
    this.followBatchBudget();
    if (!this.cachedViews) {
      this.cachedViews = new Map();
      for (const job of this.meta.jobs) for (const [key, view] of this.viewsOfJob(job)) this.cachedViews.set(key, view);
    } else {
      // A job's steps never change, so its entries are replaced in place and the order holds.
      for (const job of this.meta.jobs) {
        if (this.changedJobs.has(job.job_id)) for (const [key, view] of this.viewsOfJob(job)) this.cachedViews.set(key, view);
      }
    }
    this.changedJobs.clear();
    return this.cachedViews;
  }

  /**
   * The ready steps, job by job. The scheduler asks after every change; this touches only the
   * changed job's views, where views() would rebuild the whole batch's map.
   */
  *readyViews(): Iterable<ReadyStepView> {
    this.followBatchBudget();
    for (const job of this.meta.jobs) {
      let ready = this.readyByJob.get(job.job_id);
      if (!ready) {
        ready = [...this.viewsOfJob(job).values()].filter((v): v is ReadyStepView => v.status === 'ready');
        this.readyByJob.set(job.job_id, ready);
      }
      yield* ready;
    }
  }

  private viewsOfJob(job: PlannedJob): Map<string, StepView> {
    let views = this.jobViews.get(job.job_id);
    if (!views) {
      views = deriveJobViews(job, this.attempts, this.policy, this.hold);
      this.jobViews.set(job.job_id, views);
    }
    return views;
  }

  private invalidate(jobId: string): void {
    this.jobViews.delete(jobId);
    this.readyByJob.delete(jobId);
    this.changedJobs.add(jobId);
  }

  view(jobId: string, stepId: string): StepView | undefined {
    return this.views().get(stepKey(jobId, stepId));
  }

  /** How many steps a spent budget holds now (blocked, budget_exhausted). */
  heldByBudget(): number {
    let held = 0;
    for (const view of this.views().values()) if (view.status === 'blocked' && view.blocked.hold === 'budget_exhausted') held++;
    return held;
  }

  /** Whether every attempt has ended and none is being made: only then may the batch be indexed. */
  isSettled(): boolean {
    if (this.attemptsBeingMade > 0) return false;
    for (const { state } of this.allAttempts()) if (!isTerminal(state.status)) return false;
    return true;
  }

  *allAttempts(): Iterable<StoredAttempt> {
    for (const list of this.attempts.values()) yield* list;
  }

  /**
   * The created_at of a new attempt: now, or 1 ms after the batch's newest when the wall clock
   * reads earlier (stepped back by NTP, a restored VM). A cascade's staleness compares created_at
   * across steps, and attempt directories are named by it, so within a batch it never goes back.
   */
  nextCreatedAt(): string {
    const now = nowIso();
    this.lastCreatedAt = now > this.lastCreatedAt ? now : new Date(Date.parse(this.lastCreatedAt) + 1).toISOString();
    return this.lastCreatedAt;
  }

  addAttempt(attempt: StoredAttempt): void {
    if (attempt.state.created_at > this.lastCreatedAt) this.lastCreatedAt = attempt.state.created_at;
    const key = stepKey(attempt.location.jobId, attempt.location.stepId);
    const list = this.attempts.get(key) ?? [];
    list.push(attempt);
    this.attempts.set(key, list);
    this.ledger.changed(attempt.location.jobId, attempt.location.stepId);
    this.invalidate(attempt.location.jobId);
  }

  /** Replaces the state of an attempt already held (after its state.json was written). */
  updateState(state: AttemptState): void {
    const list = this.attempts.get(stepKey(state.job_id, state.step_id)) ?? [];
    const held = list.find((a) => a.state.run_id === state.run_id);
    if (held) held.state = state;
    this.ledger.changed(state.job_id, state.step_id);
    this.invalidate(state.job_id);
  }

  /** Steps that depend on this one, directly or through others, in dependency order. */
  dependentsOf(jobId: string, stepId: string): string[] {
    const job = this.meta.jobs.find((j) => j.job_id === jobId);
    if (!job) return [];
    const found = new Set<string>([stepId]);
    for (const step of job.steps) {
      if (step.depends_on.some((d) => found.has(d))) found.add(step.step_id);
    }
    found.delete(stepId);
    return [...found];
  }
}
