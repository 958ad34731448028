import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CoordinatorSteppedDownError, endedState, isTerminal, type AttemptState, type Ending } from '../core/index.js';
import { BudgetExceededReason, isShutdown, StuckReason, type AttemptExecutor, type AttemptJob, type BudgetGuard } from '../runner/index.js';
import type { HandedOutAttempts, PoolKey } from '../scheduler/index.js';
import type { AttemptFiles, AttemptTransitions } from '../store/index.js';
import { AttemptResultSchema, StateReportSchema, type AttemptOrder, type ControlMessage, type QueueEntry } from './attempt-order.js';
import { controlChannelOf, orderIdOf, queueNameOf, runIdOfOrder } from './queue-names.js';
import type { RedisConnection } from './redis-connection.js';

/** How long a worker holds an attempt without renewing its lock before the attempt counts as lost. */
export const DEFAULT_LOCK_MS = 30_000;
// Events can be missed (a Redis restart, a trimmed stream): each pending attempt is looked up this often too.
const RECONCILE_MS = 2000;
// How long past a lock's time a shutting-down coordinator waits for its workers' answers.
const SHUTDOWN_MARGIN_MS = 5000;
// How long closing the queues may take before their connections are dropped.
const CLOSE_LIMIT_MS = 3000;
// How long an abort marker is kept for a worker that takes the attempt later.
const ABORT_MARK_SECONDS = 24 * 3600;

export interface RemoteAttemptsOptions {
  connection: RedisConnection;
  prefix: string;
  /** The coordinator's own: current.json follows each state a worker writes. */
  transitions: AttemptTransitions;
  files: Pick<AttemptFiles, 'readState' | 'forget'>;
  lockMs: number;
  /** Whether this server is still the coordinator (its lease): no order goes out once it may not be. */
  stillCoordinator: () => boolean;
  log: (message: string) => void;
}

/** An attempt handed to a worker, until its end is known. */
interface Pending {
  job: AttemptJob;
  budgets: BudgetGuard;
  /** Reports and the end are applied in the order they arrive, one after the other. */
  chain: Promise<void>;
  latest: AttemptState;
  overBudgetSent: boolean;
  settle: (state: AttemptState) => void;
  /** Ends the wait with an error: the order could not go out, or this server stepped down. */
  fail: (error: unknown) => void;
  settled: boolean;
  /** In its queue: from then on `reconcile` looks it up. */
  handedOut: boolean;
  /** Its pool's queue, once known. */
  queue: Queue | undefined;
}

/**
 * The coordinator's side of the distributed mode: each attempt goes to its pool's BullMQ queue
 * as an order, a worker runs it and writes its files, and the reports of its state writes keep
 * current.json and the scheduler's view in step. A worker that dies or stops renewing its lock
 * is found by BullMQ's stalled check, and the attempt ends runner_lost (retried by policy).
 */
export class RemoteAttempts {
  private readonly pools = new Map<string, { queue: Queue; events: QueueEvents; stalledCheck: Worker; ready: Promise<void> }>();
  private readonly pending = new Map<string, Pending>();
  private readonly publisher: Redis;
  private readonly reconcileTimer: NodeJS.Timeout;
  private closed = false;
  private reconciling = false;

