import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import {
  BatchExistsError,
  createRunId,
  endedState,
  IdempotencyConflictError,
  IllegalStateError,
  InvalidArgumentError,
  isStorageError,
  isTerminal,
  NotFoundError,
  nowIso,
  queuedState,
  WHERE_IDS_ARE,
  WriteOnceError,
  type AgentName,
  type AttemptTrigger,
  type BatchMeta,
  type Ending,
  type HarnessConfig,
} from '../core/index.js';
import type { AgentAdapter, ResumeSource } from '../agents/index.js';
import { launchTableDigest, planBatch, type PlanContext } from '../launch-table/index.js';
import { runAttempt, ShutdownReason, StuckReason, type RunnerContext } from '../runner/index.js';
import { BatchRecord, HeldBatches, selectResumeSource, type BatchRecords, type FoundRun, type ReadyStepView, type StepView } from '../batch/index.js';
import { attemptDirName, listBatchIds, readStoredBatch, removeAttemptsIndex, stepKey, writeAttemptsIndex, writeJsonOnce, type AttemptFiles, type CurrentIndexFiles, type StoredAttempt } from '../store/index.js';
import { recoverBatch } from './recovery.js';

export interface SchedulerOptions extends RunnerContext {
  files: AttemptFiles;
  currentIndex: CurrentIndexFiles;
  config: HarnessConfig;
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  /** Told about every change of a batch's files (new attempts, state changes). */
  onBatchChanged: (batchId: string) => void;
  /** Where problems that are nobody's request go (stderr, MCP logging). */
  log: (message: string) => void;
  /** Why no attempt may start from the outset (drain, low disk), if so; see setPaused. */
  paused: string | null;
}

/** An attempt this server is starting or running. */
interface ActiveAttempt {
  runId: string;
  batchId: string;
  key: string;
  controller: AbortController;
  done: Promise<void>;
}

export interface CancelTarget {
  run_id?: string | undefined;
  batch_id?: string | undefined;
  job_id?: string | undefined;
  step_id?: string | undefined;
}

/**
 * Owns every state transition of the runs root it was opened on (docs/spec.md §5): it creates
 * attempts for ready steps, runs them in a bounded number of slots shared fairly between
 * batches, retries by policy, cancels and retries on request, and recovers after a crash.
 */
export class Scheduler {
  private readonly batches = new HeldBatches();
  private readonly active = new Map<string, ActiveAttempt>(); // by batchId + step key
  private readonly slots: PQueue;
  private readonly byIdempotencyKey = new Map<string, Promise<BatchMeta>>();
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private roundRobin = 0;
  private stopped = false;
  private paused: string | null = null;

  private constructor(private readonly options: SchedulerOptions) {
    this.slots = new PQueue({ concurrency: options.config.runners.max_concurrency });
    this.paused = options.paused;
  }

  /** Loads every batch, ends attempts a dead server left behind (runner_lost) and starts work. */
  static async open(options: SchedulerOptions): Promise<Scheduler> {
    const scheduler = new Scheduler(options);
    for (const batchId of await listBatchIds(options.paths)) {
      const stored = await readStoredBatch(options.paths, options.files, batchId);
      if (!stored) continue;
      const record = BatchRecord.fromStored(stored, options.config.retries);
      await recoverBatch(options, record);
      scheduler.batches.hold(record);
      if (stored.meta.idempotency_key) scheduler.byIdempotencyKey.set(stored.meta.idempotency_key, Promise.resolve(stored.meta));
    }
    scheduler.schedulePump();
    return scheduler;
  }

  get capacity(): number {
    return this.options.config.runners.max_concurrency;
  }
  get runningCount(): number {
    return this.active.size;
  }

  /** Stops new attempts from starting (drain, low disk), saying why; null lets them start again. */
  setPaused(reason: string | null): void {
    const resumed = this.paused !== null && reason === null;
    this.paused = reason;
    if (resumed) this.schedulePump();
  }

  batchIds(): string[] {
    return this.batches.ids();
  }

  /** The batches as this scheduler holds them, for the reads of the server that runs the root. */
  get records(): BatchRecords {
    return this.batches;
  }

