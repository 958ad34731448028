import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentAdapter } from '../../src/agents/index.js';
import { commandAgent } from '../../src/agents/command-agent.js';
import { HarnessConfigSchema, type AgentName, type AttemptState } from '../../src/core/index.js';
import { Scheduler } from '../../src/scheduler/index.js';
import { KeyedSerial } from '../../src/core/index.js';
import { AttemptFiles, AttemptTransitions, CurrentIndexFiles, DamagedFiles, RunsPaths } from '../../src/store/index.js';

// Every way an attempt ends must leave current.json's `latest` saying what state.json says: a
// reader (the scoreboard, a resume, a restart) trusts the index without opening the attempt.

const BATCH = 'b';
const JOB = 'j';
const STEP = 's';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A runs root of its own and a scheduler over it, told of every change through `changes`. */
class Root {
  readonly changes = new Changes();
  private constructor(readonly dir: string) {}

  static async create(): Promise<Root> {
    const dir = await mkdtemp(join(tmpdir(), 'harness-transitions-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return new Root(dir);
  }

  async open(options: { paused?: string; adapter?: AgentAdapter; beforeCreate?: () => Promise<void> } = {}): Promise<Scheduler> {
    const paths = new RunsPaths(join(this.dir, 'runs'));
    const serial = new KeyedSerial();
    const files = new AttemptFiles(paths, serial);
    const damagedFiles = new DamagedFiles(paths, () => undefined);
    const currentIndex = new CurrentIndexFiles(paths, serial, damagedFiles);
    const config = HarnessConfigSchema.parse({ retries: { max_attempts: 1, backoff_seconds: 0 }, timeouts: { kill_grace_seconds: 1 } });
    const scheduler = await Scheduler.open({
      paused: options.paused ?? null,
      paths,
      files,
      currentIndex,
      damagedFiles,
      transitions: new HookedTransitions(paths, files, currentIndex, options.beforeCreate),
      serial,
      runnerId: 'transitions-test',
      onPoolsChanged: () => undefined,
      harnessVersion: '0.0.0',
      configVersion: 'test',
      killGraceMs: 1000,
      heartbeatIntervalMs: 200,
      config,
      agents: new Map<AgentName, AgentAdapter>([['command', options.adapter ?? commandAgent]]),
      onBatchChanged: () => this.changes.notify(),
      log: () => undefined,
    });
    cleanups.push(() => scheduler.stop());
    return scheduler;
  }

  async submit(scheduler: Scheduler, command: string[], budget?: Record<string, number>): Promise<unknown> {
    const goal = Array.from({ length: 160 }, (_, i) => `word${i}`).join(' ');
    // The working directory beside the runs root, never holding it.
    const work = join(this.dir, 'work');
    await mkdir(work, { recursive: true });
    return scheduler.requests.submit({ batch_id: BATCH, batch_goal_summary: goal, defaults: { agent: 'command' }, jobs: [{ job_id: JOB, working_directory: work, steps: [{ step_id: STEP, command, ...(budget && { budget }) }] }] });
  }

  /** The state.json of the step's latest attempt, once there is one. */
  async latestState(): Promise<AttemptState | undefined> {
    const stepDir = join(this.dir, 'runs', BATCH, JOB, STEP);
    const dirs = (await readdir(stepDir).catch(() => [])).sort();
    const last = dirs.at(-1);
    if (!last) return undefined;
    // The directory is made before its state.json: until that is renamed in, there is no state yet.
    const text = await readFile(join(stepDir, last, 'state.json'), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return text === undefined ? undefined : JSON.parse(text);
  }

  async currentEntry(): Promise<{ latest: Record<string, unknown> | null; latest_successful: Record<string, unknown> | null }> {
    const current = JSON.parse(await readFile(join(this.dir, 'runs', BATCH, JOB, 'current.json'), 'utf8'));
    return current.steps[STEP] ?? { latest: null, latest_successful: null };
  }

  /** Waits, change by change, for the latest attempt's state.json to be in `status`. */
  async stateIn(status: (s: AttemptState['status']) => boolean): Promise<AttemptState> {
    return this.changes.until(async () => {
      const state = await this.latestState();
      return state && status(state.status) ? state : undefined;
    });
  }

  /** state.json and current.json of the latest attempt, checked against each other. */
  async expectIndexMatchesState(): Promise<AttemptState> {
    const state = (await this.latestState())!;
    const entry = await this.currentEntry();
    expect(entry.latest).toMatchObject({ run_id: state.run_id, status: state.status, thread_id: state.thread_id });
    if (state.status === 'succeeded') expect(entry.latest_successful).toMatchObject({ run_id: state.run_id, status: 'succeeded' });
    else expect(entry.latest_successful).toBeNull();
    return state;
  }
}

/** Transitions that run `beforeCreate` as an attempt is being made, to place a race exactly there. */
class HookedTransitions extends AttemptTransitions {
  constructor(
    paths: RunsPaths,
    files: AttemptFiles,
    currentIndex: CurrentIndexFiles,
    private readonly beforeCreate: (() => Promise<void>) | undefined,
  ) {
    super(paths, files, currentIndex);
  }

  override async create(...args: Parameters<AttemptTransitions['create']>): ReturnType<AttemptTransitions['create']> {
    await this.beforeCreate?.();
    return super.create(...args);
  }
}

/** The scheduler's change notifications, as something a test can wait on without sleeping. */
class Changes {
  private count = 0;
  private wake: (() => void) | undefined;

  notify(): void {
    this.count++;
    this.wake?.();
  }

  /** Re-runs `check` after each change until it gives a value; a change during a check is not lost. */
  async until<T>(check: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const seen = this.count;
      const found = await check();
      if (found !== undefined) return found;
      if (this.count === seen) await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const terminal = (s: AttemptState['status']) => s !== 'queued' && s !== 'running';

describe('current.json after each kind of ending', () => {
  it('points latest and latest_successful at an attempt that succeeded, with the thread id it learnt', async () => {
    // The command agent with a line parser, so the attempt learns a thread id as agents do.
    const withThread: AgentAdapter = {
      ...commandAgent,
      lineParser: () => (line) => ({
        events: line.startsWith('thread ') ? [{ kind: 'session', threadId: line.slice('thread '.length) }] : [],
        logged: { type: 'test.line', line },
      }),
    };
    const root = await Root.create();
    const scheduler = await root.open({ adapter: withThread });
    await root.submit(scheduler, ['sh', '-c', 'echo thread t-123; echo done']);
    await root.stateIn(terminal);
    await scheduler.stop(); // every write of the attempt is done
    const state = await root.expectIndexMatchesState();
    expect(state).toMatchObject({ status: 'succeeded', thread_id: 't-123' });
  });

  it('points latest at an attempt that exited non-zero', async () => {
    const root = await Root.create();
    const scheduler = await root.open();
    await root.submit(scheduler, ['sh', '-c', 'exit 3']);
    await root.stateIn(terminal);
    await scheduler.stop();
    expect(await root.expectIndexMatchesState()).toMatchObject({ status: 'failed', failure_reason: 'exit_nonzero' });
  });

  it('points latest at an attempt a provider limit ended, read from the words of its stderr', async () => {
    // A usage limit an hour away, so no retry after it starts while the test looks.
    const retryAt = new Date(Date.now() + 3600_000).toISOString();
    const limited: AgentAdapter = {
      ...commandAgent,
      limitFromText: (text) => (text.includes('plan spent') ? { kind: 'usage_limited', retryAt, window: 'five_hour', message: 'plan spent' } : null),
    };
    const root = await Root.create();
    const scheduler = await root.open({ adapter: limited });
    await root.submit(scheduler, ['sh', '-c', 'echo plan spent >&2; exit 1']);
    await root.stateIn(terminal);
    await scheduler.stop();
    expect(await root.expectIndexMatchesState()).toMatchObject({
      status: 'failed',
      failure_reason: 'usage_limited',
      limit: { kind: 'usage_limited', retry_at: retryAt, window: 'five_hour', source: 'message', mid_conversation: false },
    });
  });

  it('points latest at an attempt canceled while queued', async () => {
    const root = await Root.create();
    const scheduler = await root.open({ paused: 'held for the test' });
    await root.submit(scheduler, ['true']);
    const { canceled } = await scheduler.requests.cancel({ batch_id: BATCH, job_id: JOB, step_id: STEP });
    expect(canceled).toHaveLength(1);
    expect(await root.expectIndexMatchesState()).toMatchObject({ status: 'canceled', started_at: expect.any(String), pid: null });
  });

  it('points latest at an attempt canceled while running', async () => {
    const root = await Root.create();
    const scheduler = await root.open();
    await root.submit(scheduler, ['sleep', '100']);
    const running = await root.stateIn((s) => s === 'running');
    expect((await root.currentEntry()).latest).toMatchObject({ run_id: running.run_id, status: 'running' });
    await scheduler.requests.cancel({ run_id: running.run_id }); // waits for the attempt to end
    expect(await root.expectIndexMatchesState()).toMatchObject({ run_id: running.run_id, status: 'canceled', failure_reason: 'canceled' });
  });

  it('points latest at an attempt stopped for going over its step’s wall-time budget, with its group killed', async () => {
    const root = await Root.create();
    const scheduler = await root.open();
    await root.submit(scheduler, ['sleep', '100'], { max_wall_seconds: 0.5 });
    const ended = await root.stateIn(terminal); // checked at every heartbeat tick (200 ms here)
    expect(await root.expectIndexMatchesState()).toMatchObject({ status: 'failed', failure_reason: 'budget_exceeded' });
    expect(ended.message).toMatch(/^stopped while running: step `j\/s`’s max_wall_seconds went over: \d+(\.\d)? of 0\.5 seconds of wall time$/);
    expect(ended.signal).toBe('SIGTERM');
  });

  it('points latest at an attempt the server ended runner_lost as it shut down', async () => {
    const root = await Root.create();
    const scheduler = await root.open();
    await root.submit(scheduler, ['sleep', '100']);
    await root.stateIn((s) => s === 'running');
    await scheduler.stop();
    expect(await root.expectIndexMatchesState()).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
  });

  it('points latest at an attempt a restart ended runner_lost', async () => {
    const root = await Root.create();
    const first = await root.open({ paused: 'held for the test' });
    await root.submit(first, ['true']);
    await first.requests.retry(BATCH, JOB, STEP, false); // a queued attempt this server will never start
    await first.stop();
    expect((await root.latestState())?.status).toBe('queued');
    await root.open({ paused: 'held for the test' }); // recovery runs as it opens
    expect(await root.expectIndexMatchesState()).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
  });

  it.each([
    {
      when: 'could not start',
      broken: { invocation: () => { throw new Error('the adapter is broken'); } },
      ended: { message: 'harness-mcp could not run the attempt: the adapter is broken' },
    },
    {
      when: 'failed while it ran, not at its running state',
      broken: { readReport: async () => { throw new Error('the report reader is broken'); } },
      ended: { pid: expect.any(Number), message: 'harness-mcp could not run the attempt: the report reader is broken' },
    },
  ])('points latest at an attempt the harness itself $when', async ({ broken, ended }) => {
    const root = await Root.create();
    const scheduler = await root.open({ adapter: { ...commandAgent, ...broken } as AgentAdapter });
    await root.submit(scheduler, ['true']);
    await root.stateIn(terminal);
    await scheduler.stop();
    const state = await root.expectIndexMatchesState();
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'spawn_error', ...ended });
  });
});

describe('attempts_index.json of a settled batch', () => {
  it('is not written while a new attempt is being made, so it never misses that attempt', async () => {
    let whileCreating: (() => Promise<void>) | undefined;
    const root = await Root.create();
    const scheduler = await root.open({ beforeCreate: async () => whileCreating?.() });
    await root.submit(scheduler, ['true']);
    await root.stateIn(terminal);
    await scheduler.indexSettledBatch(BATCH);
    const indexFile = join(root.dir, 'runs', BATCH, 'attempts_index.json');
    expect(JSON.parse(await readFile(indexFile, 'utf8')).attempts).toHaveLength(1);

    // The batch settles again (as a scoreboard write would report) while the retry's attempt is being made.
    whileCreating = () => scheduler.indexSettledBatch(BATCH);
    await scheduler.requests.retry(BATCH, JOB, STEP, false);
    whileCreating = undefined;
    await root.changes.until(async () => {
      const latest = await root.latestState();
      return latest?.attempt === 2 && terminal(latest.status) ? latest : undefined;
    });
    await scheduler.indexSettledBatch(BATCH);
    await scheduler.stop();
    expect(JSON.parse(await readFile(indexFile, 'utf8')).attempts).toHaveLength(2);
  });
});
