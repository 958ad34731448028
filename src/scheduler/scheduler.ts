import type { AgentName, BatchMeta, HarnessConfig } from '../core/index.js';
import type { AgentAdapter } from '../agents/index.js';
import { AttemptOrphans } from '../process/index.js';
import { ReportChecker, type RunnerContext } from '../runner/index.js';
import { BatchRecord, HeldBatches, type BatchRecords } from '../batch/index.js';
import { listBatchIds, readStoredBatch, type AttemptFiles, type CurrentIndexFiles } from '../store/index.js';
import { AttemptLifecycle } from './attempt-lifecycle.js';
import { Dispatcher } from './dispatcher.js';
import { recoverBatch } from './recovery.js';
import { Requests } from './requests.js';

export interface SchedulerOptions extends Omit<RunnerContext, 'reportChecker'> {
  /** Read at open only: every write of an attempt's state goes through `transitions`. */
  files: Pick<AttemptFiles, 'readState' | 'writeMeta' | 'writeFinal'>;
  currentIndex: CurrentIndexFiles;
  config: HarnessConfig;
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  /** Told about every change of a batch's files (new attempts, state changes). */
  onBatchChanged: (batchId: string) => void;
  /** Where problems that are nobody's request go (stderr, MCP logging). */
  log: (message: string) => void;
  /** Why no attempt may start from the outset (drain, low disk), if so; see Dispatcher.setPaused. */
  paused: string | null;
}

/**
 * Owns every state transition of the runs root it was opened on (docs/spec.md §5), in two parts
 * over the batches it holds: `requests` (submit, cancel, retry, stuck kills) changes what should
 * run, `dispatch` runs it in a bounded number of slots and retries by policy.
 */
export class Scheduler {
  private constructor(
    private readonly batches: HeldBatches,
    private readonly lifecycle: AttemptLifecycle,
    readonly dispatch: Dispatcher,
    readonly requests: Requests,
    private readonly reportChecker: ReportChecker,
  ) {}

  /** Loads every batch, ends attempts a dead server left behind (runner_lost) and starts work. */
  static async open(options: SchedulerOptions): Promise<Scheduler> {
    const batches = new HeldBatches();
    const submittedKeys: [string, BatchMeta][] = [];
    const orphans = new AttemptOrphans();
    for (const batchId of await listBatchIds(options.paths)) {
      const stored = await readStoredBatch(options.paths, options.files, batchId);
      if (!stored) continue;
      const record = BatchRecord.fromStored(stored, options.config.retries);
      await recoverBatch(options, record, orphans);
      batches.hold(record);
      if (stored.meta.idempotency_key) submittedKeys.push([stored.meta.idempotency_key, stored.meta]);
    }
    // The lifecycle tells the dispatcher of its changes, and the dispatcher makes attempts through it.
    let dispatch: Dispatcher | undefined;
    const lifecycle = new AttemptLifecycle({ paths: options.paths, transitions: options.transitions, batches, changed: (batchId) => dispatch!.changed(batchId), log: options.log });
    const reportChecker = new ReportChecker(options.config.limits.report_check_ms);
    dispatch = new Dispatcher({ runner: { ...options, reportChecker }, runners: options.config.runners, agents: options.agents, batches, lifecycle, onBatchChanged: options.onBatchChanged, paused: options.paused });
    const requests = new Requests({ ...options, batches, lifecycle, dispatch, submittedKeys });
    dispatch.schedulePump();
    return new Scheduler(batches, lifecycle, dispatch, requests, reportChecker);
  }

  /** The batches as this scheduler holds them, for the reads of the server that runs the root. */
  get records(): BatchRecords {
    return this.batches;
  }

  batchIds(): string[] {
    return this.batches.ids();
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

  /** Ends every running attempt as runner_lost (they are retried by policy at the next start). */
  async stop(): Promise<void> {
    await this.dispatch.stop();
    await this.reportChecker.close();
  }
}