  /**
   * Validates and writes a submission (nothing is written when it is invalid), then starts it.
   * A submission whose idempotency_key names an earlier one with the same table returns that
   * batch instead (`deduplicated`); the same key with another table is refused.
   */
  async submit(input: unknown): Promise<{ meta: BatchMeta; deduplicated: boolean }> {
    const key = idempotencyKeyOf(input);
    if (key === undefined) return { meta: await this.submitNew(input), deduplicated: false };
    const digest = launchTableDigest(input as Record<string, unknown>);
    const earlier = this.byIdempotencyKey.get(key);
    if (earlier) {
      const meta = await earlier;
      if (meta.launch_table_sha256 !== digest) throw new IdempotencyConflictError(key, meta.batch_id);
      return { meta, deduplicated: true };
    }
    const submitting = this.submitNew(input);
    this.byIdempotencyKey.set(key, submitting);
    submitting.catch(() => this.byIdempotencyKey.delete(key)); // a refused table leaves the key free
    return { meta: await submitting, deduplicated: false };
  }

  private async submitNew(input: unknown): Promise<BatchMeta> {
    const { paths, config } = this.options;
    const planned = await planBatch(input, planContext(config, this.options.agents, (id) => this.batches.has(id)));
    const meta: BatchMeta = {
      batch_id: planned.batchId,
      spec_version: planned.specVersion,
      submitted_at: nowIso(),
      harness_config_version: this.options.configVersion,
      batch_goal_summary: planned.goalSummary,
      launch_table_sha256: planned.launchTableSha256,
      idempotency_key: planned.idempotencyKey,
      launch_table: planned.launchTable,
      effective_defaults: planned.effectiveDefaults,
      jobs: planned.jobs,
    };
    try {
      await mkdir(paths.batchDir(meta.batch_id), { recursive: true });
      await writeJsonOnce(paths.batchMetaFile(meta.batch_id), meta);
    } catch (error) {
      if (error instanceof WriteOnceError) throw new BatchExistsError(meta.batch_id);
      throw error;
    }
    for (const job of meta.jobs) await this.options.currentIndex.update(meta.batch_id, job.job_id, () => undefined);
    this.batches.hold(new BatchRecord(meta, new Map(), config.retries));
    this.changed(meta.batch_id);
    return meta;
  }

  /**
   * Cancels one attempt by run_id, or every unfinished step of a batch, job or step (docs/spec.md §5):
   * a running attempt is killed and ends canceled (this waits for that), a queued one ends
   * without starting, and a step with no attempt yet gets a canceled one so it never starts.
   */
  async cancel(target: CancelTarget): Promise<{ canceled: string[]; already_terminal: string[] }> {
    const canceled: string[] = [];
    const alreadyTerminal: string[] = [];
    const waits: Promise<void>[] = [];
    const cancelAttempt = async (record: BatchRecord, view: StepView): Promise<boolean> => {
      const active = this.active.get(activeKey(record.batchId, view.jobId, view.stepId));
      if (active) {
        active.controller.abort();
        canceled.push(active.runId);
        waits.push(active.done);
        return true;
      }
      if (view.latest?.state.status === 'queued') {
        await this.endQueued(record, view.latest, 'canceled before it started');
        canceled.push(view.latest.state.run_id);
        return true;
      }
      return false;
    };

    if (target.run_id) {
      const { record, attempt } = this.findAttempt(target.run_id);
      const view = record.view(attempt.location.jobId, attempt.location.stepId)!;
      const isLatest = view.latest?.state.run_id === target.run_id;
      if (!isLatest || !(await cancelAttempt(record, view))) alreadyTerminal.push(target.run_id);
    } else {
      for (const { record, view } of this.stepsInScope(target)) {
        if (await cancelAttempt(record, view)) continue;
        if (view.status === 'ready' || view.status === 'blocked') {
          const placeholder = await this.createAttempt(record, view, { trigger: view.status === 'ready' ? (view.next?.trigger ?? 'initial') : 'initial', cascade: false });
          await this.endQueued(record, placeholder, 'canceled before it started');
          canceled.push(placeholder.state.run_id);
        } else if (view.latest) {
          alreadyTerminal.push(view.latest.state.run_id);
        }
      }
    }
    await Promise.all(waits);
    return { canceled, already_terminal: alreadyTerminal };
  }

  /** The batch and attempt of a run id. */
  private findAttempt(runId: string): FoundRun {
    const found = this.batches.findRun(runId);
    if (!found) throw new NotFoundError('run', runId, WHERE_IDS_ARE.run);
    return found;
  }

