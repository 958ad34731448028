import { dispatchPausedText, HARNESS_VERSION, KeyedSerial, type AgentName, type BatchMeta, type HarnessConfig, type HarnessConfigFile } from '../core/index.js';
import { createAgentRegistry } from '../agents/index.js';
import { writeConfigSnapshot } from '../config/index.js';
import { ControlInbox, FilesystemQueue, runIdOfRetry } from '../queue/index.js';
import { finishRemovals, GcRefusedError, removeGarbage, Scheduler, secureWorktrees, type GcCandidate, type HealthMonitor, type Requests } from '../scheduler/index.js';
import { BatchReader, ScoreboardFiles, type ReaderOptions, type ReadSource } from '../scoreboard/index.js';
import { appendLanding, AttemptTransitions, sweepStaleTempFiles, type AttemptFiles, type CurrentIndexFiles, type DamagedFiles, type RunsLock, type RunsPaths } from '../store/index.js';
import type { LandingRecorder, LandJobAnswer, LandJobRequest } from './land-job.js';
import { readWorkersHealth, RemoteAttempts, redisPrefixOf, type CoordinatorLease, type RedisConnection } from '../distributed/index.js';
import type { LogListener } from './log-listener.js';
import { processStartedAtMs } from './process-start.js';
import type { GarbageSteps, RootRole } from './root-role.js';

export interface OwnedRootOptions {
  paths: RunsPaths;
  configFile: HarnessConfigFile;
  config: HarnessConfig;
  runnerId: string;
  files: AttemptFiles;
  currentIndex: CurrentIndexFiles;
  damagedFiles: DamagedFiles;
  serial: KeyedSerial;
  healthMonitor: HealthMonitor;
  readerOptions: ReaderOptions;
  /** Told about every change of a batch's files. */
  onBatchChanged: (batchId: string) => void;
  /** Told when a provider pool parked, was released or changed its cap. */
  onPoolsChanged: () => void;
  log: LogListener;
  /** Distributed mode: where the workers take attempts from, and the coordinator lease this server holds; absent, attempts run in this process. */
  redis?: { connection: RedisConnection; lease: CoordinatorLease };
}

/**
 * A runs root this server runs, holding its lock: the scheduler owns every batch, reads come
 * from what it holds, and the scoreboard files, the filesystem queue and the control inbox are
 * served here and nowhere else.
 */
export class OwnedRoot implements RootRole {
  readonly mode = 'active';
  readonly source: ReadSource;
  private readonly scoreboardFiles: ScoreboardFiles;
  private queue: FilesystemQueue | undefined;
  private control: ControlInbox | undefined;
  /** Clearing what crashes left (see clearLeftovers), under way in the background from the start. */
  private readonly leftovers: Promise<void>;
  private readonly stopClearing = new AbortController();
  private readonly landingTurns = new KeyedSerial();

  private constructor(
    private readonly lock: RunsLock,
    readonly scheduler: Scheduler,
    private readonly options: OwnedRootOptions,
    private readonly remote: RemoteAttempts | undefined,
  ) {
    const { healthMonitor } = options;
    this.source = {
      records: scheduler.records,
      dispatchPaused: async () => dispatchPausedText(healthMonitor.pausedReason, scheduler.poolHealth(), Date.now()),
      // In the distributed mode the workers are runners too: each writes its own health.json.
      runners: async () => [healthMonitor.health, ...(remote ? await readWorkersHealth(options.paths) : [])],
      setAside: () => options.damagedFiles.list(),
      poll: () => () => undefined, // every change comes from this server's scheduler, which announces it
    };
    // The files show this root as run here, from the moment it is taken.
    const reader = new BatchReader(() => this.source, options.readerOptions);
    this.scoreboardFiles = new ScoreboardFiles(options.paths, {
      batchScoreboard: (batchId) => reader.batchScoreboard(batchId, 'all'),
      systemScoreboard: () => reader.systemScoreboard(),
      settled: (batchId) => scheduler.indexSettledBatch(batchId),
      log: (message) => options.log('error', message),
    });
    this.leftovers = this.clearLeftovers();
  }

  /**
   * Finishes the removals a GC cut short and deletes the temp files of writes cut short, both
   * older than this process (docs/spec.md §4.1). In the background: nothing of it is needed to
   * serve, and a large root takes a while to walk.
   */
  private async clearLeftovers(): Promise<void> {
    const { paths, log } = this.options;
    const startedAtMs = processStartedAtMs();
    try {
      for (const path of await finishRemovals(paths)) log('info', `finished removing ${path}, which a GC cut short left`);
      const swept = await sweepStaleTempFiles(paths, startedAtMs, this.stopClearing.signal);
      if (swept.length > 0) log('info', `deleted ${swept.length} temp files that cut-short writes left: ${swept.slice(0, 5).join(', ')}${swept.length > 5 ? ', …' : ''}`);
    } catch (error) {
      log('error', `could not clear what earlier crashes left in ${paths.root}: ${(error as Error).message}`);
    }
  }

