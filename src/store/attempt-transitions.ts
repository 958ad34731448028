import { isTerminal, type AttemptState } from '../core/index.js';
import type { AttemptFiles } from './attempt-files.js';
import type { CurrentIndexFiles } from './current-index-files.js';
import type { AttemptLocation, RunsPaths } from './paths.js';

/** How a runner writes its attempt's state changes (see AttemptTransitions.write). */
export interface StateTransitions {
  write(at: AttemptLocation, from: AttemptState, to: AttemptState, options?: { durable?: boolean; resumeBaseDir?: string | null }): Promise<void>;
}

/**
 * The one way an attempt is made and changes state (running, a heartbeat, a thread id, its
 * ending, whoever ends it): state.json first, then, when the status or the thread id changed, the
 * attempt's pointer in its job's current.json. It resolves only when both are written, so a
 * caller that updates its own view and tells others afterwards never lets anyone see a state the
 * index does not hold yet.
 */
export class AttemptTransitions implements StateTransitions {
  constructor(
    private readonly paths: RunsPaths,
    private readonly files: AttemptFiles,
    private readonly currentIndex: CurrentIndexFiles,
  ) {}

  /** Makes the attempt: its directory and its first state.json (queued). current.json points at it once it changes. */
  async create(at: AttemptLocation, state: AttemptState): Promise<void> {
    await this.files.create(at, state);
  }

  /**
   * Moves the attempt at `at` from `from` (its state as the caller last wrote or read it) to `to`.
   * `resumeBaseDir` is its session store, relative to the runs root, recorded as the resume base
   * once the attempt has ended (the runner froze it). `durable: false` skips the fsync of
   * state.json (heartbeats).
   */
  async write(at: AttemptLocation, from: AttemptState, to: AttemptState, options: { durable?: boolean; resumeBaseDir?: string | null } = {}): Promise<void> {
    await this.files.writeState(at, to, { durable: options.durable ?? true });
    await this.recordWritten(at, from, to, options.resumeBaseDir ?? null);
  }

  /**
   * What follows a state.json write in current.json, for a write made elsewhere (a worker of
   * the distributed mode writes the state, the coordinator the job's index).
   */
  async recordWritten(at: AttemptLocation, from: AttemptState, to: AttemptState, resumeBaseDir: string | null): Promise<void> {
    // An ending always updates the pointer, even if `from` was stale; a heartbeat never does.
    if (!isTerminal(to.status) && to.status === from.status && to.thread_id === from.thread_id) return;
    await this.pointAt(at, to, isTerminal(to.status) ? resumeBaseDir : null);
  }

  /** Points current.json's latest (and, on success, latest_successful) at this attempt. */
  private async pointAt(at: AttemptLocation, state: AttemptState, resumeBaseDir: string | null): Promise<void> {
    const pointer = {
      run_id: state.run_id,
      attempt_dir: this.paths.relative(this.paths.attemptDir(at)),
      resume_base_dir: resumeBaseDir,
      thread_id: state.thread_id,
      status: state.status,
    };
    await this.currentIndex.update(at.batchId, at.jobId, (index) => {
      const entry = (index.steps[at.stepId] ??= { latest: null, latest_successful: null });
      entry.latest = pointer;
      if (state.status === 'succeeded') entry.latest_successful = pointer;
    });
  }
}