  /**
   * Queues a new attempt of a step, finished or not (docs/spec.md §5 "retry/resume on demand"). With
   * `cascade` the steps that depend on it run again after it succeeds.
   */
  async retry(batchId: string, jobId: string, stepId: string, cascade: boolean): Promise<{ run_ids: string[]; cascade_steps: string[] }> {
    const record = this.requireBatch(batchId);
    const view = this.requireStep(record, jobId, stepId);
    const status = view.latest?.state.status;
    if (this.active.has(activeKey(batchId, jobId, stepId)) || status === 'queued' || status === 'running') {
      throw new IllegalStateError(`Step ${jobId}/${stepId} already has attempt ${view.latest?.state.run_id} ${status ?? 'starting'}; cancel it first or wait for it to end`);
    }
    const attempt = await this.createAttempt(record, view, { trigger: 'manual_retry', cascade });
    this.changed(batchId);
    return { run_ids: [attempt.state.run_id], cascade_steps: cascade ? record.dependentsOf(jobId, stepId) : [] };
  }

  /**
   * Kills the running attempts that showed no activity for `staleAfterSeconds` (stuck
   * auto-remediation); they end failed / stuck and are retried by policy. Returns their run ids.
   */
  killStuck(staleAfterSeconds: number): string[] {
    const now = Date.now();
    const killed: string[] = [];
    for (const active of this.active.values()) {
      const attempt = this.batches.get(active.batchId)?.attempts.get(active.key.slice(active.batchId.length + 1))?.find((a) => a.state.run_id === active.runId);
      const state = attempt?.state;
      const lastActivity = state?.status === 'running' ? (state.last_heartbeat_at ?? state.started_at) : undefined;
      if (!lastActivity || now - Date.parse(lastActivity) <= staleAfterSeconds * 1000 || active.controller.signal.aborted) continue;
      active.controller.abort(new StuckReason(lastActivity));
      killed.push(active.runId);
    }
    return killed;
  }

  /** Forgets a batch whose directory GC is about to remove; refused while anything of it runs. */
  unloadBatch(batchId: string): void {
    if ([...this.active.values()].some((a) => a.batchId === batchId)) throw new IllegalStateError(`Batch ${batchId} still has attempts running`);
    this.batches.forget(batchId);
  }

  /** Ends every running attempt as runner_lost (they are retried by policy at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new ShutdownReason());
    await Promise.all(running.map((a) => a.done));
    await this.slots.onIdle();
  }

  private requireBatch(batchId: string): BatchRecord {
    const record = this.batches.get(batchId);
    if (!record) throw new NotFoundError('batch', batchId, WHERE_IDS_ARE.batch);
    return record;
  }

  private requireStep(record: BatchRecord, jobId: string, stepId: string): StepView {
    if (!record.meta.jobs.some((j) => j.job_id === jobId)) throw new NotFoundError('job', jobId, `batch ${record.batchId} has jobs ${record.meta.jobs.map((j) => j.job_id).join(', ')}`);
    const view = record.view(jobId, stepId);
    if (!view) throw new NotFoundError('step', stepId, `job ${jobId} of batch ${record.batchId} has no such step`);
    return view;
  }

  private stepsInScope(target: CancelTarget): { record: BatchRecord; view: StepView }[] {
    if (!target.batch_id) throw new InvalidArgumentError('batch_id', 'cancel needs run_id, or batch_id with optional job_id and step_id');
    const record = this.requireBatch(target.batch_id);
    if (target.step_id && !target.job_id) throw new InvalidArgumentError('job_id', 'step_id needs job_id');
    if (target.job_id && target.step_id) return [{ record, view: this.requireStep(record, target.job_id, target.step_id) }];
    if (target.job_id && !record.meta.jobs.some((j) => j.job_id === target.job_id)) throw new NotFoundError('job', target.job_id);
    return [...record.views().values()].filter((v) => !target.job_id || v.jobId === target.job_id).map((view) => ({ record, view }));
  }

  /**
   * Writes attempts_index.json for a batch whose attempts have all ended, so a restart reads one
   * file instead of every attempt directory. Nothing to do when it is written or not settled.
   */
  async indexSettledBatch(batchId: string): Promise<void> {
    const record = this.batches.get(batchId);
    if (!record || record.indexState !== 'absent' || !record.allTerminal()) return;
    if ([...this.active.values()].some((entry) => entry.batchId === batchId)) return;
    const writing = writeAttemptsIndex(this.options.paths, batchId, record.allAttempts());
    record.indexState = writing;
    try {
      await writing;
      record.indexState = 'written';
    } catch (error) {
      record.indexState = 'absent';
      await removeAttemptsIndex(this.options.paths, batchId).catch(() => undefined);
      this.options.log(`could not write the attempts index of ${batchId}: ${(error as Error).message}`);
    }
  }

