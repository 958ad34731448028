import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { IllegalStateError, isTaskTerminal, KeyedSerial, type McpTaskRecord, type McpTaskWork } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { TaskFiles } from '../../store/index.js';

/** Why a task's signal aborts: a client cancelled it, or the server is stopping (the task is taken up again at the next start). */
export type StopReason = 'cancelled' | 'shutdown';

/**
 * What a task does: waits for its batch (or steps), reporting how far it is (as often as it
 * sees fit: each report is a write, not fsynced), and answers the tool's result. When `signal` aborts with 'cancelled' it does what cancelling means for its
 * tool and returns; with 'shutdown' it only returns.
 */
export type TaskWorker = (work: McpTaskWork, report: (statusMessage: string) => void, signal: AbortSignal) => Promise<CallToolResult>;

/** How often a client is told to poll a task: a batch takes minutes, a second is plenty. */
export const TASK_POLL_INTERVAL_MS = 1000;
// Ended tasks past their ttl are removed this often, and at start.
const SWEEP_MS = 60_000;
// What a task file's schema takes of a status message.
const MAX_STATUS_MESSAGE = 2000;

/**
 * The tasks of the MCP tasks extension for one runs root: created on disk before their id is
 * answered, worked on by the server that runs the root, found again after a restart. A task
 * still working then is taken up again, since its work is a wait on a batch that went on
 * without the server: at start, or (on a server that took the root over later) when a client
 * asks for it. A task ended is kept `keep_ended_seconds` (config) and then swept. `now` is the
 * clock of creation and expiry.
 */
export class BackgroundTasks {
  private readonly files: TaskFiles;
  private readonly serial = new KeyedSerial();
  private readonly running = new Map<string, AbortController>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly damagedSeen = new Set<string>();
  private closed = false;

  private constructor(
    private readonly harness: Harness,
    private readonly worker: TaskWorker,
    private readonly keepEndedMs: number,
    private readonly now: () => number,
  ) {
    this.files = new TaskFiles(harness.paths);
    this.sweepTimer = setInterval(() => void this.sweep().catch(this.logSweepFailure), SWEEP_MS);
    this.sweepTimer.unref();
  }

  static async open(harness: Harness, worker: TaskWorker, options: { now?: () => number } = {}): Promise<BackgroundTasks> {
    const keepEndedMs = harness.configFile.interfaces.mcp_tasks.keep_ended_seconds * 1000;
    const tasks = new BackgroundTasks(harness, worker, keepEndedMs, options.now ?? Date.now);
    // A tasks directory that cannot be read (not a directory, no permission) costs the tasks, not the server.
    await tasks.sweep().catch(tasks.logSweepFailure);
    return tasks;
  }

  /** Makes a task of `work`, on disk before this returns, and starts it. Refused (runs_locked) on a server that does not run the root. */
  async create(work: McpTaskWork): Promise<McpTaskRecord> {
    if (this.closed) throw new IllegalStateError('the server is shutting down; no task can start');
    await this.harness.assertRunsRoot();
    const at = this.isoNow();
    const record: McpTaskRecord = {
      task_id: randomBytes(16).toString('hex'),
      work,
      status: 'working',
      created_at: at,
      last_updated_at: at,
      ttl_ms: null,
      poll_interval_ms: TASK_POLL_INTERVAL_MS,
      cancel_requested: false,
    };
    await this.files.write(record);
    this.takeUp(record);
    return record;
  }

  /** The task as it is now, or undefined when there is none (or it has expired). */
  async get(taskId: string): Promise<McpTaskRecord | undefined> {
    const record = await this.files.read(taskId);
    if (!record) return undefined;
    if (this.expired(record)) {
      await this.serial.run(taskId, () => this.files.remove(taskId));
      return undefined;
    }
    if (!isTaskTerminal(record.status) && !this.running.has(taskId) && (await this.runsRoot())) this.takeUp(record);
    return record;
  }

  /**
   * Asks the task's work to stop; it ends `cancelled` once it has (what stopping means for the
   * batch is the worker's: run_batch cancels it, a wait leaves it). Undefined when there is no
   * such task; a task ended already stays as it ended. Refused (runs_locked) on a server that
   * does not run the root.
   */
  async cancel(taskId: string): Promise<McpTaskRecord | undefined> {
    const record = await this.get(taskId);
    if (!record || isTaskTerminal(record.status)) return record;
    await this.harness.assertRunsRoot();
    await this.change(taskId, { cancel_requested: true });
    this.running.get(taskId)?.abort('cancelled' satisfies StopReason);
    return this.files.read(taskId);
  }

