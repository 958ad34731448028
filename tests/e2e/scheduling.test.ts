import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { agent, eventually, HarnessServer, stepOf, tempDir, isProcessAlive, oneJob } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// Taken when this module loads, before the backoff test fakes the clock.
const realSetTimeout = globalThis.setTimeout;

/** Ledger lines "start a 123" / "end a 456" → {a: {start, end}}. */
async function readLedger(path: string): Promise<Record<string, { start: bigint; end: bigint }>> {
  const out: Record<string, { start: bigint; end: bigint }> = {};
  for (const line of (await readFile(path, 'utf8')).trim().split('\n')) {
    const [kind, name, ns] = line.split(' ') as ['start' | 'end', string, string];
    (out[name] ??= { start: 0n, end: 0n })[kind] = BigInt(ns);
  }
  return out;
}

/** The state.json of every attempt of a step, oldest first (attempt directories are named <UTC>_<run_id>). */
async function attemptStates(stepDir: string): Promise<any[]> {
  return Promise.all((await readdir(stepDir)).sort().map(async (d) => JSON.parse(await readFile(join(stepDir, d, 'state.json'), 'utf8'))));
}

/** How long attempt n + 1 was made after attempt n ended, by their recorded timestamps. */
const gapsMs = (states: any[]) => states.slice(1).map((s, i) => Date.parse(s.created_at) - Date.parse(states[i].ended_at));

describe('scheduling through MCP over stdio', () => {
  it('runs independent steps in parallel and dependent steps in order', async () => {
    const dir = await tempDir();
    const ledger = join(dir, 'ledger');
    const server = await HarnessServer.start({ maxConcurrency: 4 });
    const step = (id: string, deps: string[] = []) => ({ step_id: id, command: [agent('ledger.sh'), ledger, id, '0.5'], depends_on: deps });
    const batchId = await server.submit(oneJob(dir, [step('a'), step('b'), step('c', ['a']), step('d', ['b', 'c'])]));
    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ succeeded: 4, failed: 0, blocked: 0 });
    const runs = await readLedger(ledger);
    expect(runs.a!.start < runs.b!.end && runs.b!.start < runs.a!.end).toBe(true); // a and b overlapped
    expect(runs.c!.start >= runs.a!.end).toBe(true);
    expect(runs.d!.start >= runs.b!.end && runs.d!.start >= runs.c!.end).toBe(true);
  });

  it('never starts the dependents of a step that failed for good, and says why', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [
      { step_id: 'build', command: [agent('exit-with.sh'), '3', 'compiler said no'] },
      { step_id: 'test', command: ['true'], depends_on: ['build'] },
      { step_id: 'ship', command: ['true'], depends_on: ['test'] },
    ]));
    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ failed: 1, blocked: 2, succeeded: 0 });
    expect(stepOf(board, 'j', 'test')).toMatchObject({ status: 'blocked', attempts: 0, run_id: null });
    expect(stepOf(board, 'j', 'test').blocked_reasons[0]).toMatch(/dependency `build` ended failed \(exit_nonzero\)/);
    expect(stepOf(board, 'j', 'ship').blocked_reasons[0]).toMatch(/`test` is blocked for good/);
    expect(board.blocked.items.every((b: any) => b.final)).toBe(true);
    expect(board.failures.items[0]).toMatchObject({
      step_id: 'build',
      host_outcome: { status: 'failed', exit_code: 3, failure_reason: 'exit_nonzero' },
      agent_outcome: { status: 'failure' },
    });
    expect(board.failures.items[0].host_outcome.message).toContain('compiler said no');
    expect(board.attention.items[0]).toMatchObject({ kind: 'failed', step_id: 'build' });
  });

  it('tells a timeout from a non-zero exit and takes the timed-out step’s grandchild down too', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'grandchild.pid');
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [
      { step_id: 'slow', command: [agent('fork-grandchild.sh'), pidFile], timeout_seconds: 1 },
      { step_id: 'stubborn', command: [agent('ignore-term.sh'), join(dir, 'stubborn.pid')], timeout_seconds: 1 },
      { step_id: 'broken', command: [agent('exit-with.sh'), '7'] },
    ]));
    const board = await server.settled(batchId);
    const slow = (await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'slow', name: 'state' })).content;
    expect(JSON.parse(slow)).toMatchObject({ status: 'failed', failure_reason: 'timeout', message: 'timed out after 1 s' });
    const stubborn = JSON.parse((await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'stubborn', name: 'state' })).content);
    expect(stubborn).toMatchObject({ status: 'failed', failure_reason: 'timeout', signal: 'SIGKILL' });
    const broken = JSON.parse((await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'broken', name: 'state' })).content);
    expect(broken).toMatchObject({ status: 'failed', failure_reason: 'exit_nonzero', exit_code: 7 });
    expect(board.counts.failed).toBe(3);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    await eventually(async () => !(await isProcessAlive(grandchild)), `grandchild ${grandchild} to be gone`);
    expect(await isProcessAlive(Number(await readFile(join(dir, 'stubborn.pid'), 'utf8')))).toBe(false);
  });

  it('retries a failing step with backoff until it succeeds', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'flaky', command: [agent('fail-until.sh'), join(dir, 'count'), '3'] }], { defaults: { agent: 'command', retries: { max_attempts: 3, backoff_seconds: 0.1 } } }));
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'flaky')).toMatchObject({ status: 'succeeded', attempts: 3 });
    const states = await attemptStates(join(server.runsDir, batchId, 'j', 'flaky'));
    expect(states.map((s) => [s.attempt, s.trigger, s.status])).toEqual([
      [1, 'initial', 'failed'],
      [2, 'auto_retry', 'failed'],
      [3, 'auto_retry', 'succeeded'],
    ]);
    // Never before the backoff: 0.1 s before the second attempt, 0.2 s before the third (the exact
    // waits are proven under a fake clock below).
    const [second, third] = gapsMs(states);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(third).toBeGreaterThanOrEqual(200);
  });

  it('does not retry when the attempts are spent, and keeps each attempt’s files', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'bad', command: [agent('exit-with.sh'), '1', 'always'] }], { defaults: { agent: 'command', retries: { max_attempts: 2, backoff_seconds: 0 } } }));
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'bad')).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('ends an attempt whose program does not exist as spawn_error with a fix', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'ghost', command: ['no-such-program-here', '--x'] }]));
    await server.settled(batchId);
    const state = JSON.parse((await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'ghost', name: 'state' })).content);
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'spawn_error' });
    expect(state.message).toMatch(/ENOENT.*no-such-program-here.*installed and on PATH/s);
  });
});

