import {
  InvalidArgumentError,
  NotFoundError,
  nowIso,
  WHERE_IDS_ARE,
  type BatchMeta,
  type BatchScoreboard,
  type BranchChange,
  type DamagedFile,
  type RunnerHealth,
  type StepCounts,
  type SystemScoreboard,
  type JobStatus,
  type LandedFile,
  type PlannedJob,
  type VariantComparison,
} from '../core/index.js';
import { readAllRecords, type BatchRecord, type BatchRecords, type StepView } from '../batch/index.js';
import { rollUpJobStatus } from './job-status.js';
import { compareVariants, variantJobs } from './variant-comparison.js';
import { readBranchChange, stepKey, type AttemptLocation, type RunsPaths, type StoredAttempt } from '../store/index.js';
import { batchProgress, type BatchProgress } from './batch-progress.js';
import { buildBatchScoreboard, countSteps, isSettled } from './batch-scoreboard.js';
import { buildSystemScoreboard } from './system-scoreboard.js';
import { withBudgets } from './budget-standings.js';
import { systemLandings } from './landings.js';

/**
 * What a reader reads: the batches, and what the runner says of itself. The server that runs
 * the root answers from memory; one that reads what another server writes, from the disk.
 */
export interface ReadSource {
  records: BatchRecords;
  /** Why the runner starts no new attempts now, if so. */
  dispatchPaused(): Promise<string | null>;
  /** The runners the system scoreboard lists. */
  runners(): Promise<RunnerHealth[]>;
  /** The files that could not be read and were moved aside (by the server that runs the root). */
  setAside(): DamagedFile[];
  /**
   * Calls `check` from time to time until the returned function is called, for changes nobody
   * announces (a batch another server runs changes only on disk); where every change is
   * announced, it calls nothing.
   */
  poll(check: () => void): () => void;
}

export interface ReaderOptions {
  paths: RunsPaths;
  /** When a running step counts as stuck, read at each scoreboard (tests shorten it through the environment). */
  staleAfterSeconds: () => number;
  /** How many entries a scoreboard's lists keep unless told (scoreboard.list_limit). */
  listLimit: number;
  /** Hears every change of a batch's files that this server announces; returns what stops it. */
  onBatchChanged(listener: (batchId: string) => void): () => void;
}

/** A line of list_batches. */
export interface BatchListing {
  batch_id: string;
  submitted_at: string;
  counts: StepCounts;
  settled: boolean;
  steps_total: number;
}

// A busy batch changes hundreds of times a second: a wait looks at most every 25 ms.
const WAIT_CHECK_MS = 25;

/**
 * The read side every interface calls: batch meta, scoreboards, the list of batches, progress,
 * waiting for a batch to settle, and finding runs. A batch or run that is not there is a
 * NotFoundError; a file that cannot be read is its own error, naming the file.
 */
// The longest delay setTimeout takes; a longer one fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Some steps of one job: what a wait for retried steps watches. */
export interface StepSelection {
  jobId: string;
  stepIds: string[];
}

export class BatchReader {
  /** `source` is asked at each read, so a reader follows its server from watching a root to running it. */
  constructor(
    private readonly currentSource: () => ReadSource,
    private readonly options: ReaderOptions,
  ) {}

  private get source(): ReadSource {
    return this.currentSource();
  }

  async batchMeta(batchId: string): Promise<BatchMeta> {
    return (await this.record(batchId)).meta;
  }

  /** A batch's scoreboard with one page of its steps (or all) and its lists cut to `listLimit` entries. */
  async batchScoreboard(batchId: string, page: { offset: number; size: number } | 'all', listLimit = this.options.listLimit): Promise<BatchScoreboard> {
    const record = await this.record(batchId);
    const board = buildBatchScoreboard(record.meta, record.views(), record.allAttempts(), {
      paths: this.options.paths,
      now: nowIso(),
      staleAfterSeconds: this.options.staleAfterSeconds(),
      listLimit,
      page,
      dispatchPaused: await this.source.dispatchPaused(),
      landed: record.landed,
      branchChanges: await this.branchChanges(record.meta),
    });
    return withBudgets(board, record);
  }

