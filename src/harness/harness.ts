import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { HarnessConfigFileSchema, KeyedSerial, priceBookOf, type AgentName, type BatchMeta, type HarnessConfig, type HarnessConfigFile, type PoolHealth, type PoolRecord, type RunnerHealth, type VariantComparison } from '../core/index.js';
import { createAgentRegistry } from '../agents/index.js';
import { lockFileExclusively } from '../process/index.js';
import { DiskBatches } from '../batch/index.js';
import { configFileOf, loadHarnessConfig, parseHarnessConfig } from '../config/index.js';
import { checkLaunchTable, HealthMonitor, type CancelTarget, type SetBudgetRequest } from '../scheduler/index.js';
import { BatchReader, type ReaderOptions } from '../scoreboard/index.js';
import { AttemptFiles, CurrentIndexFiles, DamagedFiles, readJsonIfExists, resolveRunsRoot, RunsLock, RunsPaths } from '../store/index.js';
import { collectGarbage, type GcOutcome } from './collect-garbage.js';
import type { BranchPruning } from './left-branches.js';
import { compareJobVariants } from './compare-variants.js';
import { landJob, type LandJobAnswer, type LandJobRequest } from './land-job.js';
import { OwnedRoot } from './owned-root.js';
import type { LogLevel, LogListener } from './log-listener.js';
import type { RootRole } from './root-role.js';
import { WatchedRoot } from './watched-root.js';
import { readChanges, type ChangesAnswer, type ChangesRequest } from './change-views.js';
import { CoordinatorLease, redisPrefixOf, setWorkerDrain, type RedisConnection } from '../distributed/index.js';

export interface HarnessOptions {
  /** --runs-dir, else HARNESS_RUNS_DIR, else defaultRunsDir() (the caller resolves that order). */
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
  /** Distributed mode (--redis): attempts go to workers through BullMQ queues in this Redis. */
  redis?: RedisConnection | undefined;
}

/**
 * The engine behind every interface: one runs root, its config, the lock, and the role this
 * server plays on the root (it runs it, or it reads what another server writes). Reads go
 * through `reader`. A server that finds the lock taken serves the files read-only and takes
 * over as soon as the other server is gone.
 */
export class Harness {
  private root: RootRole;
  /** Batch meta, scoreboards, progress, waits and run lookups, as this server sees the root at each read. */
  readonly reader: BatchReader;
  private lockTimer: NodeJS.Timeout | undefined;
  private lockRetryMs = 2000;
  /** Who holds the coordinator lease, when the last try to take it found it held (the distributed mode). */
  private leaseHolder: string | undefined;
  private steppingDown: Promise<void> | undefined;
  private readonly listeners = new Set<(batchId: string) => void>();
  private readonly addedListeners = new Set<(batchId: string) => void>();
  private readonly logListeners = new Set<LogListener>();
  private readonly knownBatches = new Set<string>();
  private readonly healthMonitor: HealthMonitor;
  private readonly serial = new KeyedSerial();
  private readonly files: AttemptFiles;
  private readonly currentIndex: CurrentIndexFiles;
  private readonly damagedFiles: DamagedFiles;
  readonly runnerId: string;
  private closed = false;
  private collecting: Promise<unknown> = Promise.resolve();
  private takingOver: Promise<boolean> | undefined;