  /**
   * Runs the root whose lock was just taken: records the config it is run with, then loads every
   * batch, ends what a dead server left running and starts dispatching (see Scheduler.open).
   */
  static async open(lock: RunsLock, options: OwnedRootOptions): Promise<OwnedRoot> {
    const { paths, config, configFile } = options;
    await writeConfigSnapshot(paths, configFile);
    const { paused } = await options.healthMonitor.conditions();
    const transitions = new AttemptTransitions(paths, options.files, options.currentIndex);
    const lease = options.redis?.lease;
    const stillCoordinator = () => lease?.valid() ?? true;
    const remote = options.redis
      ? new RemoteAttempts({
          connection: options.redis.connection,
          prefix: redisPrefixOf(paths.root),
          transitions,
          files: options.files,
          lockMs: config.runners.worker_lock_seconds * 1000,
          stillCoordinator,
          log: (message) => options.log('warning', message),
        })
      : undefined;
    let scheduler: Scheduler;
    try {
      scheduler = await Scheduler.open({
        paused,
        paths,
        files: options.files,
        currentIndex: options.currentIndex,
        damagedFiles: options.damagedFiles,
        transitions,
        ...(remote ? { executor: (budgets) => remote.executor(budgets), handedOut: remote.handedOut, mayStart: stillCoordinator } : {}),
        serial: options.serial,
        runnerId: options.runnerId,
        harnessVersion: HARNESS_VERSION,
        configVersion: configFile.harness_config_version,
        killGraceMs: config.timeouts.kill_grace_seconds * 1000,
        heartbeatIntervalMs: config.runners.heartbeat_write_interval_seconds * 1000,
        config,
        agents: createAgentRegistry(config),
        onBatchChanged: options.onBatchChanged,
        onPoolsChanged: options.onPoolsChanged,
        log: (message) => options.log('warning', message),
      });
    } catch (error) {
      await remote?.close();
      throw error;
    }
    return new OwnedRoot(lock, scheduler, options, remote);
  }

  /** Takes launch tables from the filesystem queue (through `submit`) and cancels, retries, lands (through `land`) and releases pools (through `releasePool`) from the control inbox. */
  async startQueues(
    submit: (table: unknown) => Promise<{ meta: BatchMeta; deduplicated: boolean }>,
    land: (request: LandJobRequest) => Promise<LandJobAnswer>,
    releasePool: (agent: AgentName, profile: string | undefined) => Promise<unknown>,
  ): Promise<void> {
    const { paths, log } = this.options;
    this.queue = new FilesystemQueue(paths, this.options.config.limits.max_launch_table_bytes, submit, (message) => log('info', message));
    await this.queue.start();
    this.control = new ControlInbox(ControlInbox.dirOf(paths), (request, requestId) => {
      switch (request.op) {
        case 'cancel':
          return this.scheduler.requests.cancel(request);
        case 'retry':
          return this.scheduler.requests.retry(request.batch_id, request.job_id, request.step_id, request.cascade ?? false, runIdOfRetry(requestId, request));
        case 'land':
          return land(request);
        case 'release_pool':
          return releasePool(request.agent, request.profile);
        case 'set_budget': {
          const { op: _op, ...budget } = request;
          return this.scheduler.requests.setBudget(budget);
        }
      }
    });
    await this.control.start();
  }

  async requests(): Promise<Requests> {
    return this.scheduler.requests;
  }

  async landings(): Promise<LandingRecorder> {
    return {
      // One append per job at a time (landed.json is read, then replaced); the held batch then shows it.
      record: (job, landing) =>
        this.landingTurns.run(`${job.batchId}/${job.jobId}`, async () => {
          const file = await appendLanding(this.options.paths, job, landing);
          (await this.scheduler.records.get(job.batchId))?.landed.set(job.jobId, file);
          this.options.onBatchChanged(job.batchId);
          return file;
        }),
    };
  }

  async removeGarbage(garbage: GcCandidate[], steps: GarbageSteps): Promise<void> {
    await this.leftovers; // which would otherwise race this removal in _system/removing/
    const identity = { name: this.options.config.git.author_name, email: this.options.config.git.author_email };
    for (const candidate of garbage) {
      // A batch whose work cannot be recorded is kept whole, and GC goes on with the others.
      const refusal = await secureWorktrees(this.options.paths, candidate, identity).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof GcRefusedError) return error.message;
          throw error;
        },
      );
      if (refusal) {
        steps.refused(candidate, refusal);
        continue;
      }
      await steps.before(candidate);
      this.scheduler.requests.unloadBatch(candidate.batch_id);
      this.scoreboardFiles.forget(candidate.batch_id);
      await removeGarbage(this.options.paths, candidate, identity);
      steps.removed(candidate);
    }
    if (garbage.length > 0) await this.scoreboardFiles.writeSystem();
  }

  heldBatchIds(): string[] {
    return this.scheduler.batchIds();
  }

  batchChanged(batchId: string): void {
    this.scoreboardFiles.changed(batchId);
  }

  async close(): Promise<void> {
    this.stopClearing.abort(); // a shutdown does not wait for a large root to be walked; the next start goes on
    await this.leftovers;
    await this.queue?.stop();
    await this.control?.stop();
    await this.scheduler.stop();
    await this.remote?.close();
    await this.scoreboardFiles.close();
    await this.lock.release();
    await this.options.redis?.lease.release();
  }

  /**
   * Lets the root go at once, having lost the coordinator lease: another coordinator runs it
   * now. Nothing more is written here, neither ends nor scoreboards; what the workers run goes
   * on under the new coordinator, which adopts it.
   */
  async stepDown(): Promise<void> {
    this.stopClearing.abort();
    await this.scheduler.detach();
    await this.remote?.detach();
    this.scoreboardFiles.abandon();
    await this.queue?.stop();
    await this.control?.stop();
    await this.leftovers;
    await this.lock.release();
  }
}
