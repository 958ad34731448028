import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  HARNESS_VERSION,
  HarnessConfigFileSchema,
  nowIso,
  NotFoundError,
  StoreLockedError,
  WHERE_IDS_ARE,
  type BatchMeta,
  type BatchScoreboard,
  type HarnessConfig,
  type HarnessConfigFile,
  type RunnerHealth,
  type StepCounts,
  type SystemScoreboard,
} from './core/index.js';
import { createAgentRegistry } from './agents/index.js';
import { ControlInbox, FilesystemQueue } from './queue/index.js';
import { configFileOf, loadHarnessConfig, parseHarnessConfig, writeConfigSnapshot } from './config/index.js';
import { readAllRecords, StoredBatches, type BatchRecord } from './batch/index.js';
import {
  checkLaunchTable,
  findGarbage,
  HealthMonitor,
  readOwnerHealth,
  readOwnerPauseReason,
  removeGarbage,
  Scheduler,
  type CancelTarget,
  type GcCandidate,
} from './scheduler/index.js';
import { batchProgress, buildBatchScoreboard, buildSystemScoreboard, countSteps, isSettled, ScoreboardFiles, type BatchProgress } from './scoreboard/index.js';
import {
  AttemptFiles,
  CurrentIndexFiles,
  KeyedSerial,
  readJsonIfExists,
  resolveRunsRoot,
  runIdOfDirName,
  RunsLock,
  RunsPaths,
  type AttemptLocation,
  type StoredAttempt,
} from './store/index.js';

export interface HarnessOptions {
  /** --runs-dir, else HARNESS_RUNS_DIR, else ./runs (the caller resolves that order). */
  runsDir: string;
  configFile?: string | undefined;
  /** --max-concurrency: overrides runners.max_concurrency of the config. */
  maxConcurrency?: number | undefined;
  /** The interfaces this server actually serves, recorded in harness_config.json. */
  interfaces?: Partial<HarnessConfig['interfaces']>;
  /** How often a read-only server tries to take the lock over, in ms (default 2000). */
  lockRetryMs?: number;
  /** Never take the runs root: read what another server writes (terminal status and logs). It must exist. */
  readOnly?: boolean;
  /** false: recover and serve, but start no attempts (one-off commands such as gc). */
  dispatch?: boolean;
}

export type LogLevel = 'info' | 'warning' | 'error';
export type LogListener = (level: LogLevel, message: string) => void;

const WAIT_CHECK_MS = 25;

/**
 * The engine behind every interface: one runs root, its config, the lock, the scheduler (when
 * this server holds the lock) and the derived views. A server that finds the lock taken
 * serves the files read-only and takes over as soon as the other server is gone.
 */
export class Harness {
  private scheduler: Scheduler | undefined;
  private lock: RunsLock | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(batchId: string) => void>();
  private readonly addedListeners = new Set<(batchId: string) => void>();
  private readonly logListeners = new Set<LogListener>();
  private readonly knownBatches = new Set<string>();
  private readonly healthMonitor: HealthMonitor;
  private queue: FilesystemQueue | undefined;
  private control: ControlInbox | undefined;
  private readonly scoreboardFiles: ScoreboardFiles;
  private readonly serial = new KeyedSerial();
  private readonly files: AttemptFiles;
  private readonly currentIndex: CurrentIndexFiles;
  /** The batches as the disk says, read by a server that does not run the root. */
  private readonly stored: StoredBatches;
  readonly runnerId: string;
  private closed = false;

