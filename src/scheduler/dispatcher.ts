import { join } from 'node:path';
import { createRunId, type AgentName, type AttemptState, type HarnessConfig, type PlannedStep } from '../core/index.js';
import type { AgentAdapter, ResumeSource } from '../agents/index.js';
import { ShutdownReason, type AttemptExecutor } from '../runner/index.js';
import { endedOnProviderLimit, selectResumeSource, type BatchRecord, type HeldBatches, type ReadyStepView } from '../batch/index.js';
import { stepKey, type RunsPaths, type StoredAttempt } from '../store/index.js';
import type { AttemptLifecycle } from './attempt-lifecycle.js';
import { choosePool, type PoolChoice } from './pool-choice.js';
import { poolId, poolKeyOf, type PoolKey } from './pool-key.js';
import type { ProviderPools } from './provider-pools.js';

export interface DispatcherOptions {
  execute: AttemptExecutor;
  paths: RunsPaths;
  runners: HarnessConfig['runners'];
  agentsConfig: HarnessConfig['agents'];
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  pools: ProviderPools;
  batches: HeldBatches;
  lifecycle: AttemptLifecycle;
  /** Told about every change of a batch's files (new attempts, state changes). */
  onBatchChanged: (batchId: string) => void;
  /** Why no attempt may start from the outset (drain, low disk), if so; see setPaused. */
  paused: string | null;
  /** Whether this server may still start attempts (the distributed mode's coordinator lease); absent: always. */
  mayStart?: () => boolean;
  /** Follows an attempt handed to a worker before this server took the root (the distributed mode), to its end. */
  follow?: AttemptExecutor;
}

/** An attempt this server is starting or running: it holds one slot until it has ended. */
export interface ActiveAttempt {
  runId: string;
  batchId: string;
  /** The provider pool it runs in (poolId). */
  pool: string;
  controller: AbortController;
  done: Promise<void>;
}

// setTimeout fires at once for delays over 2^31 ms; waking up hourly for a far retry is harmless.
const MAX_TIMER_MS = 3600 * 1000;

/**
 * Starts ready steps in a bounded number of slots, shared fairly between batches (docs/spec.md
 * §5 "Dispatch"): each active attempt holds a slot from the moment it is chosen until it has ended, and a
 * slot that frees, a change of any batch or a retry's backoff ending looks for work again.
 */
export class Dispatcher {
  private readonly active = new Map<string, ActiveAttempt>(); // by batch id + step key
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private roundRobin = 0;
  private readonly poolKeys = new WeakMap<PlannedStep, Map<AgentName, PoolKey>>();
  private stopped = false;
  /** Stepped down (see detach): nothing more is written, not even the ends of what was under way. */
  private detached = false;
  private paused: string | null;

  constructor(private readonly options: DispatcherOptions) {
    this.paused = options.paused;
  }

  private get capacity(): number {
    return this.options.runners.max_concurrency;
  }

  /** Slots taken, by attempts running or being made (the health file's `running`). */
  get runningCount(): number {
    return this.active.size;
  }

  /** Stops new attempts from starting (drain, low disk), saying why; null lets them start again. */
  setPaused(reason: string | null): void {
    const resumed = this.paused !== null && reason === null;
    this.paused = reason;
    if (resumed) this.schedulePump();
  }

  /** The attempt starting or running for a step, if any. */
  activeFor(batchId: string, jobId: string, stepId: string): ActiveAttempt | undefined {
    return this.active.get(activeKey(batchId, jobId, stepId));
  }

  /** Attempts running or being made, per provider pool. */
  runningByPool(): Map<string, number> {
    const running = new Map<string, number>();
    for (const { pool } of this.active.values()) running.set(pool, (running.get(pool) ?? 0) + 1);
    return running;
  }

  hasActive(batchId: string): boolean {
    return [...this.active.values()].some((a) => a.batchId === batchId);
  }

  /** The attempts holding a slot: running, or still being made. */
  activeAttempts(): Iterable<ActiveAttempt> {
    return this.active.values();
  }

  /** Tells the listeners that a batch changed, and looks for work: the change may have made a step ready. */
  changed(batchId: string): void {
    this.options.onBatchChanged(batchId);
    this.schedulePump();
  }

