import { isTerminal, priceBookOf, type AgentName, type BatchMeta, type HarnessConfig, type HarnessError, type PoolHealth } from '../core/index.js';
import type { AgentAdapter } from '../agents/index.js';
import { AttemptOrphans } from '../process/index.js';
import { ReportChecker, runAttempt, WorkspaceOccupancy, type AttemptExecutor, type BudgetGuard, type RunnerContext } from '../runner/index.js';
import { BatchRecord, HeldBatches, ServedBatches, type BatchRecords } from '../batch/index.js';
import { asDamage, listBatchIds, stepKey, type AttemptTransitions, type StoredAttempt, readPoolsFile, readStoredBatch, writePoolsFile, type AttemptFiles, type CurrentIndexFiles, type DamagedFiles, type DamagedState } from '../store/index.js';
import { AttemptLifecycle } from './attempt-lifecycle.js';
import { HeldBudgets } from './budget-guard.js';
import { endDamagedAttempts } from './damaged-attempts.js';
import { Dispatcher } from './dispatcher.js';
import { recoverBatch } from './recovery.js';
import { ProviderPools } from './provider-pools.js';
import { poolKeyOf, type PoolKey } from './pool-key.js';
import { Requests } from './requests.js';

export interface SchedulerOptions extends Omit<RunnerContext, 'reportChecker' | 'identity' | 'occupancy' | 'budgets' | 'transitions'> {
  transitions: AttemptTransitions;
  /** Read at open only: every write of an attempt's state goes through `transitions`. */
  files: Pick<AttemptFiles, 'readState' | 'writeMeta' | 'writeFinal'>;
  currentIndex: CurrentIndexFiles;
  /** Where the files that could not be read at open are moved aside and listed. */
  damagedFiles: DamagedFiles;
  config: HarnessConfig;
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  /** Told about every change of a batch's files (new attempts, state changes). */
  onBatchChanged: (batchId: string) => void;
  /** Where problems that are nobody's request go (stderr, MCP logging). */
  log: (message: string) => void;
  /** Why no attempt may start from the outset (drain, low disk), if so; see Dispatcher.setPaused. */
  paused: string | null;
  /** Told when a provider pool parked, was released or changed its cap. */
  onPoolsChanged: () => void;
  /**
   * Where attempts run, given what this server knows of their budgets; absent: here, by
   * runAttempt (the distributed mode hands them to workers).
   */
  executor?: (budgets: BudgetGuard) => AttemptExecutor;
  /** The distributed mode's attempts that an earlier coordinator handed to workers, which go on under this one. */
  handedOut?: HandedOutAttempts;
  /** Whether this server may still start attempts (the coordinator lease); absent: always. */
  mayStart?: () => boolean;
}

/** Attempts a worker runs, or will, that this server did not hand out: a coordinator taking over adopts them. */
export interface HandedOutAttempts {
  /** The run ids, among these unfinished attempts, whose orders are still in Redis. */
  find(attempts: { runId: string; pool: PoolKey }[]): Promise<Set<string>>;
  /** The resume base a worker reported with the end of an attempt, while its order is kept in Redis. */
  resumeBaseOf(runId: string, pool: PoolKey): Promise<string | null>;
  /** Follows such an attempt to its end, as the executor does one it hands out. */
  follow(budgets: BudgetGuard): AttemptExecutor;
}

/**
 * Owns every state transition of the runs root it was opened on (docs/spec.md §5), in two parts
 * over the batches it holds: `requests` (submit, cancel, retry, stuck kills) changes what should
 * run, `dispatch` runs it in a bounded number of slots and retries by policy.
 */
export class Scheduler {
  /** The batches as this scheduler holds them, and those it could not read, for the reads of the server that runs the root. */
  readonly records: BatchRecords;

  private constructor(
    private readonly batches: HeldBatches,
    unserved: ReadonlyMap<string, HarnessError>,
    private readonly lifecycle: AttemptLifecycle,
    readonly dispatch: Dispatcher,
    readonly requests: Requests,
    private readonly reportChecker: ReportChecker,
    private readonly pools: ProviderPools,
  ) {
    this.records = new ServedBatches(batches, unserved);
  }

