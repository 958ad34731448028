import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunnerHealthSchema } from '../../src/core/index.js';
import { eventually, HarnessServer, oneJob, stepOf, tempDir } from './servers/harness-server.js';

const FAST_HEALTH = { runners: { health_interval_seconds: 0.2 } };

async function health(server: HarnessServer): Promise<any> {
  const file = join(server.runsDir, '_system', 'runners', (await server.ok('get_scoreboard')).runners[0].runner_id, 'health.json');
  return RunnerHealthSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

describe('runner health', () => {
  it('refreshes health.json on a timer even when idle, with capacity and pressure', async () => {
    const server = await HarnessServer.start({ config: FAST_HEALTH, maxConcurrency: 3 });
    const first = await eventually(() => health(server).catch(() => undefined), 'health.json');
    expect(first).toMatchObject({ mode: 'active', capacity: 3, running: 0, drain: false, paused_reason: null });
    expect(first.pressure.free_disk_bytes).toBeGreaterThan(0);
    expect(first.pressure.free_memory_bytes).toBeGreaterThan(0);
    const later = await eventually(async () => {
      const h = await health(server);
      return h.updated_at > first.updated_at ? h : undefined;
    }, 'health.json to be refreshed');
    expect(later.running).toBe(0);
  });

  it('holds new attempts back when the runs root is low on disk, and says why', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ config: { runners: { health_interval_seconds: 0.2, min_free_disk_bytes: Number.MAX_SAFE_INTEGER } } });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    const board = await server.ok('get_scoreboard', { batch_id: batchId });
    expect(board.counts).toMatchObject({ ready: 1, running: 0, succeeded: 0 });
    expect(board.dispatch_paused).toMatch(/^low disk: .* free on the runs root, below runners\.min_free_disk_bytes/);
    expect((await server.ok('get_scoreboard')).runners[0].paused_reason).toMatch(/^low disk/);
  });
});

describe('drain', () => {
  it('lets running attempts finish, starts no new ones, says so, and resumes on undrain', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ config: FAST_HEALTH, maxConcurrency: 1 });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'first', command: ['sleep', '0.5'] }, { step_id: 'second', command: ['true'] }]));
    await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running === 1 || undefined, 'first to run');
    const drained = await server.ok('set_drain', { drain: true });
    expect(drained).toMatchObject({ drain: true, paused_reason: expect.stringMatching(/^draining/) });
    // The running step finishes; the next one does not start.
    await eventually(async () => {
      const board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
      return stepOf(board, 'j', 'first').status === 'succeeded' ? board : undefined;
    }, 'first to finish');
    let board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(stepOf(board, 'j', 'second')).toMatchObject({ status: 'ready', attempts: 0 });
    expect(board.dispatch_paused).toMatch(/^draining/);
    expect(board.settled).toBe(false);

    expect(await server.ok('set_drain', { drain: false })).toMatchObject({ drain: false, paused_reason: null });
    board = await server.settled(batchId);
    expect(board.counts.succeeded).toBe(2);
    expect(board.dispatch_paused).toBeNull();
  });

  it('toggles on SIGUSR2', async () => {
    const server = await HarnessServer.start({ config: FAST_HEALTH });
    process.kill(server.pid, 'SIGUSR2');
    await eventually(async () => (await health(server)).drain || undefined, 'drain after SIGUSR2');
    process.kill(server.pid, 'SIGUSR2');
    await eventually(async () => !(await health(server)).drain || undefined, 'undrain after a second SIGUSR2');
  });
});