  /** A batch about to get a new attempt loses its index first, so the index never misses one. */
  private async dropIndex(record: BatchRecord): Promise<void> {
    if (typeof record.indexState === 'object') await record.indexState.catch(() => undefined);
    if (record.indexState === 'absent') return;
    await removeAttemptsIndex(this.options.paths, record.batchId);
    record.indexState = 'absent';
  }

  private async createAttempt(record: BatchRecord, view: StepView, why: { trigger: AttemptTrigger; cascade: boolean }, runId = createRunId()): Promise<StoredAttempt> {
    await this.dropIndex(record);
    const createdAt = nowIso();
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
    await this.options.files.create(location, state);
    const attempt = { location, state };
    this.batches.addAttempt(record, attempt);
    return attempt;
  }

  /** The session a resuming step continues, chosen by its selector when the attempt starts. */
  private resumeSource(record: BatchRecord, view: StepView, adapter: AgentAdapter): ResumeSource | { missing: string } | null {
    const from = view.step.resume_from;
    if (!from || !adapter.sessionDirName) return null;
    const source = selectResumeSource(from, record.attempts.get(stepKey(view.jobId, from.step_id)) ?? []);
    if ('missing' in source) return source;
    return {
      runId: source.state.run_id,
      stepId: from.step_id,
      selector: from.selector,
      sessionDir: join(this.options.paths.attemptDir(source.location), adapter.sessionDirName),
      threadId: source.state.thread_id,
      threadUsage: source.state.thread_usage,
    };
  }

  private async endQueued(record: BatchRecord, attempt: StoredAttempt, ending: Ending | string): Promise<void> {
    const ended = endedState(attempt.state, typeof ending === 'string' ? { status: 'canceled', failureReason: 'canceled', message: ending } : ending);
    await this.options.transitions.write(attempt.location, attempt.state, ended);
    record.updateState(ended);
    this.changed(record.batchId);
  }