  /**
   * Loads every batch, ends attempts a dead server left behind (runner_lost) and starts work. A
   * file that cannot be read stops nothing else: an attempt's state.json is moved aside and the
   * attempt ends runner_lost, and a batch whose batch_meta.json (or other file) cannot be read
   * is not held, every read of it naming the file (docs/spec.md §4.1).
   */
  static async open(options: SchedulerOptions): Promise<Scheduler> {
    const batches = new HeldBatches();
    const unserved = new Map<string, HarnessError>();
    const submittedKeys: [string, BatchMeta][] = [];
    const orphans = new AttemptOrphans();
    const adopted: [BatchRecord, StoredAttempt][] = [];
    for (const batchId of await listBatchIds(options.paths)) {
      const damagedStates: DamagedState[] = [];
      const stored = await readStoredBatch(options.paths, options.files, batchId, damagedStates).catch((error: unknown) => {
        const damage = asDamage(error);
        if (!damage) throw error;
        unserved.set(batchId, damage);
        options.log(`batch ${batchId} is not served until its file is repaired: ${damage.message}`);
        return undefined;
      });
      if (!stored) continue;
      const record = BatchRecord.fromStored(stored, options.config.retries, priceBookOf(options.config));
      await endDamagedAttempts(options, record, damagedStates, orphans);
      await pointAtUnheardEnds(options, record);
      const handedOut = await findHandedOut(options, record);
      for (const attempt of record.allAttempts()) if (handedOut.has(attempt.state.run_id)) adopted.push([record, attempt]);
      await recoverBatch(options, record, orphans, handedOut);
      batches.hold(record);
      if (stored.meta.idempotency_key) submittedKeys.push([stored.meta.idempotency_key, stored.meta]);
    }
    // The lifecycle tells the dispatcher of its changes, and the dispatcher makes attempts through it.
    let dispatch: Dispatcher | undefined;
    const lifecycle = new AttemptLifecycle({ paths: options.paths, transitions: options.transitions, batches, changed: (batchId) => dispatch!.changed(batchId), log: options.log });
    const pools = new ProviderPools({
      config: options.config,
      records: await readPoolsFile(options.paths, options.log),
      save: (records) => writePoolsFile(options.paths, records),
      onChanged: options.onPoolsChanged,
      log: options.log,
    });
    const reportChecker = new ReportChecker(options.config.limits.report_check_ms);
    const identity = { name: options.config.git.author_name, email: options.config.git.author_email };
    const budgets = new HeldBudgets(batches);
    const runner: RunnerContext = { ...options, reportChecker, identity, occupancy: new WorkspaceOccupancy(), budgets };
    const execute = options.executor?.(budgets) ?? ((job) => runAttempt(runner, job));
    const follow = options.handedOut?.follow(budgets);
    dispatch = new Dispatcher({ execute, ...(follow ? { follow } : {}), ...(options.mayStart ? { mayStart: options.mayStart } : {}), paths: options.paths, runners: options.config.runners, agentsConfig: options.config.agents, agents: options.agents, pools, batches, lifecycle, onBatchChanged: options.onBatchChanged, paused: options.paused });
    const requests = new Requests({ ...options, batches, lifecycle, dispatch, pools, submittedKeys });
    for (const [record, attempt] of adopted) dispatch.adopt(record, attempt);
    if (adopted.length > 0) options.log(`took over ${adopted.length} attempt${adopted.length === 1 ? '' : 's'} that workers run for the coordinator before this one`);
    dispatch.schedulePump();
    return new Scheduler(batches, unserved, lifecycle, dispatch, requests, reportChecker, pools);
  }

  batchIds(): string[] {
    return this.batches.ids();
  }

  /** The provider pools with what runs in each, for health.json and the system scoreboard. */
  poolHealth(): PoolHealth[] {
    return this.pools.health(this.dispatch.runningByPool(), Date.now());
  }

  /**
   * Writes attempts_index.json for a batch whose attempts have all ended and none of which is
   * still leaving its slot, so a restart reads one file instead of every attempt directory.
   */
  async indexSettledBatch(batchId: string): Promise<void> {
    const record = this.batches.get(batchId);
    if (!record || this.dispatch.hasActive(batchId)) return;
    await this.lifecycle.indexSettled(record);
  }

  /** Stops dispatching and writing at once, leaving what runs to the workers and the next coordinator (see Dispatcher.detach). */
  async detach(): Promise<void> {
    this.dispatch.detach();
    await this.reportChecker.close();
  }

  /** Ends every running attempt as runner_lost (they are retried by policy at the next start). */
  async stop(): Promise<void> {
    await this.dispatch.stop();
    await this.pools.flush();
    await this.reportChecker.close();
  }
}

/** The unfinished attempts of a batch that a worker runs, or will, for an earlier coordinator: none outside the distributed mode. */
async function findHandedOut(options: SchedulerOptions, record: BatchRecord): Promise<Set<string>> {
  if (!options.handedOut) return new Set();
  const unfinished: { runId: string; pool: PoolKey }[] = [];
  for (const attempt of record.allAttempts()) {
    const pool = poolOfAttempt(options, record, attempt);
    if (!isTerminal(attempt.state.status) && pool) unfinished.push({ runId: attempt.state.run_id, pool });
  }
  return unfinished.length > 0 ? options.handedOut.find(unfinished) : new Set();
}

/**
 * Points current.json at the ends workers wrote while no coordinator heard their reports (the
 * old one died, the next was not up yet), with the resume base each reported: the distributed
 * mode's only, where one process writes state.json and another current.json.
 */
async function pointAtUnheardEnds(options: SchedulerOptions, record: BatchRecord): Promise<void> {
  if (!options.handedOut) return;
  for (const job of record.meta.jobs) {
    const index = await options.currentIndex.read(record.batchId, job.job_id).catch(() => undefined);
    for (const step of job.steps) {
      const latest = record.attempts.get(stepKey(job.job_id, step.step_id))?.at(-1);
      if (!latest || !isTerminal(latest.state.status)) continue;
      const pointer = index?.steps[step.step_id]?.latest;
      if (pointer && pointer.run_id === latest.state.run_id && pointer.status === latest.state.status) continue;
      const pool = poolOfAttempt(options, record, latest)!;
      const resumeBase = await options.handedOut.resumeBaseOf(latest.state.run_id, pool).catch(() => null);
      await options.transitions.recordWritten(latest.location, latest.state, latest.state, resumeBase);
    }
  }
}

/** The provider pool an attempt runs in: its step's, with the agent that ran it (a fallback's, maybe). */
function poolOfAttempt(options: SchedulerOptions, record: BatchRecord, { location, state }: StoredAttempt): PoolKey | undefined {
  const step = record.meta.jobs.find((j) => j.job_id === location.jobId)?.steps.find((s) => s.step_id === location.stepId);
  return step ? poolKeyOf(state.agent ?? step.agent, step, options.config.agents) : undefined;
}
