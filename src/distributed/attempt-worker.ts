import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import { isTerminal, KeyedSerial, TerminalStateError, type AgentName, type AttemptState, type HarnessConfig } from '../core/index.js';
import type { AgentAdapter } from '../agents/index.js';
import { ReportChecker, runAttempt, ShutdownReason, StuckReason, WorkspaceOccupancy, type RunnerContext } from '../runner/index.js';
import { AttemptFiles, type AttemptLocation, type RunsPaths, type StateTransitions } from '../store/index.js';
import { AttemptOrderSchema, ControlMessageSchema, QueueEntrySchema, type AttemptOrder, type AttemptResult, type ControlMessage, type QueueEntry, type StateReport } from './attempt-order.js';
import { controlChannelOf, runIdOfOrder } from './queue-names.js';
import { OrphanGuard } from './orphan-guard.js';
import { writeWorkerHealth } from './worker-health.js';
import type { RedisConnection } from './redis-connection.js';

export interface AttemptWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  paths: RunsPaths;
  config: HarnessConfig;
  configVersion: string;
  harnessVersion: string;
  runnerId: string;
  slots: number;
  /** The agents this machine has: a queue of another agent is never taken from. */
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  lockMs: number;
  log: (message: string) => void;
}

/** One attempt this worker runs. */
interface Running {
  controller: AbortController;
  /** Set when the coordinator found the attempt over budget: the runner's budget watch reads it. */
  overBudget: string | null;
  /** When its BullMQ lock was last renewed (or taken). */
  renewedAt: number;
}