describe('retry backoff, under a fake clock', () => {
  it('starts no retry before its backoff is over, and waits twice as long before the third attempt', async () => {
    const backoffMs = 60_000; // far longer than the test may take on the real clock
    const dir = await tempDir();
    const server = await InProcessServer.start();
    // The first attempt waits for the gate, so that it ends under the fake clock. Tool calls are
    // made on the real one: the SDK's server answers a plain submit_batch or wait_for_batch by
    // polling the call's task with setTimeout.
    const gate = join(dir, 'go');
    const flaky = ['sh', '-c', 'until [ -e "$0" ]; do sleep 0.02; done; exec "$1" "$2" 3', gate, agent('fail-until.sh'), join(dir, 'count')];
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'flaky', command: flaky }], { defaults: { agent: 'command', retries: { max_attempts: 3, backoff_seconds: backoffMs / 1000 } } }));
    const stepDir = join(server.runsDir, batchId, 'j', 'flaky');
    const ended = (n: number) =>
      eventually(async () => {
        const states = await attemptStates(stepDir);
        return states.length === n && states.every((s) => s.ended_at) ? states : undefined;
      }, `attempt ${n} to end`);
    // Real time in which a retry started too early would show on disk.
    const noNewAttempt = async (n: number) => {
      await new Promise((r) => realSetTimeout(r, 300));
      expect(await attemptStates(stepDir)).toHaveLength(n);
    };

    // Only the clock is fake: setImmediate, nextTick and I/O stay real, for the scheduler and the
    // agent's process. The harness runs in this process, so the fake clock is its clock.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    let states: any[];
    try {
      await writeFile(gate, '');
      await ended(1);
      await vi.advanceTimersByTimeAsync(backoffMs - 1);
      await noNewAttempt(1);
      await vi.advanceTimersByTimeAsync(1);
      await ended(2);
      await vi.advanceTimersByTimeAsync(2 * backoffMs - 1);
      await noNewAttempt(2);
      await vi.advanceTimersByTimeAsync(1);
      states = await ended(3);
    } finally {
      vi.useRealTimers();
    }

    expect(states.map((s) => [s.attempt, s.trigger, s.status])).toEqual([
      [1, 'initial', 'failed'],
      [2, 'auto_retry', 'failed'],
      [3, 'auto_retry', 'succeeded'],
    ]);
    // The fake clock stands still unless the test moves it, so the recorded waits are exact.
    expect(gapsMs(states)).toEqual([backoffMs, 2 * backoffMs]);
    expect(stepOf(await server.settled(batchId), 'j', 'flaky')).toMatchObject({ status: 'succeeded', attempts: 3 });
  });
});
