import { mkdir, realpath, rm } from 'node:fs/promises';
import {
  BatchExistsError,
  IdempotencyConflictError,
  IllegalStateError,
  InvalidArgumentError,
  isStorageError,
  NotFoundError,
  nowIso,
  priceBookOf,
  StorageRefusedError,
  WHERE_IDS_ARE,
  WriteOnceError,
  type AgentName,
  type BatchMeta,
  type HarnessConfig,
  type LaunchTable,
  type PoolRecord,
} from '../core/index.js';
import type { AgentAdapter } from '../agents/index.js';
import { launchTableDigest, planBatch, type PlanContext } from '../launch-table/index.js';
import { resolveJobSources } from './job-sources.js';
import { StuckReason } from '../runner/index.js';
import { BatchRecord, type FoundRun, type HeldBatches, type StepView } from '../batch/index.js';
import { writeJsonOnce, type CurrentIndexFiles, type RunsPaths } from '../store/index.js';
import type { AttemptLifecycle } from './attempt-lifecycle.js';
import { BudgetRequests, type SetBudgetAnswer, type SetBudgetRequest } from './budget-requests.js';
import type { Dispatcher } from './dispatcher.js';
import type { ProviderPools } from './provider-pools.js';

export interface RequestsOptions {
  paths: RunsPaths;
  currentIndex: CurrentIndexFiles;
  config: HarnessConfig;
  configVersion: string;
  agents: ReadonlyMap<AgentName, AgentAdapter>;
  batches: HeldBatches;
  lifecycle: AttemptLifecycle;
  dispatch: Dispatcher;
  pools: ProviderPools;
  /** The batch and its submission's meta, for each idempotency key of the batches loaded at start. */
  submittedKeys: Iterable<[string, BatchMeta]>;
}

export interface CancelTarget {
  run_id?: string | undefined;
  batch_id?: string | undefined;
  job_id?: string | undefined;
  step_id?: string | undefined;
}

/**
 * What callers ask of the runs root (docs/spec.md §5, §8): submit a launch table (once per
 * idempotency key), cancel, retry, and kill what is stuck. Each answers when the disk holds the
 * change; the dispatcher then starts whatever became ready.
 */
export class Requests {
  private readonly byIdempotencyKey = new Map<string, Promise<BatchMeta>>();
  private readonly batchIdsBeingWritten = new Set<string>();

  private readonly budgets: BudgetRequests;

  constructor(private readonly options: RequestsOptions) {
    for (const [key, meta] of options.submittedKeys) this.byIdempotencyKey.set(key, Promise.resolve(meta));
    this.budgets = new BudgetRequests(options);
  }