// A hold not renewed for this share of the lock's time is given up (BullMQ renews at half of it).
const LEASE_MARGIN = 0.8;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A worker of the distributed mode: takes attempt orders from the BullMQ queues of the agents
 * it has, at most `slots` at a time over all of them, runs each with the same runner code as the
 * embedded mode (writing the attempt's own files in the shared runs root), and reports each
 * state write to the coordinator, which keeps current.json. Cancels, kills and budget stops come
 * on the root's control channel.
 */
export class AttemptWorker {
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Map<string, Running>();
  private readonly slots: PQueue;
  private readonly subscriber: Redis;
  private readonly client: Redis;
  private readonly files: AttemptFiles;
  private readonly context: Omit<RunnerContext, 'transitions' | 'budgets'>;
  private readonly reportChecker: ReportChecker;
  private paused = false;
  /** Why this worker takes no new attempts (its drain flag, low disk), if so. */
  private held: string | null = null;
  private closing = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private healthWrite: Promise<void> | undefined;
  private readonly guard: OrphanGuard;

  private constructor(private readonly options: AttemptWorkerOptions) {
    this.guard = OrphanGuard.start(options.log);
    const serial = new KeyedSerial();
    this.files = new AttemptFiles(options.paths, serial);
    this.reportChecker = new ReportChecker(options.config.limits.report_check_ms);
    this.context = {
      paths: options.paths,
      files: this.files,
      serial,
      runnerId: options.runnerId,
      harnessVersion: options.harnessVersion,
      configVersion: options.configVersion,
      killGraceMs: options.config.timeouts.kill_grace_seconds * 1000,
      heartbeatIntervalMs: options.config.runners.heartbeat_write_interval_seconds * 1000,
      reportChecker: this.reportChecker,
      identity: { name: options.config.git.author_name, email: options.config.git.author_email },
      occupancy: new WorkspaceOccupancy(),
    };
    this.slots = new PQueue({ concurrency: options.slots });
    this.client = new Redis(options.connection.options);
    this.subscriber = new Redis(options.connection.options);
    for (const client of [this.client, this.subscriber]) client.on('error', (error: Error) => options.log(`Redis (${options.connection.display}): ${error.message}`));
  }

  static async start(options: AttemptWorkerOptions): Promise<AttemptWorker> {
    const worker = new AttemptWorker(options);
    await worker.subscriber.subscribe(controlChannelOf(options.prefix));
    worker.subscriber.on('message', (_channel: string, text: string) => worker.onControl(text));
    await worker.refreshHealth();
    await worker.openQueues();
    worker.leaseTimer = setInterval(() => worker.checkLeases(), Math.max(100, options.lockMs / 4));
    worker.healthTimer = setInterval(() => {
      worker.healthWrite ??= worker
        .refreshHealth()
        .catch((error: Error) => options.log(`could not write health.json: ${error.message}`))
        .finally(() => (worker.healthWrite = undefined));
    }, options.config.runners.health_interval_seconds * 1000);
    return worker;
  }

  private onControl(text: string): void {
    let message: ControlMessage;
    try {
      message = ControlMessageSchema.parse(JSON.parse(text));
    } catch {
      this.options.log(`ignored a control message that is not one: ${text.slice(0, 200)}`);
      return;
    }
    if (message.kind === 'queues') this.openQueues().catch((error: Error) => this.options.log(`could not read the queues in use: ${error.message}`));
    else this.applyAbort(message);
  }

  private applyAbort(message: Extract<ControlMessage, { kind: 'abort' }>): void {
    const running = this.running.get(message.run_id);
    if (running) abortWith(running, message);
  }

  /** Opens a BullMQ worker on each pool queue of an agent this machine has. */
  private async openQueues(): Promise<void> {
    if (this.closing) return;
    const { connection, prefix, lockMs } = this.options;
    for (const text of await this.client.smembers(`${prefix}:queues`)) {
      const entry = QueueEntrySchema.safeParse(parseJson(text));
      if (!entry.success || !this.options.agents.has(entry.data.agent) || this.workers.has(entry.data.queue)) continue;
      const served = entry.data;
      const worker = new Worker(served.queue, (job) => this.process(job, served), {
        connection: connection.options,
        prefix,
        concurrency: this.options.slots,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        // A stalled attempt is not run again as it is: the coordinator ends it runner_lost and retries it by policy.
        maxStalledCount: 0,
        autorun: !this.paused,
      });
      worker.on('error', (error: Error) => this.options.log(`queue ${entry.data.queue}: ${error.message}`));
      // A lock that could not be renewed (this process was stopped, or cut off from Redis past its
      // lock) is another worker's to retry: what runs here is killed, whether or not it writes again.
      worker.on('lockRenewalFailed', (jobIds: string[]) => {
        for (const jobId of jobIds) this.lost(runIdOfOrder(jobId), 'its hold could not be renewed');
      });
      worker.on('locksRenewed', ({ jobIds }: { jobIds: string[] }) => {
        const now = Date.now();
        for (const jobId of jobIds) {
          const running = this.running.get(runIdOfOrder(jobId) ?? '');
          if (running) running.renewedAt = now;
        }
      });
      this.workers.set(entry.data.queue, worker);
    }
  }

  /**
   * Runs one order in a slot. While every slot is taken the queues are paused, so that other
   * workers take what waits (one queue's worker may still have fetched one more: it waits here).
   */
  private async process(job: Job, served: QueueEntry): Promise<AttemptResult> {
    const order = AttemptOrderSchema.parse(job.data);
    // An order of another agent than its queue's is refused: this worker may not have that agent.
    if (order.agent !== served.agent || order.profile !== served.profile) throw new Error(`order ${job.id} is for ${order.agent}/${order.profile}, not for queue ${served.queue}`);
    this.updatePause(1);
    try {
      return await this.slots.add(() => this.runOrder(order, job));
    } finally {
      this.updatePause(0);
    }
  }

  /** Pauses the queues while every slot is taken or the worker is held (drain, low disk), and resumes them after. */
  private updatePause(arriving: number): void {
    const pause = this.held !== null || this.slots.pending + this.slots.size + arriving >= this.options.slots;
    if (pause === this.paused || this.closing) return;
    this.paused = pause;
    for (const worker of this.workers.values()) void (pause ? worker.pause(true) : Promise.resolve(worker.resume())).catch(() => undefined);
  }

  /** Writes health.json and follows its drain flag and the disk: attempts under way finish either way. */
  private async refreshHealth(): Promise<void> {
    const health = await writeWorkerHealth(this.options.paths, {
      runnerId: this.options.runnerId,
      slots: this.options.slots,
      running: this.running.size,
      agents: [...this.options.agents.keys()],
      minFreeDiskBytes: this.options.config.runners.min_free_disk_bytes,
    });
    if (health.paused_reason !== this.held) this.options.log(health.paused_reason ? `taking no new attempts: ${health.paused_reason}` : 'taking attempts again');
    this.held = health.paused_reason;
    this.updatePause(0);
  }

  private async runOrder(order: AttemptOrder, job: Job): Promise<AttemptResult> {
    const runId = order.state.run_id;
    const running: Running = { controller: new AbortController(), overBudget: null, renewedAt: Date.now() };
    this.running.set(runId, running);
    this.guard.running(runId, null);
    try {
      // Taken as this worker was stopping: ended at once as a shutdown, retried by policy.
      if (this.closing) running.controller.abort(new ShutdownReason());
      // Ended already (a coordinator that took over ended it while its order waited): nothing to run.
      const onDisk = await this.files.readState(order.location);
      if (onDisk && isTerminal(onDisk.status)) {
        this.options.log(`attempt ${runId} is ${onDisk.status} already: not run`);
        return { state: onDisk, resume_base_dir: null };
      }
      const marked = await this.client.get(`${this.options.prefix}:abort:${runId}`);
      if (marked) this.applyAbortNow(running, marked);
      const adapter = this.options.agents.get(order.agent)!;
      const transitions = new ReportedTransitions(
        this.files,
        (report) => {
          if (report.to.pid !== null && !isTerminal(report.to.status)) this.guard.running(runId, report.to.pid);
          return job.updateProgress(report);
        },
        () => running.controller.abort(new ShutdownReason()),
      );
      const state = await runAttempt(
        {
          ...this.context,
          transitions,
          budgets: {
            overBudget: () => running.overBudget,
            remainingStepCostUsd: () => order.remaining_step_cost_usd,
          },
        },
        { ...order, adapter, pool: { agent: order.agent, profile: order.profile }, signal: running.controller.signal, onState: () => undefined },
      );
      return { state, resume_base_dir: transitions.resumeBaseDir };
    } finally {
      this.running.delete(runId);
      this.guard.ended(runId);
    }
  }

  /**
   * Kills what runs for an attempt this worker no longer holds: another worker will retry it,
   * so it must not go on beside the retry, whether or not it writes again.
   */
  private lost(runId: string | undefined, why: string): void {
    const running = runId === undefined ? undefined : this.running.get(runId);
    if (!running || running.controller.signal.aborted) return;
    this.options.log(`lost the hold on attempt ${runId} (${why}): killing it, the coordinator retries it`);
    running.controller.abort(new ShutdownReason());
  }

  /**
   * A hold not renewed for nearly a lock's time is lost, even if renewing never failed outright
   * (cut off from Redis, its commands wait): the attempt is killed before another worker can take it.
   */
  private checkLeases(): void {
    const limit = Date.now() - this.options.lockMs * LEASE_MARGIN;
    for (const [runId, running] of this.running) if (running.renewedAt < limit) this.lost(runId, `not renewed for ${Math.round((Date.now() - running.renewedAt) / 1000)} s`);
  }

  /** Carries out the abort marker the coordinator left for an attempt before this worker took it. */
  private applyAbortNow(running: Running, text: string): void {
    const message = ControlMessageSchema.safeParse(parseJson(text));
    if (message.success && message.data.kind === 'abort') abortWith(running, message.data);
  }

  /** Stops taking orders, ends what runs as a shutdown (runner_lost, retried by policy), and disconnects. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.healthTimer);
    await this.healthWrite;
    for (const worker of this.workers.values()) await worker.pause(true).catch(() => undefined);
    for (const running of this.running.values()) running.controller.abort(new ShutdownReason());
    await this.slots.onIdle();
    this.guard.close();
    for (const worker of this.workers.values()) await worker.close().catch(() => undefined);
    await this.reportChecker.close();
    await this.refreshHealth().catch(() => undefined); // last seen now, running nothing
    this.subscriber.disconnect();
    this.client.disconnect();
  }
}

/** A budget stop is left to the runner's budget watch (it ends the attempt budget_exceeded); the others abort it. */
function abortWith(running: Running, message: Extract<ControlMessage, { kind: 'abort' }>): void {
  const { reason, detail } = message;
  if (reason === 'budget') running.overBudget = detail ?? 'over budget';
  else running.controller.abort(reason === 'shutdown' ? new ShutdownReason() : reason === 'stuck' ? new StuckReason(detail ?? 'unknown') : new DOMException('canceled', 'AbortError')); // a cancel: what a bare abort() gives, as the embedded mode's does
}

/**
 * A worker's state writes: state.json only (the coordinator keeps current.json from the report
 * that follows each write), and never over an end someone else wrote, such as the coordinator's
 * runner_lost after this worker lost its lock.
 */
class ReportedTransitions implements StateTransitions {
  /** The resume base recorded with the ending, once written. */
  resumeBaseDir: string | null = null;

  /** `fenced`: the attempt was ended elsewhere (this worker lost it); what runs is to be killed. */
  constructor(
    private readonly files: AttemptFiles,
    private readonly report: (report: StateReport) => Promise<void>,
    private readonly fenced: () => void,
  ) {}

  async write(at: AttemptLocation, from: AttemptState, to: AttemptState, options: { durable?: boolean; resumeBaseDir?: string | null } = {}): Promise<void> {
    const onDisk = await this.files.readState(at);
    if (onDisk && isTerminal(onDisk.status)) {
      this.fenced();
      throw new TerminalStateError(to.run_id, onDisk.status);
    }
    await this.files.writeState(at, to, { durable: options.durable ?? true });
    if (isTerminal(to.status)) this.resumeBaseDir = options.resumeBaseDir ?? null;
    await this.report({ from, to, resume_base_dir: isTerminal(to.status) ? this.resumeBaseDir : null });
  }
}