  private changed(batchId: string): void {
    this.options.onBatchChanged(batchId);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts ready steps while slots are free, taking one batch after another in turn. */
  private pump(): void {
    if (this.stopped || this.paused) return;
    const now = nowIso();
    let earliestRetry: string | undefined;
    const perBatchCap = this.options.config.runners.per_batch_max_concurrency ?? Infinity;
    const running = new Map<string, number>();
    for (const { batchId } of this.active.values()) running.set(batchId, (running.get(batchId) ?? 0) + 1);
    // Ready steps are read lazily, as slots take them: a batch of 10,000 ready steps is not
    // listed whole after every change.
    const queues = this.batchIds().map((batchId) => {
      const record = this.batches.get(batchId)!;
      return { record, views: record.readyViews()[Symbol.iterator](), done: false, room: perBatchCap - (running.get(batchId) ?? 0) };
    });
    const next = (q: (typeof queues)[number]): ReadyStepView | undefined => {
      for (let item = q.views.next(); !item.done; item = q.views.next()) {
        const view = item.value;
        if (this.active.has(activeKey(q.record.batchId, view.jobId, view.stepId))) continue;
        const notBefore = view.next?.notBefore;
        if (notBefore && notBefore > now) {
          if (!earliestRetry || notBefore < earliestRetry) earliestRetry = notBefore;
          continue;
        }
        return view;
      }
      q.done = true;
      return undefined;
    };

    let free = this.capacity - this.active.size;
    for (let progressed = true; free > 0 && progressed; ) {
      progressed = false;
      for (let i = 0; i < queues.length && free > 0; i++) {
        const q = queues[(this.roundRobin + i) % queues.length]!;
        if (q.room <= 0 || q.done) continue;
        const view = next(q);
        if (!view) continue;
        this.launch(q.record, view);
        q.room--;
        free--;
        progressed = true;
      }
      this.roundRobin = (this.roundRobin + 1) % Math.max(1, queues.length);
    }

    // With every slot taken, queues were not read to their end and earliestRetry is partial; but
    // nothing can start before a slot frees, and the attempt that frees one pumps again. With a
    // slot free, every batch below its cap was read to the end (a capped one starts nothing before
    // its own attempts end and pump).
    if (free === 0) return;
    clearTimeout(this.retryTimer);
    if (earliestRetry) {
      // setTimeout fires at once for delays over 2^31 ms; waking up hourly for a far retry is harmless.
      const delayMs = Math.min(Math.max(0, Date.parse(earliestRetry) - Date.now()), MAX_TIMER_MS);
      this.retryTimer = setTimeout(() => this.schedulePump(), delayMs);
    }
  }

  private launch(record: BatchRecord, view: ReadyStepView): void {
    const key = activeKey(record.batchId, view.jobId, view.stepId);
    const controller = new AbortController();
    // The run id is fixed now, so a cancel arriving while the attempt is being made can name it.
    const queued = view.latest?.state.status === 'queued' ? view.latest : undefined;
    const runId = queued?.state.run_id ?? createRunId();
    const entry: ActiveAttempt = { runId, batchId: record.batchId, key, controller, done: Promise.resolve() };
    this.active.set(key, entry);
    entry.done = (async () => {
      let attempt: StoredAttempt | undefined;
      try {
        attempt = queued ?? (await this.createAttempt(record, view, view.next ?? { trigger: 'initial', cascade: false }, runId));
        this.changed(record.batchId);
        const job = record.meta.jobs.find((j) => j.job_id === view.jobId)!;
        const adapter = this.options.agents.get(view.step.agent)!;
        const resume = this.resumeSource(record, view, adapter);
        if (resume && 'missing' in resume) {
          await this.endQueued(record, attempt, { status: 'failed', failureReason: 'spawn_error', message: `missing resume base: ${resume.missing}` });
          return;
        }
        await this.slots.add(() =>
          runAttempt(this.options, {
            location: attempt!.location,
            state: attempt!.state,
            job,
            step: view.step,
            adapter,
            resume,
            signal: controller.signal,
            onState: (state) => {
              record.updateState(state);
              this.changed(record.batchId);
            },
          }),
        );
      } catch (error) {
        await this.recordHarnessFailure(record, attempt, error);
      } finally {
        this.active.delete(key);
        this.changed(record.batchId);
      }
    })();
  }

  /** The harness itself failed (disk full, permissions): say so on the attempt when the disk lets us. */
  private async recordHarnessFailure(record: BatchRecord, attempt: StoredAttempt | undefined, error: unknown): Promise<void> {
    const message = `harness-mcp could not run the attempt: ${(error as Error).message}`;
    this.options.log(`${record.batchId}: ${message}`);
    if (!attempt) return;
    const current = record.attempts.get(stepKey(attempt.location.jobId, attempt.location.stepId))?.find((a) => a.state.run_id === attempt.state.run_id);
    if (!current || isTerminal(current.state.status)) return;
    const ended = endedState(current.state, { status: 'failed', failureReason: isStorageError(error) ? 'storage_error' : 'spawn_error', message });
    await this.options.transitions
      .write(attempt.location, current.state, ended)
      .catch((e: Error) => this.options.log(`could not record the failure of ${attempt.state.run_id}: ${e.message}`));
    record.updateState(ended); // even when the disk refused the write: the scheduler must not retry forever
  }
}

/**
 * Checks a launch table as submit does, and writes nothing: throws the same
 * LaunchTableInvalidError with every problem. Whether its batch_id is taken is left to the
 * server, which alone knows when an idempotency_key makes the table a resubmission.
 */
export async function checkLaunchTable(input: unknown, config: HarnessConfig, agents: ReadonlyMap<AgentName, AgentAdapter>): Promise<void> {
  await planBatch(input, planContext(config, agents, () => false));
}

function planContext(config: HarnessConfig, agents: ReadonlyMap<AgentName, AgentAdapter>, batchIdTaken: (id: string) => boolean): PlanContext {
  return { config, agents: new Map([...agents].map(([name, a]) => [name, { resumable: a.resumable }])), batchIdTaken, now: new Date() };
}

const MAX_TIMER_MS = 3600 * 1000;

function idempotencyKeyOf(input: unknown): string | undefined {
  const key = (input as { idempotency_key?: unknown } | null)?.idempotency_key;
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

function activeKey(batchId: string, jobId: string, stepId: string): string {
  return `${batchId}/${stepKey(jobId, stepId)}`;
}