  /** Sets limits of a budget of the batch, a job or a step (set_budget); what a spent budget held may start. */
  setBudget(request: SetBudgetRequest): Promise<SetBudgetAnswer> {
    return this.budgets.set(request);
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
    const { paths, config, batches } = this.options;
    const locateRun = (runId: string) => {
      const found = batches.findRun(runId);
      return found && { batchId: found.record.batchId, jobId: found.attempt.location.jobId, stepId: found.attempt.location.stepId };
    };
    // A root not made yet (the first batch makes it) has no links to resolve.
    const runsRoot = await realpath(paths.root).catch(() => paths.root);
    const context = planContext(config, this.options.agents, (id) => batches.sameOrCaseTwin(id));
    const planned = await planBatch(input, { ...context, locateRun, runsRoot });
    const jobs = await resolveJobSources(planned.batchId, planned.jobs, planned.launchTable as LaunchTable);
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
      budget: planned.budget,
      jobs,
    };
    await this.writeBatch(meta);
    batches.hold(new BatchRecord(meta, new Map(), config.retries, priceBookOf(config)));
    this.options.dispatch.changed(meta.batch_id);
    return meta;
  }

  /**
   * Writes a planned batch's directory, batch_meta.json and indexes, or none of them. The id is
   * held (by its lower case) while it is written: two submissions of one batch_id both pass the
   * plan, and the one the disk refused would otherwise remove the other's directory.
   */
  private async writeBatch(meta: BatchMeta): Promise<void> {
    const { paths } = this.options;
    const folded = meta.batch_id.toLowerCase();
    if (this.batchIdsBeingWritten.has(folded) || this.options.batches.sameOrCaseTwin(meta.batch_id)) throw new BatchExistsError(meta.batch_id);
    this.batchIdsBeingWritten.add(folded);
    let made: string | undefined;
    try {
      made = await mkdir(paths.batchDir(meta.batch_id), { recursive: true });
      await writeJsonOnce(paths.batchMetaFile(meta.batch_id), meta);
      for (const job of meta.jobs) await this.options.currentIndex.update(meta.batch_id, job.job_id, () => undefined);
    } catch (error) {
      if (error instanceof WriteOnceError) throw new BatchExistsError(meta.batch_id);
      // A batch half written (meta without its indexes, say) would be found at the next start: none is kept.
      if (made !== undefined) await rm(paths.batchDir(meta.batch_id), { recursive: true, force: true }).catch(() => undefined);
      if (isStorageError(error)) throw new StorageRefusedError(`write batch ${meta.batch_id}`, error);
      throw error;
    } finally {
      this.batchIdsBeingWritten.delete(folded);
    }
  }

  /**
   * Cancels one attempt by run_id, or every unfinished step of a batch, job or step (docs/spec.md §5):
   * a running attempt is killed and ends canceled (this waits for that), a queued one ends
   * without starting, and a step with no attempt yet gets a canceled one so it never starts.
   */
  async cancel(target: CancelTarget): Promise<{ canceled: string[]; already_terminal: string[] }> {
    const { dispatch, lifecycle } = this.options;
    const canceled: string[] = [];
    const alreadyTerminal: string[] = [];
    const waits: Promise<void>[] = [];
    const cancelAttempt = async (record: BatchRecord, view: StepView): Promise<boolean> => {
      const active = dispatch.activeFor(record.batchId, view.jobId, view.stepId);
      if (active) {
        active.controller.abort();
        canceled.push(active.runId);
        waits.push(active.done);
        return true;
      }
      if (view.latest?.state.status === 'queued') {
        await lifecycle.endUnstarted(record, view.latest, 'canceled before it started');
        canceled.push(view.latest.state.run_id);
        return true;
      }
      return false;
    };

    if (target.run_id) {
      const { record, attempt } = this.findRun(target.run_id);
      const view = record.view(attempt.location.jobId, attempt.location.stepId)!;
      const isLatest = view.latest?.state.run_id === target.run_id;
      if (!isLatest || !(await cancelAttempt(record, view))) alreadyTerminal.push(target.run_id);
    } else {
      for (const { record, view } of this.stepsInScope(target)) {
        if (await cancelAttempt(record, view)) continue;
        if (view.status === 'ready' || view.status === 'blocked') {
          const placeholder = await lifecycle.create(record, view, { trigger: view.status === 'ready' ? (view.next?.trigger ?? 'initial') : 'initial', cascade: false });
          await lifecycle.endUnstarted(record, placeholder, 'canceled before it started');
          canceled.push(placeholder.state.run_id);
        } else if (view.latest) {
          alreadyTerminal.push(view.latest.state.run_id);
        }
      }
    }
    await Promise.all(waits);
    return { canceled, already_terminal: alreadyTerminal };
  }

  /**
   * Queues a new attempt of a step, finished or not (docs/spec.md §5 "retry/resume on demand"). With
   * `cascade` the steps that depend on it run again after it succeeds. `runId` names the new
   * attempt; when an attempt of that id exists already, the retry was carried out before (a
   * request seen again after a crash) and is answered as it was then, making nothing.
   */
  async retry(batchId: string, jobId: string, stepId: string, cascade: boolean, runId?: string): Promise<{ run_ids: string[]; cascade_steps: string[] }> {
    const record = this.requireBatch(batchId);
    const view = this.requireStep(record, jobId, stepId);
    const done = runId === undefined ? undefined : this.options.batches.findRun(runId);
    if (done) return { run_ids: [runId!], cascade_steps: done.attempt.state.cascade ? record.dependentsOf(jobId, stepId) : [] };
    const status = view.latest?.state.status;
    if (this.options.dispatch.activeFor(batchId, jobId, stepId) || status === 'queued' || status === 'running') {
      throw new IllegalStateError(`Step ${jobId}/${stepId} already has attempt ${view.latest?.state.run_id} ${status ?? 'starting'}; cancel it first or wait for it to end`);
    }
    const attempt = await this.options.lifecycle.create(record, view, { trigger: 'manual_retry', cascade }, runId);
    this.options.dispatch.changed(batchId);
    return { run_ids: [attempt.state.run_id], cascade_steps: cascade ? record.dependentsOf(jobId, stepId) : [] };
  }

  /**
   * Ends the parks of an agent's provider pools (one profile, or every one) by a person's word:
   * their steps start at once, and pools.json says so before this answers. Answers the pools
   * that were parked; none is not an error.
   */
  async releasePool(agent: AgentName, profile: string | undefined): Promise<PoolRecord[]> {
    const released = this.options.pools.release(agent, profile);
    await this.options.pools.flush();
    this.options.dispatch.schedulePump();
    return released;
  }

  /**
   * Kills the running attempts that showed no activity for `staleAfterSeconds` (stuck
   * auto-remediation); they end failed / stuck and are retried by policy. Returns their run ids.
   */
  killStuck(staleAfterSeconds: number): string[] {
    const now = Date.now();
    const killed: string[] = [];
    for (const active of this.options.dispatch.activeAttempts()) {
      const state = this.options.batches.findRun(active.runId)?.attempt.state;
      const lastActivity = state?.status === 'running' ? (state.last_heartbeat_at ?? state.started_at) : undefined;
      if (!lastActivity || now - Date.parse(lastActivity) <= staleAfterSeconds * 1000 || active.controller.signal.aborted) continue;
      active.controller.abort(new StuckReason(lastActivity));
      killed.push(active.runId);
    }
    return killed;
  }

  /** Forgets a batch whose directory GC is about to remove; refused while anything of it runs. */
  unloadBatch(batchId: string): void {
    if (this.options.dispatch.hasActive(batchId)) throw new IllegalStateError(`Batch ${batchId} still has attempts running`);
    this.options.batches.forget(batchId);
  }

  private findRun(runId: string): FoundRun {
    const found = this.options.batches.findRun(runId);
    if (!found) throw new NotFoundError('run', runId, WHERE_IDS_ARE.run);
    return found;
  }

  private requireBatch(batchId: string): BatchRecord {
    const record = this.options.batches.get(batchId);
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
}

/**
 * Checks a launch table as submit does, and writes nothing: throws the same
 * LaunchTableInvalidError with every problem. Whether its batch_id is taken is left to the
 * server, which alone knows when an idempotency_key makes the table a resubmission.
 */
export async function checkLaunchTable(input: unknown, config: HarnessConfig, agents: ReadonlyMap<AgentName, AgentAdapter>): Promise<void> {
  const planned = await planBatch(input, planContext(config, agents, () => undefined));
  await resolveJobSources(planned.batchId, planned.jobs, planned.launchTable as LaunchTable);
}

function planContext(config: HarnessConfig, agents: ReadonlyMap<AgentName, AgentAdapter>, batchIdTaken: PlanContext['batchIdTaken']): PlanContext {
  return { config, agents: new Map([...agents].map(([name, a]) => [name, { resumable: a.resumable }])), batchIdTaken, now: new Date() };
}

function idempotencyKeyOf(input: unknown): string | undefined {
  const key = (input as { idempotency_key?: unknown } | null)?.idempotency_key;
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}