  /** Stops every wait of this process; their tasks stay working on disk, for the next server to take up. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const controller of this.running.values()) controller.abort('shutdown' satisfies StopReason);
    this.running.clear();
  }

  /**
   * Starts the work of a task still working, unless this process runs it already. The record
   * in hand may be a read from just before the task ended, so it is read again, after any
   * change of the task under way, before the work starts.
   */
  private takeUp(record: McpTaskRecord): void {
    if (this.closed || isTaskTerminal(record.status) || this.running.has(record.task_id)) return;
    const taskId = record.task_id;
    const controller = new AbortController();
    this.running.set(taskId, controller);
    const release = () => {
      if (this.running.get(taskId) === controller) this.running.delete(taskId);
    };
    void this.serial
      .run(taskId, () => this.files.read(taskId))
      .then((current) => {
        if (!current || isTaskTerminal(current.status) || controller.signal.reason === 'shutdown') return release();
        // A cancel that came as the last server stopped is carried out now.
        if (current.cancel_requested) controller.abort('cancelled' satisfies StopReason);
        return this.work(current, controller).finally(release);
      })
      .catch((error: Error) => {
        release();
        this.harness.log('error', `task ${taskId} could not be taken up: ${error.message}`);
      });
  }

  private work(record: McpTaskRecord, controller: AbortController): Promise<void> {
    const taskId = record.task_id;
    const report = (statusMessage: string) => void this.change(taskId, { status_message: statusMessage.slice(0, MAX_STATUS_MESSAGE) }, { durable: false }).catch(() => undefined);
    return this.worker(record.work, report, controller.signal)
      .then(
        (result) => {
          if (!controller.signal.aborted) return this.end(taskId, { status: 'completed', result });
          if (controller.signal.reason === 'shutdown') return undefined;
          return this.end(taskId, { status: 'cancelled', status_message: 'Cancelled by tasks/cancel.' });
        },
        (error: Error) => {
          if (controller.signal.reason === 'shutdown') return undefined;
          const message = error.message.slice(0, MAX_STATUS_MESSAGE);
          return this.end(taskId, { status: 'failed', status_message: message, error: { code: -32603, message } });
        },
      )
      .catch((error: Error) => this.harness.log('error', `task ${taskId} could not be recorded as ended: ${error.message}`));
  }

  /** Ends a task: its ttl, counted from creation as the spec counts it, becomes its age plus the time an ended task is kept. */
  private end(taskId: string, ending: Partial<McpTaskRecord>): Promise<void> {
    return this.change(taskId, (record) => ({ ...ending, ttl_ms: Math.max(0, this.now() - Date.parse(record.created_at)) + this.keepEndedMs }));
  }

  /** Changes a task still working, one change of a task at a time; an ended or removed task is left as it is. */
  private change(taskId: string, change: Partial<McpTaskRecord> | ((record: McpTaskRecord) => Partial<McpTaskRecord>), options: { durable?: boolean } = {}): Promise<void> {
    return this.serial.run(taskId, async () => {
      const record = await this.files.read(taskId);
      if (!record || isTaskTerminal(record.status)) return;
      const changed = typeof change === 'function' ? change(record) : change;
      await this.files.write({ ...record, ...changed, last_updated_at: this.isoNow() }, options);
    });
  }

  private expired(record: McpTaskRecord): boolean {
    return record.ttl_ms !== null && Date.parse(record.created_at) + record.ttl_ms <= this.now();
  }

  /**
   * On the server that runs the root: removes the tasks past their ttl, and takes up every task
   * still working that nobody works on (left by a server that stopped, or found after a takeover).
   */
  private async sweep(): Promise<void> {
    if (!(await this.runsRoot())) return;
    for (const record of await this.files.list(this.logDamaged)) {
      if (this.expired(record)) await this.serial.run(record.task_id, () => this.files.remove(record.task_id));
      else this.takeUp(record);
    }
  }

  /** Whether this server may make tasks: it runs the root (another server's root is only read). */
  async runsRoot(): Promise<boolean> {
    return this.harness.assertRunsRoot().then(
      () => true,
      () => false,
    );
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  // Once per file: the sweep meets a damaged file every minute.
  private readonly logDamaged = (file: string, error: Error) => {
    if (this.damagedSeen.has(file)) return;
    this.damagedSeen.add(file);
    this.harness.log('warning', `task file ${file} cannot be read (${error.message}); it is left as it is`);
  };
  private readonly logSweepFailure = (error: Error) => this.harness.log('warning', `expired tasks could not be removed: ${error.message}`);
}