describe('stuck steps', () => {
  const STUCK = { HARNESS_TEST_HEARTBEAT_STALE_SECONDS: '1' };

  it('puts a running step with no activity first in the attention list', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ env: STUCK, config: FAST_HEALTH });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'quiet', command: ['sleep', '30'] }, { step_id: 'bad', command: ['false'] }]));
    const board = await eventually(async () => {
      const b = await server.ok('get_scoreboard', { batch_id: batchId });
      return b.attention.items[0]?.kind === 'stuck' ? b : undefined;
    }, 'the quiet step to count as stuck');
    expect(board.attention.items.map((a: any) => [a.kind, a.step_id])).toEqual([
      ['stuck', 'quiet'],
      ['failed', 'bad'],
    ]);
    expect(board.heartbeat_stale_after_seconds).toBe(1);
    await server.ok('cancel_run', { batch_id: batchId });
  });

  it('kills and retries a stuck step when auto-remediation is on, recording why', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({
      env: STUCK,
      config: { runners: { health_interval_seconds: 0.2 }, scoreboard: { stuck_auto_remediation: true }, retries: { max_attempts: 2, backoff_seconds: 0 } },
    });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'quiet', command: ['sleep', '30'] }], { defaults: { agent: 'command', retries: { max_attempts: 2, backoff_seconds: 0 } } }));
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'quiet')).toMatchObject({ status: 'failed', attempts: 2 });
    const runId = stepOf(board, 'j', 'quiet').run_id;
    const state = JSON.parse((await server.ok('fetch_artifact', { run_id: runId, name: 'state' })).content);
    expect(state).toMatchObject({ failure_reason: 'stuck', message: expect.stringMatching(/^killed as stuck: no activity since/) });
    const meta = JSON.parse((await server.ok('fetch_artifact', { run_id: runId, name: 'meta' })).content);
    expect(meta.remediation).toMatchObject({ kind: 'stuck_killed' });
    const events = await server.ok('tail_events', { run_id: runId, lines: 20 });
    expect(events.events.map((e: any) => e.type)).toContain('harness.attempt.stuck_killed');
  });
});

describe('retention GC', () => {
  it('removes closed batches past retention with their worktrees, keeps open ones, and lists first with dry_run', async () => {
    const repo = await tempDir();
    const git = (...args: string[]) => promisify(execFile)('git', ['-C', repo, ...args]);
    await git('init', '-q');
    await writeFile(join(repo, 'f'), 'x');
    await git('add', '.');
    await git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
    const server = await HarnessServer.start({ config: { retention_policy: { keep_closed_batches_days: 0 } } });
    const closed = await server.submit({ ...oneJob(repo, [{ step_id: 'a', command: ['true'] }]), batch_id: 'closed' });
    const table = oneJob(repo, [{ step_id: 'a', command: ['true'] }]) as any;
    table.jobs[0].workspace_policy = 'isolated';
    const isolated = await server.submit({ ...table, batch_id: 'isolated' });
    await server.settled(closed);
    await server.settled(isolated);
    const open = await server.submit({ ...oneJob(repo, [{ step_id: 'long', command: ['sleep', '30'] }]), batch_id: 'open' });

    const dry = await server.ok('gc', { dry_run: true });
    expect(dry.removed.map((r: any) => r.batch_id).sort()).toEqual(['closed', 'isolated']);
    expect(dry.bytes_total).toBeGreaterThan(0);
    expect(dry.removed.find((r: any) => r.batch_id === 'isolated').worktrees).toHaveLength(1);
    await access(join(server.runsDir, 'closed')); // a dry run removes nothing

    const done = await server.ok('gc', {});
    expect(done.dry_run).toBe(false);
    expect(done.removed.map((r: any) => r.batch_id).sort()).toEqual(['closed', 'isolated']);
    await expect(access(join(server.runsDir, 'closed'))).rejects.toThrow(/ENOENT/);
    await expect(access(join(server.runsDir, 'isolated'))).rejects.toThrow(/ENOENT/);
    expect((await git('worktree', 'list')).stdout.trim().split('\n')).toHaveLength(1); // the repository forgot the worktree
    expect((await server.ok('list_batches')).batches.map((b: any) => b.batch_id)).toEqual(['open']);
    await server.ok('cancel_run', { batch_id: open });
  });
});