  private constructor(
    readonly paths: RunsPaths,
    readonly configFile: HarnessConfigFile,
    private readonly config: HarnessConfig,
    private readonly dispatch: boolean,
    private readonly readOnly: boolean,
    private readonly redis: RedisConnection | undefined,
  ) {
    this.files = new AttemptFiles(paths, this.serial);
    this.damagedFiles = new DamagedFiles(paths, (message) => this.log('warning', message));
    this.currentIndex = new CurrentIndexFiles(paths, this.serial, this.damagedFiles);
    this.runnerId = config.runners.runner_id ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`;
    this.healthMonitor = new HealthMonitor({
      paths,
      config,
      runnerId: this.runnerId,
      dispatch,
      mode: () => this.mode,
      scheduler: () => this.root.scheduler,
      staleAfterSeconds: () => this.staleAfterSeconds,
      log: (level, message) => this.log(level, message),
      onPauseChanged: () => {
        for (const batchId of this.root.heldBatchIds()) this.batchChanged(batchId);
      },
    });
    this.root = this.watchedRoot();
    this.reader = new BatchReader(() => this.root.source, this.readerOptions());
  }

  /** The root as read from its files, while another server runs it (or none, for a read-only command). */
  private watchedRoot(): WatchedRoot {
    // A server that waits for the lock lists itself among the runners; a read-only command does not.
    const ownHealth = this.readOnly ? () => [] : () => [this.healthMonitor.health];
    // Only a read-only command (the dashboard viewer) watches the disk for the owner's changes: a
    // server waiting for the lock did without, and with the watch its takeover under repeated
    // SIGKILLs lost its client (tests/e2e/spawn-chaos.test.ts), which is not understood yet.
    const watch = this.readOnly ? (batchId: string) => this.batchChanged(batchId) : undefined;
    return new WatchedRoot(this.paths, new DiskBatches(this.paths, this.files, this.config.retries, priceBookOf(this.config)), ownHealth, watch);
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
    const harness = new Harness(paths, configFileOf(loaded), loaded.config, options.dispatch ?? true, options.readOnly ?? false, options.redis);
    if (options.readOnly) return harness; // reads only: not even _system/ is created
    await mkdir(paths.systemDir, { recursive: true });
    harness.lockRetryMs = options.lockRetryMs ?? (options.redis ? Math.min(2000, (loaded.config.runners.coordinator_lease_seconds * 1000) / 5) : 2000);
    if (!(await harness.takeOver())) {
      const owner = harness.leaseHolder ?? (await RunsLock.readOwner(paths).then((o) => (o ? `pid ${o.pid}` : undefined)));
      harness.log('warning', `${root} is run by another server${owner ? ` (${owner})` : ''}; serving it read-only until that server stops`);
      harness.retryTakingOver();
    }
    return harness;
  }

  /** Tries to take the root over every lockRetryMs until it does. */
  private retryTakingOver(): void {
    const retry = () => this.takeOver().catch((error: Error) => this.log('error', `could not take ${this.paths.root} over: ${error.message}`));
    this.lockTimer = setInterval(() => void retry(), this.lockRetryMs);
    this.lockTimer.unref();
  }

  /**
   * Checks a launch table as the server of `paths` would on submit, and writes nothing (see
   * checkLaunchTable). It meets the config that server took the root with (its
   * harness_config.json) when `owned`, else `configFile`'s; returns the config it met.
   */
  static async checkLaunchTable(input: unknown, options: { paths: RunsPaths; owned: boolean; configFile?: string | undefined }): Promise<HarnessConfig> {
    const snapshot = options.owned ? await readJsonIfExists(options.paths.configFile, HarnessConfigFileSchema) : undefined;
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
    return this.root.mode;
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

  /** Refuses with runs_locked unless this server runs the root, as every request that writes does. */
  async assertRunsRoot(): Promise<void> {
    await this.root.requests();
  }

  async submit(input: unknown): Promise<{ meta: BatchMeta; deduplicated: boolean }> {
    const submitted = await (await this.root.requests()).submit(input);
    if (!submitted.deduplicated) {
      const steps = submitted.meta.jobs.reduce((n, j) => n + j.steps.length, 0);
      this.log('info', `batch ${submitted.meta.batch_id} submitted: ${submitted.meta.jobs.length} jobs, ${steps} steps`);
    }
    return submitted;
  }

  async cancel(target: CancelTarget) {
    return (await this.root.requests()).cancel(target);
  }

  async retry(batchId: string, jobId: string, stepId: string, cascade: boolean) {
    return (await this.root.requests()).retry(batchId, jobId, stepId, cascade);
  }

  async setBudget(request: SetBudgetRequest) {
    return (await this.root.requests()).setBudget(request);
  }

  /** Lands a job's branch onto a branch of its repository and records it (landJob, docs/spec.md §9.1). */
  land(request: LandJobRequest): Promise<LandJobAnswer> {
    const identity = { name: this.config.git.author_name, email: this.config.git.author_email };
    return landJob(request, { reader: this.reader, identity, recorder: () => this.root.landings() });
  }

  /** The variants of a job submitted with `variants`, side by side (compareJobVariants). */
  compareVariants(batchId: string, jobId: string): Promise<VariantComparison> {
    return compareJobVariants(this.reader, batchId, jobId);
  }

  /**
   * Removes the batches that are settled and idle past retention_policy.keep_closed_batches_days
   * (docs/spec.md §9), or with `dryRun` only says which and how many bytes. Their job branches
   * stay; `pruning` deletes the landed ones, or the ones named, among those of removed batches.
   */
  async collectGarbage(dryRun: boolean, pruning: BranchPruning = 'none'): Promise<GcOutcome> {
    // One at a time: two GCs would remove one batch twice and write branches_left.json over each other.
    const gc = { reader: this.reader, paths: this.paths, currentIndex: this.currentIndex, config: this.config, root: () => this.root, log: (m: string) => this.log('info', m) };
    const run = this.collecting.then(() => collectGarbage(gc, dryRun, pruning, (batchId) => this.knownBatches.delete(batchId)));
    this.collecting = run.catch(() => undefined);
    return run;
  }

  /** What an attempt, or an isolated job's branch as a whole, changed (get_changes, `harness-mcp diff`); reads only. */
  changes(request: ChangesRequest): Promise<ChangesAnswer> {
    return readChanges({ reader: this.reader, paths: this.paths }, request);
  }

  /** Ends the parks of an agent's provider pools by a person's word; refused when another server runs the root. */
  async releasePool(agent: AgentName, profile: string | undefined): Promise<{ released: PoolRecord[]; pools: PoolHealth[] }> {
    const released = await (await this.root.requests()).releasePool(agent, profile);
    return { released, pools: this.root.scheduler?.poolHealth() ?? [] };
  }

  /** Drains the runs root (no new attempts; running ones finish) or ends draining. */
  setDrain(drain: boolean): Promise<RunnerHealth> {
    return this.healthMonitor.setDrain(drain);
  }

  /** Drains one worker of the distributed mode, or ends that; answers its health as it last wrote it (see setWorkerDrain). */
  setWorkerDrain(runnerId: string, drain: boolean): Promise<RunnerHealth> {
    return setWorkerDrain(this.paths, runnerId, drain);
  }

  /** Reads the runner's health now (and acts on it); see HealthMonitor. */
  refreshHealth(): Promise<RunnerHealth> {
    return this.healthMonitor.refresh();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.lockTimer);
    await this.takingOver?.catch(() => undefined); // a takeover under way sees `closed` and undoes itself
    await this.steppingDown;
    await this.healthMonitor.stop();
    await this.root.close();
  }

  /** Takes the runs root if no live server holds it (see tryTakeLock), one attempt at a time. */
  private takeOver(): Promise<boolean> {
    if (this.takingOver) return this.takingOver.then(() => false);
    this.takingOver = this.tryTakeLock().finally(() => (this.takingOver = undefined));
    return this.takingOver;
  }

  /** Takes the runs root when no live server holds its lock, and starts running it; false when another one does. */
  private async tryTakeLock(): Promise<boolean> {
    if (this.closed || this.steppingDown) return false;
    // The distributed mode's lease first: it is what keeps coordinators on other machines off.
    const lease = this.redis ? await this.takeLease() : undefined;
    if (lease === null) return false;
    const lock = await RunsLock.acquire(this.paths, this.runnerId, lockFileExclusively).catch(async (error: unknown) => {
      await lease?.release();
      throw error;
    });
    if (!lock) {
      await lease?.release();
      return false;
    }
    let owned: OwnedRoot;
    try {
      owned = await OwnedRoot.open(lock, {
        paths: this.paths,
        configFile: this.configFile,
        config: this.config,
        runnerId: this.runnerId,
        files: this.files,
        currentIndex: this.currentIndex,
        damagedFiles: this.damagedFiles,
        serial: this.serial,
        healthMonitor: this.healthMonitor,
        readerOptions: this.readerOptions(),
        onBatchChanged: (batchId) => this.batchChanged(batchId),
        onPoolsChanged: () => this.poolsChanged(),
        log: (level, message) => this.log(level, message),
        ...(this.redis && lease ? { redis: { connection: this.redis, lease } } : {}),
      });
    } catch (error) {
      await lock.release(); // a root that cannot be run (a corrupt batch, a full disk) is left to the next try
      await lease?.release();
      throw error;
    }
    if (this.closed) {
      await owned.close();
      return false;
    }
    // Lost while the root was being opened (its loss found no root to step down from yet).
    if (lease && !lease.valid()) {
      await owned.stepDown();
      return false;
    }
    if (lease) this.log('info', `holds the coordinator lease of ${this.paths.root} (fencing token ${lease.fence})`);
    clearInterval(this.lockTimer);
    // A server waiting for the lock watches no disk (only a read-only command does, which never
    // takes over), so the root it drops holds nothing to stop.
    this.root = owned;
    for (const batchId of owned.scheduler.batchIds()) {
      this.knownBatches.add(batchId); // there before this server: not "added"
      this.batchChanged(batchId);
    }
    await this.refreshHealth();
    if (this.config.interfaces.filesystem_queue.enabled && this.dispatch) await owned.startQueues((table) => this.submit(table), (request) => this.land(request), (agent, profile) => this.releasePool(agent, profile));
    this.healthMonitor.start();
    return true;
  }

  /** The coordinator lease, or null (remembering who holds it) when another coordinator does. */
  private async takeLease(): Promise<CoordinatorLease | null> {
    const holder = { runner_id: this.runnerId, hostname: hostname(), pid: process.pid };
    const leaseMs = Math.round(this.config.runners.coordinator_lease_seconds * 1000); // PX takes whole ms
    const taken = await CoordinatorLease.acquire(this.redis!, redisPrefixOf(this.paths.root), holder, leaseMs, (why) => this.leaseLost(why));
    if ('heldBy' in taken) {
      this.leaseHolder = taken.heldBy;
      return null;
    }
    this.leaseHolder = undefined;
    return taken.lease;
  }

  /**
   * The coordinator lease is lost (another coordinator holds it, or Redis was away past it):
   * this server lets the root go at once, serves it read-only, and tries to take it again.
   */
  private leaseLost(why: string): void {
    const owned = this.root;
    if (this.closed || !(owned instanceof OwnedRoot)) return;
    this.log('error', `lost the coordinator lease of ${this.paths.root} (${why}): dispatching stops here, and this server serves the root read-only until it can take it again`);
    this.root = this.watchedRoot();
    this.healthMonitor.stop().catch(() => undefined);
    this.steppingDown = owned
      .stepDown()
      .catch((error: Error) => this.log('error', `could not let ${this.paths.root} go cleanly: ${error.message}`))
      .finally(() => {
        this.steppingDown = undefined;
        if (!this.closed) this.retryTakingOver();
      });
  }

  /** A pool parked, was released or changed its cap: health.json and every scoreboard say so now, not at the next tick. */
  private poolsChanged(): void {
    this.refreshHealth().catch((error: Error) => this.log('warning', `could not refresh runner health: ${error.message}`));
    for (const batchId of this.root.heldBatchIds()) this.batchChanged(batchId);
  }

  private readerOptions(): ReaderOptions {
    return {
      paths: this.paths,
      staleAfterSeconds: () => this.staleAfterSeconds,
      listLimit: this.config.scoreboard.list_limit,
      onBatchChanged: (listener) => this.onBatchChanged(listener),
    };
  }

  /** Says what nobody asked for: to stderr, and to whoever listens (onLog). */
  log(level: LogLevel, message: string): void {
    process.stderr.write(`harness-mcp: ${message}\n`);
    for (const listener of this.logListeners) listener(level, message);
  }

  private batchChanged(batchId: string): void {
    if (!this.knownBatches.has(batchId)) {
      this.knownBatches.add(batchId);
      for (const listener of this.addedListeners) listener(batchId);
    }
    for (const listener of this.listeners) listener(batchId);
    this.root.batchChanged(batchId);
  }
}
