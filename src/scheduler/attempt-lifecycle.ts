import {
  createRunId,
  endedState,
  isStorageError,
  isTerminal,
  queuedState,
  type AttemptTrigger,
  type Ending,
} from '../core/index.js';
import type { BatchRecord, HeldBatches, StepView } from '../batch/index.js';
import { attemptDirName, removeAttemptsIndex, writeAttemptsIndex, type AttemptTransitions, type RunsPaths, type StoredAttempt } from '../store/index.js';

export interface AttemptLifecycleOptions {
  paths: RunsPaths;
  transitions: AttemptTransitions;
  batches: HeldBatches;
  /** Told after every change this makes, once the disk and the held batch both have it. */
  changed: (batchId: string) => void;
  log: (message: string) => void;
}

/**
 * The attempt changes the scheduler makes itself, around the runner (docs/spec.md §5): a new
 * queued attempt, the end of one that never ran, the end of one the harness could not run, and
 * the attempts index of a settled batch. Each writes the disk first, then the held batch.
 */
export class AttemptLifecycle {
  constructor(private readonly options: AttemptLifecycleOptions) {}

  /** Queues a new attempt of a step. A batch about to get one loses its attempts index first, so the index never misses one. */
  async create(record: BatchRecord, view: StepView, why: { trigger: AttemptTrigger; cascade: boolean }, runId = createRunId()): Promise<StoredAttempt> {
    record.attemptsBeingMade++;
    try {
      const createdAt = record.nextCreatedAt();
      await this.dropIndex(record);
      const state = queuedState({
        run_id: runId,
        batch_id: record.batchId,
        job_id: view.jobId,
        step_id: view.stepId,
        attempt: view.attempts + 1,
        trigger: why.trigger,
        cascade: why.cascade,
        created_at: createdAt,
      });
      const location = { batchId: record.batchId, jobId: view.jobId, stepId: view.stepId, dirName: attemptDirName(createdAt, runId) };
      await this.options.transitions.create(location, state);
      const attempt = { location, state };
      this.options.batches.addAttempt(record, attempt);
      return attempt;
    } finally {
      record.attemptsBeingMade--;
    }
  }

  /** Ends an attempt that never started: canceled with `ending` as its message, or as `ending` says. */
  async endUnstarted(record: BatchRecord, attempt: StoredAttempt, ending: Ending | string): Promise<void> {
    const ended = endedState(attempt.state, typeof ending === 'string' ? { status: 'canceled', failureReason: 'canceled', message: ending } : ending);
    await this.options.transitions.write(attempt.location, attempt.state, ended);
    record.updateState(ended);
    this.options.changed(record.batchId);
  }

  /** The harness itself failed (disk full, permissions): say so on the attempt when the disk lets us. */
  async endAfterHarnessFailure(record: BatchRecord, attempt: StoredAttempt | undefined, error: unknown): Promise<void> {
    const message = `harness-mcp could not run the attempt: ${(error as Error).message}`;
    this.options.log(`${record.batchId}: ${message}`);
    if (!attempt) return;
    const current = this.options.batches.findRun(attempt.state.run_id)?.attempt;
    if (!current || isTerminal(current.state.status)) return;
    const ended = endedState(current.state, { status: 'failed', failureReason: isStorageError(error) ? 'storage_error' : 'spawn_error', message });
    await this.options.transitions
      .write(attempt.location, current.state, ended)
      .catch((e: Error) => this.options.log(`could not record the failure of ${attempt.state.run_id}: ${e.message}`));
    record.updateState(ended); // even when the disk refused the write: the scheduler must not retry forever
  }

  /**
   * Writes attempts_index.json for a batch whose attempts have all ended, so a restart reads one
   * file instead of every attempt directory. Nothing to do when it is written or not settled.
   */
  async indexSettled(record: BatchRecord): Promise<void> {
    if (record.indexState !== 'absent' || !record.isSettled()) return;
    const writing = writeAttemptsIndex(this.options.paths, record.batchId, record.allAttempts());
    record.indexState = writing;
    try {
      await writing;
      record.indexState = 'written';
    } catch (error) {
      record.indexState = 'absent';
      await removeAttemptsIndex(this.options.paths, record.batchId).catch(() => undefined);
      this.options.log(`could not write the attempts index of ${record.batchId}: ${(error as Error).message}`);
    }
  }

  private async dropIndex(record: BatchRecord): Promise<void> {
    if (typeof record.indexState === 'object') await record.indexState.catch(() => undefined);
    if (record.indexState === 'absent') return;
    await removeAttemptsIndex(this.options.paths, record.batchId);
    record.indexState = 'absent';
  }
}