  /** Starts nothing more and ends every running attempt as runner_lost (retried by policy at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new ShutdownReason());
    await Promise.all(running.map((a) => a.done));
  }

  /**
   * Starts nothing more and writes nothing more, not even the ends of the attempts under way:
   * another coordinator runs the root now, and those attempts go on under it (the distributed mode).
   */
  detach(): void {
    this.stopped = true;
    this.detached = true;
    clearTimeout(this.retryTimer);
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts ready steps while slots are free, taking one batch after another in turn. */
  private pump(): void {
    if (this.stopped || this.paused || this.options.mayStart?.() === false) return;
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    let earliestRetry: string | undefined;
    const wakeAt = (iso: string) => {
      if (!earliestRetry || iso < earliestRetry) earliestRetry = iso;
    };
    const poolRunning = this.runningByPool();
    // Pools found parked or full in this pump: they only fill up as it goes, so the steps of one
    // (with no fallback, nor a session to continue) are passed over without asking again. 10,000
    // steps of a parked pool are so one lookup each, not one choice each, on every state write.
    const closedPools = new Set<string>();
    const perBatchCap = this.options.runners.per_batch_max_concurrency ?? Infinity;
    const running = new Map<string, number>();
    for (const { batchId } of this.active.values()) running.set(batchId, (running.get(batchId) ?? 0) + 1);
    // Ready steps are read lazily, as slots take them: a batch of 10,000 ready steps is not
    // listed whole after every change.
    const queues = this.options.batches.ids().map((batchId) => {
      const record = this.options.batches.get(batchId)!;
      return { record, views: record.readyViews()[Symbol.iterator](), done: false, room: perBatchCap - (running.get(batchId) ?? 0) };
    });
    const next = (q: (typeof queues)[number]): { view: ReadyStepView; choice: Extract<PoolChoice, { kind: 'start' }> } | undefined => {
      for (let item = q.views.next(); !item.done; item = q.views.next()) {
        const view = item.value;
        if (this.active.has(activeKey(q.record.batchId, view.jobId, view.stepId))) continue;
        const notBefore = view.next?.notBefore;
        if (notBefore && notBefore > now) {
          wakeAt(notBefore);
          continue;
        }
        const limitResume = this.resumesAfterLimit(view);
        const plain = !view.step.fallback && !limitResume;
        const own = plain ? poolId(this.poolOf(view.step.agent, view.step)) : null;
        if (own && closedPools.has(own)) continue;
        const choice = choosePool(view, limitResume, { pools: this.options.pools, poolOf: this.poolOf, running: poolRunning, nowMs });
        if (choice.kind === 'wait') {
          if (choice.untilMs !== null) wakeAt(new Date(choice.untilMs).toISOString());
          if (own) closedPools.add(own);
          continue;
        }
        return { view, choice };
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
        const found = next(q);
        if (!found) continue;
        const pool = poolId(found.choice.key);
        poolRunning.set(pool, (poolRunning.get(pool) ?? 0) + 1);
        this.launch(q.record, found.view, found.choice);
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
      const delayMs = Math.min(Math.max(0, Date.parse(earliestRetry) - Date.now()), MAX_TIMER_MS);
      this.retryTimer = setTimeout(() => this.schedulePump(), delayMs);
    }
  }

  /** Takes a slot for a ready step and runs its attempt in it, making the attempt first unless one is queued. */
  private launch(record: BatchRecord, view: ReadyStepView, choice: Extract<PoolChoice, { kind: 'start' }>): void {
    const { lifecycle } = this.options;
    // The run id is fixed now, so a cancel arriving while the attempt is being made can name it.
    const queued = view.latest?.state.status === 'queued' ? view.latest : undefined;
    const runId = queued?.state.run_id ?? createRunId();
    this.occupy(record, view.jobId, view.stepId, runId, choice.key, async (signal, made) => {
      const attempt = made(queued ?? (await lifecycle.create(record, view, view.next ?? { trigger: 'initial', cascade: false }, runId)));
      this.changed(record.batchId);
      const adapter = this.options.agents.get(choice.agent)!;
      const limitResume = choice.fallback ? null : this.resumesAfterLimit(view);
      const resume = limitResume ? this.limitResumeSource(limitResume, view, adapter) : this.resumeSource(record, view, adapter);
      if (resume && 'missing' in resume) {
        await lifecycle.endUnstarted(record, attempt, { status: 'failed', failureReason: 'spawn_error', message: `missing resume base: ${resume.missing}` });
        return undefined;
      }
      return this.options.execute({
        location: attempt.location,
        state: { ...attempt.state, agent: choice.agent },
        job: record.meta.jobs.find((j) => j.job_id === view.jobId)!,
        step: stepAsRun(view, choice, limitResume),
        adapter,
        pool: choice.key,
        resume,
        fallback: choice.fallback,
        signal,
        onState: this.onStateOf(record),
      });
    });
  }

  /**
   * Takes a slot for an attempt a worker runs that was handed out before this server took the
   * root (the distributed mode), and follows it to its end as if this server had started it.
   */
  adopt(record: BatchRecord, attempt: StoredAttempt): void {
    const follow = this.options.follow;
    if (!follow) throw new Error('only the distributed mode adopts attempts');
    const { jobId, stepId } = attempt.location;
    const job = record.meta.jobs.find((j) => j.job_id === jobId)!;
    const step = job.steps.find((s) => s.step_id === stepId)!;
    const agent = attempt.state.agent ?? step.agent;
    const pool = this.poolOf(agent, step);
    this.occupy(record, jobId, stepId, attempt.state.run_id, pool, async (signal, made) =>
      follow({ location: made(attempt).location, state: attempt.state, job, step, adapter: this.options.agents.get(agent)!, pool, resume: null, fallback: null, signal, onState: this.onStateOf(record) }),
    );
  }

  /**
   * Holds a slot for one attempt while `run` runs it (answering its end, or undefined when it
   * recorded one itself), then frees it: the pool hears how it ended, and an attempt the
   * harness failed to run ends as the harness's failure.
   */
  private occupy(
    record: BatchRecord,
    jobId: string,
    stepId: string,
    runId: string,
    pool: PoolKey,
    run: (signal: AbortSignal, made: (attempt: StoredAttempt) => StoredAttempt) => Promise<AttemptState | undefined>,
  ): void {
    const key = activeKey(record.batchId, jobId, stepId);
    const controller = new AbortController();
    const entry: ActiveAttempt = { runId, batchId: record.batchId, pool: poolId(pool), controller, done: Promise.resolve() };
    this.active.set(key, entry);
    entry.done = (async () => {
      let attempt: StoredAttempt | undefined;
      try {
        const startedAtMs = Date.now();
        const ended = await run(controller.signal, (made) => (attempt = made));
        if (ended && !this.detached) this.options.pools.recordEnding(pool, ended, startedAtMs, Date.now());
      } catch (error) {
        if (!this.detached) await this.options.lifecycle.endAfterHarnessFailure(record, attempt, error);
      } finally {
        this.active.delete(key);
        if (!this.detached) this.changed(record.batchId);
      }
    })();
  }

  private onStateOf(record: BatchRecord): (state: AttemptState) => void {
    return (state) => {
      record.updateState(state);
      this.changed(record.batchId);
    };
  }

  /** The pool a step runs in with an agent (its own or its fallback), worked out once per planned step and agent. */
  private readonly poolOf = (agent: AgentName, step: PlannedStep): PoolKey => {
    let byAgent = this.poolKeys.get(step);
    if (!byAgent) this.poolKeys.set(step, (byAgent = new Map()));
    let key = byAgent.get(agent);
    if (!key) byAgent.set(agent, (key = poolKeyOf(agent, step, this.options.agentsConfig)));
    return key;
  };

  /**
   * The step's own newest attempt when a provider limit cut it short in the middle of its
   * conversation and its agent can continue that session: the retry resumes it instead of
   * starting over (the fallback agent, running afresh, never does).
   */
  private resumesAfterLimit(view: ReadyStepView): StoredAttempt | null {
    const latest = view.latest;
    if (!latest || !endedOnProviderLimit(latest.state) || !latest.state.limit?.mid_conversation || !latest.state.thread_id) return null;
    if ((latest.state.agent ?? view.step.agent) !== view.step.agent) return null;
    const adapter = this.options.agents.get(view.step.agent);
    return adapter?.resumable && adapter.sessionDirName ? latest : null;
  }

  private limitResumeSource(source: StoredAttempt, view: ReadyStepView, adapter: AgentAdapter): ResumeSource {
    return {
      runId: source.state.run_id,
      stepId: view.stepId,
      selector: 'run_id',
      sessionDir: join(this.options.paths.attemptDir(source.location), adapter.sessionDirName!),
      threadId: source.state.thread_id,
      threadUsage: source.state.thread_usage,
    };
  }

  /** The session a resuming step continues, chosen by its selector when the attempt starts. */
  private resumeSource(record: BatchRecord, view: ReadyStepView, adapter: AgentAdapter): ResumeSource | { missing: string } | null {
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
}

/**
 * The step as this attempt runs it: with the fallback agent when it falls back, and asked to go
 * on when it continues a session a provider limit cut short.
 */
function stepAsRun(view: ReadyStepView, choice: Extract<PoolChoice, { kind: 'start' }>, limitResume: StoredAttempt | null): ReadyStepView['step'] {
  if (choice.fallback) return { ...view.step, agent: choice.agent };
  if (!limitResume) return view.step;
  const limit = limitResume.state.limit!;
  const prompt = `Your last turn was cut off by a provider limit (${limit.kind}), which has now passed. Go on with the task from where you stopped; it was:\n\n${view.step.prompt ?? ''}`;
  return { ...view.step, prompt };
}

function activeKey(batchId: string, jobId: string, stepId: string): string {
  return `${batchId}/${stepKey(jobId, stepId)}`;
}