  /**
   * branch.json of the batch's isolated git jobs (read from disk, whoever runs the root: the
   * runner writes it beside the attempts). One that cannot be read is left out: it is derived,
   * and written again at the job's next snapshot.
   */
  private async branchChanges(meta: BatchMeta): Promise<BranchChange[]> {
    const jobs = meta.jobs.filter((job) => job.workspace_policy === 'isolated' && job.git?.branch);
    const read = await Promise.all(jobs.map((job) => readBranchChange(this.options.paths, meta.batch_id, job.job_id).catch(() => undefined)));
    return read.filter((change): change is BranchChange => change !== undefined);
  }

  /** Every batch that can be read; one that cannot is left out (the system scoreboard names its file). */
  async listBatches(): Promise<BatchListing[]> {
    return listingsOf(await this.allRecords());
  }

  async systemScoreboard(): Promise<SystemScoreboard> {
    const all = await readAllRecords(this.source.records);
    const damaged = [...all.damaged, ...this.source.setAside()];
    return buildSystemScoreboard(this.options.paths, listingsOf(all.records), await this.source.runners(), damaged, nowIso(), systemLandings(all.records));
  }

  /** How far a batch is: steps ended, steps that will not run, steps still waiting. */
  /** The batch's progress, or that of some steps of one job only (`steps`). */
  async progress(batchId: string, steps?: StepSelection): Promise<BatchProgress> {
    const views = [...(await this.record(batchId)).views().values()];
    return batchProgress(steps ? views.filter((v) => v.jobId === steps.jobId && steps.stepIds.includes(v.stepId)) : views);
  }