  private constructor(
    readonly paths: RunsPaths,
    readonly configFile: HarnessConfigFile,
    private readonly config: HarnessConfig,
    private readonly dispatch: boolean,
    private readonly readOnly: boolean,
  ) {
    this.files = new AttemptFiles(paths, this.serial);
    this.currentIndex = new CurrentIndexFiles(paths, this.serial);
    this.stored = new StoredBatches(paths, this.files, config.retries);
    this.scoreboardFiles = new ScoreboardFiles(paths, {
      batchScoreboard: (batchId) => this.batchScoreboard(batchId, 'all'),
      systemScoreboard: () => this.systemScoreboard(),
      settled: async (batchId) => this.scheduler?.indexSettledBatch(batchId),
      log: (message) => this.log('error', message),
    });
    this.runnerId = config.runners.runner_id ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`;
    this.healthMonitor = new HealthMonitor({
      paths,
      config,
      runnerId: this.runnerId,
      dispatch,
      mode: () => this.mode,
      scheduler: () => this.scheduler,
      staleAfterSeconds: () => this.staleAfterSeconds,
      log: (level, message) => this.log(level, message),
      onPauseChanged: () => {
        for (const batchId of this.scheduler?.batchIds() ?? []) this.batchChanged(batchId);
      },
    });
  }

  static async open(options: HarnessOptions): Promise<Harness> {
    let loaded = await loadHarnessConfig(options.configFile);
    if (options.maxConcurrency !== undefined || options.interfaces) {
      const { config } = loaded;
      const runners = { ...config.runners, max_concurrency: options.maxConcurrency ?? config.runners.max_concurrency };
      loaded = parseHarnessConfig({ ...config, runners, interfaces: { ...config.interfaces, ...options.interfaces } }, 'command-line options');
    }
    const root = await resolveRunsRoot(options.runsDir, { mustExist: options.readOnly });
    const paths = new RunsPaths(root);
    const harness = new Harness(paths, configFileOf(loaded), loaded.config, options.dispatch ?? true, options.readOnly ?? false);
    if (options.readOnly) return harness; // reads only: not even _system/ is created
    await mkdir(paths.systemDir, { recursive: true });
    await harness.tryTakeLock();
    if (!harness.scheduler) {
      const owner = await RunsLock.readOwner(paths);
      harness.log('warning', `${root} is run by another server${owner ? ` (pid ${owner.pid})` : ''}; serving it read-only until that server stops`);
      harness.lockTimer = setInterval(() => void harness.tryTakeLock(), options.lockRetryMs ?? 2000);
      harness.lockTimer.unref();
    }
    return harness;
  }

  /**
   * Checks a launch table as the server of `paths` would on submit, and writes nothing (see
   * checkLaunchTable). It meets the config that server took the root with (its
   * harness_config.json) when `owned`, else `configFile`'s; returns the config it met.
   */
  static async checkLaunchTable(input: unknown, options: { paths: RunsPaths; owned: boolean; configFile?: string | undefined }): Promise<HarnessConfig> {
    const snapshot = options.owned ? await readJsonIfExists(options.paths.configFile, HarnessConfigFileSchema).catch(() => undefined) : undefined;
    const config = snapshot ?? (await loadHarnessConfig(options.configFile)).config;
    await checkLaunchTable(input, config, createAgentRegistry(config));
    return config;
  }

  /**
   * When a running step counts as stuck. HARNESS_TEST_HEARTBEAT_STALE_SECONDS overrides the
   * config (never below 1800 s there) so that tests need not wait half an hour; it is for tests only.
   */
  get staleAfterSeconds(): number {
    const forTests = Number(process.env.HARNESS_TEST_HEARTBEAT_STALE_SECONDS);
    return forTests > 0 ? forTests : this.config.scoreboard.heartbeat_stale_after_seconds;
  }

  get mode(): 'active' | 'read_only' {
    return this.scheduler ? 'active' : 'read_only';
  }

  /** Called with a batch id whenever that batch's files change. */
  onBatchChanged(listener: (batchId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with the id of every batch submitted after the listener was added. */
  onBatchAdded(listener: (batchId: string) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  /** Hears what the server has to say that is nobody's request (MCP logging); stderr always hears it too. */
  onLog(listener: LogListener): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  async submit(input: unknown): Promise<{ meta: BatchMeta; deduplicated: boolean }> {
    const submitted = await (await this.requireScheduler()).submit(input);
    if (!submitted.deduplicated) {
      const steps = submitted.meta.jobs.reduce((n, j) => n + j.steps.length, 0);
      this.log('info', `batch ${submitted.meta.batch_id} submitted: ${submitted.meta.jobs.length} jobs, ${steps} steps`);
    }
    return submitted;
  }

  async cancel(target: CancelTarget) {
    return (await this.requireScheduler()).cancel(target);
  }

  async retry(batchId: string, jobId: string, stepId: string, cascade: boolean) {
    return (await this.requireScheduler()).retry(batchId, jobId, stepId, cascade);
  }

  async batchMeta(batchId: string): Promise<BatchMeta> {
    return (await this.batchRecord(batchId)).meta;
  }

  /** A batch's scoreboard with one page of its steps (or all) and its lists cut to `listLimit` entries. */
  async batchScoreboard(batchId: string, page: { offset: number; size: number } | 'all', listLimit = this.config.scoreboard.list_limit): Promise<BatchScoreboard> {
    const record = await this.batchRecord(batchId);
    return buildBatchScoreboard(record.meta, record.views(), record.allAttempts(), {
      paths: this.paths,
      now: nowIso(),
      staleAfterSeconds: this.staleAfterSeconds,
      listLimit,
      page,
      dispatchPaused: this.scheduler ? this.healthMonitor.pausedReason : await readOwnerPauseReason(this.paths),
    });
  }

  async listBatches(): Promise<{ batch_id: string; submitted_at: string; counts: StepCounts; settled: boolean; steps_total: number }[]> {
    const records = await this.allBatchRecords();
    return records.map((r) => {
      const counts = countSteps(r.views().values());
      return { batch_id: r.batchId, submitted_at: r.meta.submitted_at, counts, settled: isSettled(counts), steps_total: r.views().size };
    });
  }

  async systemScoreboard(): Promise<SystemScoreboard> {
    return buildSystemScoreboard(this.paths, await this.listBatches(), await this.runners(), nowIso());
  }

  /**
   * The runners of the system scoreboard: this server when it runs the root; otherwise the
   * owner, from its health file, after this server (waiting for the lock) unless it only reads.
   */
  private async runners(): Promise<RunnerHealth[]> {
    if (this.scheduler) return [this.healthMonitor.health];
    const owner = await readOwnerHealth(this.paths);
    return [...(this.readOnly ? [] : [this.healthMonitor.health]), ...(owner ? [owner] : [])];
  }

  /** How far a batch is: steps ended, steps that will not run, steps still waiting. */
  async progress(batchId: string): Promise<BatchProgress> {
    return batchProgress((await this.batchRecord(batchId)).views().values());
  }

  /**
   * Resolves true once the batch is settled, false when `timeoutMs` passes or `signal` aborts
   * first; `onChange` hears the batch's progress at each change meanwhile.
   */
  async waitUntilSettled(
    batchId: string,
    timeoutMs: number,
    options: { signal?: AbortSignal; onChange?: (progress: BatchProgress) => void } = {},
  ): Promise<boolean> {
    if ((await this.progress(batchId)).settled) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (settled: boolean) => {
        clearTimeout(timer);
        clearTimeout(checkTimer);
        clearInterval(poll);
        off();
        options.signal?.removeEventListener('abort', onAbort);
        resolve(settled);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      // A busy batch changes hundreds of times a second: look at most every 25 ms.
      let checkTimer: NodeJS.Timeout | undefined;
      const check = () =>
        void this.progress(batchId).then((progress) => {
          options.onChange?.(progress);
          if (progress.settled) finish(true);
        });
      const scheduleCheck = () => {
        checkTimer ??= setTimeout(() => {
          checkTimer = undefined;
          check();
        }, WAIT_CHECK_MS);
      };
      const off = this.onBatchChanged((changed) => changed === batchId && scheduleCheck());
      // A batch another server runs changes only on disk, so a read-only server looks every second.
      const poll = this.scheduler ? undefined : setInterval(check, 1000);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort(); // aborted while progress was read: no event will come
    });
  }

  /** Where an attempt is, from its run id alone (its directory name ends with it). */
  async locateRun(runId: string): Promise<AttemptLocation> {
    if (this.scheduler) {
      try {
        return this.scheduler.findAttempt(runId).attempt.location;
      } catch {
        // fall through to the disk: the run may be in no batch this server loaded
      }
    }
    for (const record of await this.allBatchRecords()) {
      for (const attempt of record.allAttempts()) {
        if (runIdOfDirName(attempt.location.dirName) === runId) return attempt.location;
      }
    }
    throw new NotFoundError('run', runId, WHERE_IDS_ARE.run);
  }

  /** The newest attempt of every step of a batch that has one. */
  async latestAttempts(batchId: string): Promise<StoredAttempt[]> {
    const record = await this.batchRecord(batchId);
    return [...record.views().values()].flatMap((v) => (v.latest ? [v.latest] : []));
  }

  /** The latest attempt of a step. */
  async latestRun(batchId: string, jobId: string, stepId: string): Promise<AttemptLocation> {
    const record = await this.batchRecord(batchId);
    if (!record.meta.jobs.some((j) => j.job_id === jobId)) throw new NotFoundError('job', jobId, `batch ${batchId} has no such job`);
    const view = record.view(jobId, stepId);
    if (!view) throw new NotFoundError('step', stepId, `job ${jobId} has no such step`);
    if (!view.latest) throw new NotFoundError('run', `${jobId}/${stepId}`, `the step has no attempt yet (${view.status})`);
    return view.latest.location;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.lockTimer);
    this.healthMonitor.stop();
    await this.queue?.stop();
    await this.control?.stop();
    await this.scheduler?.stop();
    await this.scoreboardFiles.close();
    await this.lock?.release();
  }

  private async tryTakeLock(): Promise<void> {
    if (this.scheduler || this.closed) return;
    const lock = await RunsLock.acquire(this.paths, this.runnerId);
    if (!lock) return;
    this.lock = lock;
    clearInterval(this.lockTimer);
    await writeConfigSnapshot(this.paths, this.configFile);
    const { paused } = await this.healthMonitor.conditions();
    this.scheduler = await Scheduler.open({
      paused,
      paths: this.paths,
      files: this.files,
      currentIndex: this.currentIndex,
      serial: this.serial,
      runnerId: this.runnerId,
      harnessVersion: HARNESS_VERSION,
      configVersion: this.configFile.harness_config_version,
      killGraceMs: this.config.timeouts.kill_grace_seconds * 1000,
      heartbeatIntervalMs: this.config.runners.heartbeat_write_interval_seconds * 1000,
      config: this.config,
      agents: createAgentRegistry(this.config),
      onBatchChanged: (batchId) => this.batchChanged(batchId),
      log: (message) => this.log('warning', message),
    });
    for (const batchId of this.scheduler.batchIds()) {
      this.knownBatches.add(batchId);
      this.batchChanged(batchId);
    }
    await this.refreshHealth();
    if (this.config.interfaces.filesystem_queue.enabled && this.dispatch) {
      this.queue = new FilesystemQueue(this.paths, (table) => this.submit(table), (message) => this.log('info', message));
      await this.queue.start();
      this.control = new ControlInbox(ControlInbox.dirOf(this.paths), (request) =>
        request.op === 'cancel' ? this.cancel(request) : this.retry(request.batch_id, request.job_id, request.step_id, request.cascade ?? false),
      );
      await this.control.start();
    }
    this.healthMonitor.start();
  }

  private async requireScheduler(): Promise<Scheduler> {
    if (this.scheduler) return this.scheduler;
    const owner = await RunsLock.readOwner(this.paths);
    throw new StoreLockedError(this.paths.root, owner?.pid);
  }

  /** The batch as the scheduler holds it, or read from disk when another server owns it (a file that does not parse is an error naming it). */
  private async batchRecord(batchId: string): Promise<BatchRecord> {
    if (this.scheduler) return this.scheduler.requireBatch(batchId);
    const record = await this.stored.get(batchId);
    if (!record) throw new NotFoundError('batch', batchId, WHERE_IDS_ARE.batch);
    return record;
  }

  private async allBatchRecords(): Promise<BatchRecord[]> {
    if (this.scheduler) return this.scheduler.batchIds().map((id) => this.scheduler!.requireBatch(id));
    return readAllRecords(this.stored);
  }

  /**
   * Removes the batches that are settled and idle past retention_policy.keep_closed_batches_days
   * (docs/spec.md §9), or with `dryRun` only says which and how many bytes.
   */
  async collectGarbage(dryRun: boolean): Promise<{ dry_run: boolean; removed: GcCandidate[]; bytes_total: number }> {
    const records = await this.allBatchRecords();
    const settled = (r: BatchRecord) => isSettled(countSteps(r.views().values()));
    const garbage = await findGarbage(this.paths, this.currentIndex, records, settled, this.config.retention_policy.keep_closed_batches_days);
    if (!dryRun) {
      const scheduler = await this.requireScheduler();
      for (const candidate of garbage) {
        scheduler.unloadBatch(candidate.batch_id);
        this.knownBatches.delete(candidate.batch_id);
        this.scoreboardFiles.forget(candidate.batch_id);
        await removeGarbage(this.paths, candidate);
        this.log('info', `gc removed batch ${candidate.batch_id} (${candidate.bytes} bytes)`);
      }
      if (garbage.length > 0) await this.scoreboardFiles.writeSystem();
    }
    return { dry_run: dryRun, removed: garbage, bytes_total: garbage.reduce((n, g) => n + g.bytes, 0) };
  }

  /** Drains the runs root (no new attempts; running ones finish) or ends draining. */
  setDrain(drain: boolean): Promise<RunnerHealth> {
    return this.healthMonitor.setDrain(drain);
  }

  /** Reads the runner's health now (and acts on it); see HealthMonitor. */
  refreshHealth(): Promise<RunnerHealth> {
    return this.healthMonitor.refresh();
  }

  private log(level: LogLevel, message: string): void {
    process.stderr.write(`harness-mcp: ${message}\n`);
    for (const listener of this.logListeners) listener(level, message);
  }

  private batchChanged(batchId: string): void {
    if (!this.knownBatches.has(batchId)) {
      this.knownBatches.add(batchId);
      for (const listener of this.addedListeners) listener(batchId);
    }
    for (const listener of this.listeners) listener(batchId);
    if (this.scheduler) this.scoreboardFiles.changed(batchId); // only the server that owns the runs root writes to it
  }
}