  constructor(private readonly options: RemoteAttemptsOptions) {
    this.publisher = new Redis(options.connection.options);
    this.publisher.on('error', (error: Error) => options.log(`Redis (${options.connection.display}): ${error.message}`));
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_MS);
  }

  /** The executor for the scheduler, which knows the budgets. */
  executor(budgets: BudgetGuard): AttemptExecutor {
    return (job) => this.run(job, budgets, (pending) => this.handOut(pending));
  }

  /** What a coordinator taking over adopts: the attempts whose orders an earlier one put in Redis. */
  readonly handedOut: HandedOutAttempts = {
    find: async (attempts) => {
      const found = new Set<string>();
      for (const { runId, pool } of attempts) {
        const { queue } = await this.poolOf(pool);
        if ((await queue.getJobState(orderIdOf(runId))) !== 'unknown') found.add(runId);
      }
      return found;
    },
    resumeBaseOf: async (runId, pool) => {
      const { queue } = await this.poolOf(pool);
      const result = AttemptResultSchema.safeParse((await queue.getJob(orderIdOf(runId)))?.returnvalue);
      return result.success ? result.data.resume_base_dir : null;
    },
    // Already in its queue: looked up at once, for an end that came while no coordinator heard it.
    follow: (budgets) => (job) => this.run(job, budgets, (pending) => this.attach(pending)),
  };

  private async run(job: AttemptJob, budgets: BudgetGuard, send: (pending: Pending) => Promise<void>): Promise<AttemptState> {
    const runId = job.state.run_id;
    const ended = new Promise<AttemptState>((resolve, reject) => {
      const pending: Pending = { job, budgets, chain: Promise.resolve(), latest: job.state, overBudgetSent: false, settled: false, handedOut: false, queue: undefined, settle: resolve, fail: reject };
      if (this.closed) {
        reject(new CoordinatorSteppedDownError(`attempt ${runId} was not handed out: this server no longer coordinates`));
        return;
      }
      pending.settle = (state) => {
        if (pending.settled) return;
        pending.settled = true;
        this.pending.delete(runId);
        // The scheduler learns every state from onState, the end too (one the worker never reported, say).
        if (!isTerminal(pending.latest.status)) job.onState(state);
        resolve(state);
      };
      this.pending.set(runId, pending);
    });
    const onAbort = () => void this.abort(runId, job.signal);
    job.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (job.signal.aborted) onAbort();
      const pending = this.pending.get(runId);
      if (pending) {
        send(pending).catch((error: unknown) => {
          if (pending.settled) return;
          pending.settled = true;
          this.pending.delete(runId); // not handed out: the scheduler ends it as the harness's failure
          pending.fail(error);
        });
      }
      return await this.untilEnded(ended, job.signal, runId);
    } finally {
      job.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Puts the attempt's order in its pool's queue, unless this server may no longer coordinate. */
  private async handOut(pending: Pending): Promise<void> {
    const { job, budgets } = pending;
    const { queue } = await this.poolOf(job.pool);
    if (pending.settled) return; // ended meanwhile (a shutdown that could not wait)
    if (!this.options.stillCoordinator()) throw new CoordinatorSteppedDownError(`attempt ${job.state.run_id} was not handed out: this server's coordinator lease lapsed`);
    pending.queue = queue;
    this.options.files.forget(job.location); // the worker writes its state.json from now on
    await queue.add('attempt', this.orderOf(job, budgets), { jobId: orderIdOf(job.state.run_id), attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } });
    pending.handedOut = true;
  }

  /** Follows an order already in its queue, handed out by an earlier coordinator. */
  private async attach(pending: Pending): Promise<void> {
    const { queue } = await this.poolOf(pending.job.pool);
    pending.queue = queue;
    pending.handedOut = true;
    this.options.files.forget(pending.job.location);
    // Redis may be failing over right now: the next reconcile round looks again, the attempt untouched.
    await this.lookUp(pending.job.state.run_id, pending, queue).catch(() => undefined);
  }

  /**
   * The attempt's end; once this server shuts down, no later than a lock's time plus a margin
   * (Redis may be gone, or the worker with it): then it ends runner_lost from here, as a single
   * server's attempts do, and its worker, should it go on, finds it ended and stops.
   */
  private async untilEnded(ended: Promise<AttemptState>, signal: AbortSignal, runId: string): Promise<AttemptState> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      const arm = () => (timer = setTimeout(resolve, this.options.lockMs + SHUTDOWN_MARGIN_MS));
      if (signal.aborted && isShutdown(signal)) arm();
      else signal.addEventListener('abort', () => isShutdown(signal) && arm(), { once: true });
    });
    try {
      return await Promise.race([
        ended,
        deadline.then(() => {
          this.later(runId, async (p) => p.settle(await this.endLost(p, 'the server shut down and its worker did not answer in time')));
          return ended;
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private orderOf(job: AttemptJob, budgets: BudgetGuard): AttemptOrder {
    return {
      location: job.location,
      state: job.state,
      job: job.job,
      step: job.step,
      agent: job.adapter.name,
      profile: job.pool.profile,
      resume: job.resume,
      fallback: job.fallback,
      remaining_step_cost_usd: budgets.remainingStepCostUsd(job.location),
    };
  }

  /**
   * The pool's queue, its events and a stalled check, made (and announced to the workers) at
   * first use; every caller waits until its events are heard, so no order goes out unheard.
   */
  private async poolOf(pool: PoolKey): Promise<{ queue: Queue }> {
    const name = queueNameOf(pool);
    const known = this.pools.get(name);
    if (known) {
      await known.ready;
      return known;
    }
    const { connection, prefix, lockMs } = this.options;
    const queue = new Queue(name, { connection: connection.options, prefix });
    const events = new QueueEvents(name, { connection: connection.options, prefix });
    // Only checks for stalled attempts, so that one is found even when every worker is gone.
    const stalledCheck = new Worker(name, null, { connection: connection.options, prefix, autorun: false, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 0 });
    const onError = (error: Error) => this.options.log(`queue ${name}: ${error.message}`);
    queue.on('error', onError);
    events.on('error', onError);
    stalledCheck.on('error', onError);
    events.on('progress', ({ jobId, data }) => this.onReport(runIdOfOrder(jobId), data));
    events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(runIdOfOrder(jobId), returnvalue));
    events.on('failed', ({ jobId, failedReason }) => this.onFailed(runIdOfOrder(jobId), failedReason));
    const ready = (async () => {
      await events.waitUntilReady();
      void stalledCheck.startStalledCheckTimer().catch((error: Error) => this.options.log(`queue ${name}: the stalled check stopped: ${error.message}`));
      const announced: QueueEntry = { queue: name, agent: pool.agent, profile: pool.profile };
      await this.publisher.sadd(`${prefix}:queues`, JSON.stringify(announced));
      await this.publish({ kind: 'queues' });
    })();
    const entry = { queue, events, stalledCheck, ready };
    this.pools.set(name, entry);
    try {
      await ready;
    } catch (error) {
      this.pools.delete(name); // made again at the next attempt of the pool
      await Promise.all([stalledCheck.close(), events.close(), queue.close()].map((p) => p.catch(() => undefined)));
      throw error;
    }
    return entry;
  }

  private later(runId: string | undefined, step: (pending: Pending) => Promise<void>): void {
    const pending = runId === undefined ? undefined : this.pending.get(runId);
    if (!pending) return; // ended already: a stale worker's report changes nothing
    pending.chain = pending.chain.then(() => (pending.settled ? undefined : step(pending))).catch((error: Error) => this.options.log(`attempt ${runId}: ${error.message}`));
  }

  private onReport(runId: string | undefined, data: unknown): void {
    this.later(runId, async (pending) => {
      const report = StateReportSchema.parse(data);
      await this.options.transitions.recordWritten(pending.job.location, report.from, report.to, report.resume_base_dir);
      pending.latest = report.to;
      pending.job.onState(report.to);
      this.checkBudget(pending, report.to);
    });
  }

  private onCompleted(runId: string | undefined, returnvalue: unknown): void {
    this.later(runId, async (pending) => {
      const parsed = AttemptResultSchema.safeParse(returnvalue);
      if (!parsed.success || !isTerminal(parsed.data.state.status)) {
        pending.settle(await this.endLost(pending, 'the worker answered no final state'));
        return;
      }
      // The report of the final write may have been missed (its event lost): current.json follows the end anyway.
      if (!isTerminal(pending.latest.status)) await this.options.transitions.recordWritten(pending.job.location, pending.latest, parsed.data.state, parsed.data.resume_base_dir);
      pending.settle(parsed.data.state);
    });
  }

  private onFailed(runId: string | undefined, failedReason: string): void {
    this.later(runId, async (pending) => pending.settle(await this.endLost(pending, failedReason)));
  }

  /**
   * The attempt's end when its worker gave none: what it wrote last if that is an end, else
   * runner_lost, written here (and its worker, should it come back, finds the attempt ended).
   */
  private async endLost(pending: Pending, why: string): Promise<AttemptState> {
    const { location, signal } = pending.job;
    const onDisk = await this.options.files.readState(location).catch(() => undefined);
    if (onDisk && isTerminal(onDisk.status)) {
      await this.options.transitions.recordWritten(location, pending.latest, onDisk, null);
      return onDisk;
    }
    const from = onDisk ?? pending.latest;
    const ended = endedState(from, lostEnding(signal, why));
    try {
      await this.options.transitions.write(location, from, ended);
    } catch (error) {
      // The worker wrote its end meanwhile: that one stands.
      const now = await this.options.files.readState(location).catch(() => undefined);
      if (now && isTerminal(now.status)) {
        await this.options.transitions.recordWritten(location, from, now, null);
        return now;
      }
      // The disk refused: the scheduler holds the end all the same, as after any refused write, and never waits forever.
      this.options.log(`could not record the end of ${ended.run_id}: ${(error as Error).message}`);
    }
    return ended;
  }

  private checkBudget(pending: Pending, state: AttemptState): void {
    if (pending.overBudgetSent) return;
    const over = pending.budgets.overBudget(state);
    if (!over) return;
    pending.overBudgetSent = true;
    this.publish({ kind: 'abort', run_id: state.run_id, reason: 'budget', detail: over }).catch((error: Error) => this.options.log(`could not tell the worker of ${state.run_id} its budget is spent: ${error.message}`));
  }

  /**
   * Carries a cancel, a stuck kill or a shutdown to the attempt: removed from its queue if no
   * worker took it yet (and ended here), else told to every worker, and marked for one that
   * takes it later.
   */
  private async abort(runId: string, signal: AbortSignal): Promise<void> {
    const pending = this.pending.get(runId);
    if (!pending) return;
    const reason = signal.reason;
    const message: ControlMessage = {
      kind: 'abort',
      run_id: runId,
      reason: isShutdown(signal) ? 'shutdown' : reason instanceof StuckReason ? 'stuck' : reason instanceof BudgetExceededReason ? 'budget' : 'cancel',
      detail: reason instanceof StuckReason ? reason.lastActivityAt : reason instanceof BudgetExceededReason ? reason.message : null,
    };
    try {
      await this.publisher.set(`${this.options.prefix}:abort:${runId}`, JSON.stringify(message), 'EX', ABORT_MARK_SECONDS);
      if (pending.queue && (await pending.queue.remove(orderIdOf(runId))) === 1) {
        this.later(runId, async (p) => p.settle(await this.endLost(p, 'removed from its queue before a worker took it')));
        return;
      }
      await this.publish(message);
    } catch (error) {
      this.options.log(`could not carry the abort of ${runId} to its worker: ${(error as Error).message}`);
    }
  }

  private async publish(message: ControlMessage): Promise<void> {
    await this.publisher.publish(controlChannelOf(this.options.prefix), JSON.stringify(message));
  }

  /**
   * Looks up every pending attempt in its queue, for ends whose events were missed and for
   * orders a lost worker left: BullMQ moves a stalled order back to waiting, marked to fail when
   * a worker next fetches it, which no worker may ever do (none left, or all busy). Aborts not
   * yet carried out are sent again. One round at a time.
   */
  private async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (const [runId, pending] of this.pending) {
        if (this.closed) return;
        if (pending.handedOut && pending.queue) await this.lookUp(runId, pending, pending.queue).catch(() => undefined); // Redis away: next round
      }
    } finally {
      this.reconciling = false;
    }
  }

  private async lookUp(runId: string, pending: Pending, queue: Queue): Promise<void> {
    const id = orderIdOf(runId);
    const state = await queue.getJobState(id);
    if (state === 'completed') {
      this.onCompleted(runId, (await queue.getJob(id))?.returnvalue);
    } else if (state === 'failed') {
      this.onFailed(runId, (await queue.getJob(id))?.failedReason ?? 'failed');
    } else if (state === 'unknown') {
      // Gone from Redis (a restart that lost it): nobody runs it any more.
      this.onFailed(runId, 'its order is no longer in Redis');
    } else if (state === 'waiting' && (await queue.getJob(id))?.deferredFailure) {
      if ((await queue.remove(id)) === 1) this.onFailed(runId, 'its worker stopped renewing its hold, and no other worker took the order to fail it');
    } else if (pending.job.signal.aborted) {
      await this.abort(runId, pending.job.signal);
    }
  }

  /**
   * Lets go of every attempt without a word to its worker, which goes on with it under the next
   * coordinator: each waiting scheduler slot ends with CoordinatorSteppedDownError.
   */
  async detach(): Promise<void> {
    this.closed = true;
    for (const pending of this.pending.values()) {
      pending.settled = true;
      pending.fail(new CoordinatorSteppedDownError(`attempt ${pending.job.state.run_id} is left to its worker: this server no longer coordinates`));
    }
    this.pending.clear();
    await this.close();
  }

  /** Stops reconciling and closes every queue; bounded, so a Redis that is away does not hold the shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reconcileTimer);
    const closing = [...this.pools.values()].flatMap(({ queue, events, stalledCheck }) => [stalledCheck.close(true), events.close(), queue.close()].map((p) => p.catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_LIMIT_MS)))]);
    clearTimeout(timer);
    for (const { queue, events, stalledCheck } of this.pools.values()) for (const part of [queue, events, stalledCheck]) void part.disconnect().catch(() => undefined);
    this.publisher.disconnect();
  }
}

/** How an attempt no worker answered for ends: as its abort asked, else runner_lost (retried by policy). */
function lostEnding(signal: AbortSignal, why: string): Ending {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (!signal.aborted || isShutdown(signal)) return { status: 'failed', failureReason: 'runner_lost', message: `the worker running it was lost (${why}); it is retried by policy` };
  if (reason instanceof StuckReason) return { status: 'failed', failureReason: 'stuck', message: `no activity since ${reason.lastActivityAt}; killed as stuck` };
  if (reason instanceof BudgetExceededReason) return { status: 'failed', failureReason: 'budget_exceeded', message: reason.message };
  return { status: 'canceled', failureReason: 'canceled', message: 'canceled before a worker took it' };
}