  /**
   * Resolves true once the batch (or the `steps` chosen of it) is settled, false when
   * `timeoutMs` passes or `signal` aborts first; `onChange` hears the progress at each change
   * meanwhile. Rejects when the batch can no longer be read.
   */
  async waitUntilSettled(
    batchId: string,
    timeoutMs: number,
    options: { signal?: AbortSignal; onChange?: (progress: BatchProgress) => void; steps?: StepSelection } = {},
  ): Promise<boolean> {
    if ((await this.progress(batchId, options.steps)).settled) return true;
    return new Promise<boolean>((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        clearTimeout(checkTimer);
        stopPolling();
        off();
        options.signal?.removeEventListener('abort', onAbort);
      };
      const finish = (settled: boolean) => {
        stop();
        resolve(settled);
      };
      const onAbort = () => finish(false);
      // Infinity waits for as long as it takes (a task's wait); setTimeout would fire at once.
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(false), Math.min(timeoutMs, MAX_TIMER_MS)) : undefined;
      let checkTimer: NodeJS.Timeout | undefined;
      const check = () =>
        void this.progress(batchId, options.steps).then(
          (progress) => {
            options.onChange?.(progress);
            if (progress.settled) finish(true);
          },
          (error: unknown) => {
            stop();
            reject(error);
          },
        );
      const scheduleCheck = () => {
        checkTimer ??= setTimeout(() => {
          checkTimer = undefined;
          check();
        }, WAIT_CHECK_MS);
      };
      const off = this.options.onBatchChanged((changed) => changed === batchId && scheduleCheck());
      const stopPolling = this.source.poll(check);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort(); // aborted while progress was read: no event will come
    });
  }

  /** Where an attempt is, from its run id alone (its directory name ends with it). */
  async locateRun(runId: string): Promise<AttemptLocation> {
    const found = await this.source.records.findRun(runId);
    if (!found) throw new NotFoundError('run', runId, WHERE_IDS_ARE.run);
    return found.attempt.location;
  }

  /** An attempt, where it is and its state, from its run id alone. */
  async findAttempt(runId: string): Promise<StoredAttempt> {
    const found = await this.source.records.findRun(runId);
    if (!found) throw new NotFoundError('run', runId, WHERE_IDS_ARE.run);
    return found.attempt;
  }

  /** The newest attempt of every step of a batch that has one. */
  async latestAttempts(batchId: string): Promise<StoredAttempt[]> {
    const record = await this.record(batchId);
    return [...record.views().values()].flatMap((v) => (v.latest ? [v.latest] : []));
  }

  /** Every attempt of a step, oldest first (a step not planned is a NotFoundError; one not started yet has none). */
  async stepAttempts(batchId: string, jobId: string, stepId: string): Promise<StoredAttempt[]> {
    const record = await this.record(batchId);
    const job = record.meta.jobs.find((j) => j.job_id === jobId);
    if (!job) throw new NotFoundError('job', jobId, jobHint(record.meta));
    if (!job.steps.some((s) => s.step_id === stepId)) throw new NotFoundError('step', stepId, `job ${jobId} has no such step`);
    return [...(record.attempts.get(stepKey(jobId, stepId)) ?? [])];
  }

  /** The latest attempt of a step. */
  async latestRun(batchId: string, jobId: string, stepId: string): Promise<AttemptLocation> {
    const record = await this.record(batchId);
    if (!record.meta.jobs.some((j) => j.job_id === jobId)) throw new NotFoundError('job', jobId, `batch ${batchId} has no such job`);
    const view = record.view(jobId, stepId);
    if (!view) throw new NotFoundError('step', stepId, `job ${jobId} has no such step`);
    if (!view.latest) throw new NotFoundError('run', `${jobId}/${stepId}`, `the step has no attempt yet (${view.status})`);
    return view.latest.location;
  }

  /** A job as planned, its steps' views in the planned order, its status rolled up, and its landed.json if landed. */
  async job(batchId: string, jobId: string): Promise<JobReading> {
    const record = await this.record(batchId);
    const job = record.meta.jobs.find((j) => j.job_id === jobId);
    if (!job) throw new NotFoundError('job', jobId, jobHint(record.meta));
    const views = job.steps.map((step) => record.view(jobId, step.step_id)).filter((v): v is StepView => v !== undefined);
    return { job, views, status: rollUpJobStatus(views), landed: record.landed.get(jobId) };
  }

  /** The variants of a job submitted with `variants`, side by side (see compareVariants); `jobId` is the id as submitted. */
  async variantComparison(batchId: string, jobId: string): Promise<{ comparison: VariantComparison; variants: PlannedJob[] }> {
    const record = await this.record(batchId);
    const variants = variantJobs(record.meta, jobId);
    if (variants.length === 0) {
      const job = record.meta.jobs.find((j) => j.job_id === jobId);
      if (!job) throw new NotFoundError('job', jobId, jobHint(record.meta));
      const why = job.variant ? `it is variant ${job.variant.index} of \`${job.variant.of}\`; compare \`${job.variant.of}\`` : 'it was not submitted with `variants`';
      throw new InvalidArgumentError('job_id', `\`${jobId}\` is not a job with variants: ${why}`);
    }
    return { comparison: compareVariants(record, variants, jobId), variants };
  }

  /** Every batch that can be read, in id order (what GC looks through: never one it cannot read). */
  async allRecords(): Promise<BatchRecord[]> {
    return (await readAllRecords(this.source.records)).records;
  }

  private async record(batchId: string): Promise<BatchRecord> {
    const record = await this.source.records.get(batchId);
    if (!record) throw new NotFoundError('batch', batchId, WHERE_IDS_ARE.batch);
    return record;
  }
}

/** A job as BatchReader.job reads it. */
export interface JobReading {
  job: PlannedJob;
  views: StepView[];
  status: JobStatus;
  landed: LandedFile | undefined;
}

function jobHint(meta: BatchMeta): string {
  const groups = [...new Set(meta.jobs.flatMap((j) => (j.variant ? [j.variant.of] : [])))];
  const submitted = groups.length ? `; jobs submitted with variants: ${groups.join(', ')}` : '';
  return `batch ${meta.batch_id} has no such job (get_scoreboard lists its jobs${submitted})`;
}

function listingsOf(records: BatchRecord[]): BatchListing[] {
  return records.map((r) => {
    const counts = countSteps(r.views().values());
    return { batch_id: r.batchId, submitted_at: r.meta.submitted_at, counts, settled: isSettled(counts), steps_total: r.views().size };
  });
}
