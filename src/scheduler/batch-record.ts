import { isTerminal, type AttemptState, type BatchMeta, type HarnessConfig } from '../core/index.js';
import { deriveJobViews, type StepView } from '../scoreboard/index.js';
import { stepKey, type StoredAttempt, type StoredBatch } from '../store/index.js';

/**
 * A batch as the scheduler holds it: exactly what its files say (batch_meta.json and every
 * attempt's state.json), with the step views derived from that on demand.
 */
export class BatchRecord {
  // Views are derived per job and only again for a job whose attempts changed: a busy batch of
  // many jobs would otherwise be derived whole after every state write.
  private readonly jobViews = new Map<string, Map<string, StepView>>();
  private cachedViews: Map<string, StepView> | undefined;
  /** attempts_index.json: written (it holds every attempt), being written, or absent. */
  indexState: 'absent' | 'written' | Promise<void> = 'absent';

  constructor(
    readonly meta: BatchMeta,
    readonly attempts: Map<string, StoredAttempt[]>,
    private readonly policy: HarnessConfig['retries'],
  ) {}

  static fromStored(stored: StoredBatch, policy: HarnessConfig['retries']): BatchRecord {
    const record = new BatchRecord(stored.meta, stored.attempts, policy);
    if (stored.fromIndex) record.indexState = 'written';
    return record;
  }

  get batchId(): string {
    return this.meta.batch_id;
  }

  views(): Map<string, StepView> {
    if (this.cachedViews) return this.cachedViews;
    const views = new Map<string, StepView>();
    for (const job of this.meta.jobs) {
      let jobViews = this.jobViews.get(job.job_id);
      if (!jobViews) {
        jobViews = deriveJobViews(job, this.attempts, this.policy);
        this.jobViews.set(job.job_id, jobViews);
      }
      for (const [key, view] of jobViews) views.set(key, view);
    }
    this.cachedViews = views;
    return views;
  }

  private invalidate(jobId: string): void {
    this.jobViews.delete(jobId);
    this.cachedViews = undefined;
  }

  view(jobId: string, stepId: string): StepView | undefined {
    return this.views().get(stepKey(jobId, stepId));
  }

  /** Whether every attempt has ended: only then may the batch be indexed. */
  allTerminal(): boolean {
    for (const { state } of this.allAttempts()) if (!isTerminal(state.status)) return false;
    return true;
  }

  *allAttempts(): Iterable<StoredAttempt> {
    for (const list of this.attempts.values()) yield* list;
  }

  addAttempt(attempt: StoredAttempt): void {
    const key = stepKey(attempt.location.jobId, attempt.location.stepId);
    const list = this.attempts.get(key) ?? [];
    list.push(attempt);
    this.attempts.set(key, list);
    this.invalidate(attempt.location.jobId);
  }

  /** Replaces the state of an attempt already held (after its state.json was written). */
  updateState(state: AttemptState): void {
    const list = this.attempts.get(stepKey(state.job_id, state.step_id)) ?? [];
    const held = list.find((a) => a.state.run_id === state.run_id);
    if (held) held.state = state;
    this.invalidate(state.job_id);
  }

  hasStep(jobId: string, stepId: string): boolean {
    return this.meta.jobs.some((j) => j.job_id === jobId && j.steps.some((s) => s.step_id === stepId));
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
