import { cp, mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { codexEnv, report } from '../agents/codex-env.js';
import { agent, eventually, HarnessServer, isProcessAlive, oneJob, runCli, stepOf, tempDir, workDirIn } from '../servers/harness-server.js';
import { startRedis, type RedisServer } from '../servers/redis-server.js';
import { redisConnectionOf, redisPrefixOf } from '../../../src/distributed/index.js';
import { leaseKeyOf } from '../../../src/distributed/coordinator-lease.js';
import { WorkerProcess } from '../servers/worker-process.js';

/** Every attempt's state.json of a batch, read from the shared runs root, with its directory as `dir`. */
async function attemptStates(runsDir: string, batchId: string): Promise<any[]> {
  const states: any[] = [];
  const batchDir = join(runsDir, batchId);
  for (const job of await readdir(batchDir, { withFileTypes: true })) {
    if (!job.isDirectory()) continue;
    for (const step of await readdir(join(batchDir, job.name), { withFileTypes: true })) {
      if (!step.isDirectory() || step.name === 'workspace') continue;
      for (const attempt of await readdir(join(batchDir, job.name, step.name))) {
        const dir = join(batchDir, job.name, step.name, attempt);
        const text = await readFile(join(dir, 'state.json'), 'utf8').catch(() => undefined);
        if (text) states.push({ ...JSON.parse(text), dir });
      }
    }
  }
  return states;
}

async function coordinator(redis: RedisServer, config: Record<string, unknown> = {}): Promise<HarnessServer> {
  return HarnessServer.start({ args: ['--redis', redis.url], maxConcurrency: 16, config });
}

describe('distributed mode: a coordinator and worker processes over a real Redis', () => {
  it('runs a 200-step batch of command and codex steps on three workers, each attempt once, every result in the shared root', async () => {
    const redis = await startRedis();
    const codexSteps = ['one', 'two', 'three'];
    // The real codex CLI on each worker, against one scripted model; each worker has its own HOME with codex credentials.
    const codex = await codexEnv(codexSteps.map((name) => ({ when: `Write ${name}`, turns: [{ kind: 'shell', cmd: `echo ${name} > ${name}.txt` }, report(`wrote ${name}`)] })));
    const server = await coordinator(redis, codex.config);
    const workers = await Promise.all(
      ['w1', 'w2', 'w3'].map((runnerId) =>
        WorkerProcess.start({
          runsDir: server.runsDir,
          redisUrl: redis.url,
          runnerId,
          slots: 4,
          config: codex.config,
          env: { OPENAI_API_KEY: '', CODEX_API_KEY: '' },
          prepareHome: (home) => cp(join(codex.home, '.codex'), join(home, '.codex'), { recursive: true }),
        }),
      ),
    );
    const work = codex.workdir;
    const commands = (n: number) => Array.from({ length: n }, (_, i) => ({ step_id: `s${i}`, command: ['sh', '-c', 'echo "$HARNESS_STEP_ID"'] }));
    const table = {
      ...oneJob(work, []),
      jobs: [
        ...['a', 'b', 'c'].map((jobId) => ({ job_id: jobId, working_directory: work, steps: commands(50) })),
        { job_id: 'd', working_directory: work, steps: commands(47) },
        { job_id: 'x', working_directory: work, steps: codexSteps.map((name) => ({ step_id: name, agent: 'codex', prompt: `Write ${name}.txt` })) },
      ],
    };
    const batchId = await server.submit(table);
    const board = await server.settled(batchId, 300);

    const states = await attemptStates(server.runsDir, batchId);
    expect(states.filter((s) => s.status !== 'succeeded')).toEqual([]);
    expect(board.counts).toMatchObject({ succeeded: 200 });
    expect(states).toHaveLength(200); // one attempt per step: none ran twice, none was lost
    const byWorker = new Map<string, number>();
    for (const state of states) byWorker.set(state.runner_id, (byWorker.get(state.runner_id) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    console.log(`distributed: 200 steps (3 codex) over 3 workers: ${[...byWorker].map(([w, n]) => `${w} ${n}`).join(', ')}`);
    // current.json, which the coordinator keeps from the workers' reports, points at every success.
    for (const jobId of ['a', 'd', 'x']) {
      const current = JSON.parse(await readFile(join(server.runsDir, batchId, jobId, 'current.json'), 'utf8'));
      expect(Object.values(current.steps).every((s: any) => s.latest.status === 'succeeded' && s.latest_successful)).toBe(true);
    }
    const s7 = states.find((s) => s.job_id === 'a' && s.step_id === 's7');
    expect((await readFile(join(s7.dir, 'stdout.log'), 'utf8')).trim()).toBe('s7');
    // The codex steps: each ran the model's shell call in the job's directory, and reported; their sessions are resume bases.
    for (const name of codexSteps) {
      expect((await readFile(join(work, `${name}.txt`), 'utf8')).trim()).toBe(name);
      const step = states.find((s) => s.job_id === 'x' && s.step_id === name);
      expect(JSON.parse(await readFile(join(step.dir, 'final.json'), 'utf8')).report).toMatchObject({ status: 'success', summary: `wrote ${name}` });
      expect(step.thread_id).toEqual(expect.any(String));
    }
    const codexCurrent = JSON.parse(await readFile(join(server.runsDir, batchId, 'x', 'current.json'), 'utf8'));
    expect(codexCurrent.steps.one.latest.resume_base_dir).toEqual(expect.any(String));
    for (const worker of workers) expect(worker.exited).toBe(false);
  });

  it('carries a cancel to the worker that runs the attempt, and kills its process', async () => {
    const redis = await startRedis();
    const server = await coordinator(redis);
    await WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId: 'w1' });
    const work = await workDirIn(await tempDir());
    const batchId = await server.submit(oneJob(work, [{ step_id: 'hang', command: ['sleep', '600'] }]));
    const running = await eventually(async () => (await attemptStates(server.runsDir, batchId)).find((s) => s.status === 'running' && s.pid), 'the step running on the worker');
    const started = performance.now();
    const answer = await server.ok('cancel_run', { run_id: running.run_id });
    const ms = performance.now() - started;
    console.log(`distributed: cancel reached the worker's attempt and it ended in ${ms.toFixed(0)} ms`);
    expect(answer.canceled).toEqual([running.run_id]);
    const state = JSON.parse(await readFile(join(running.dir, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ status: 'canceled', failure_reason: 'canceled', runner_id: 'w1' });
    expect(await isProcessAlive(running.pid)).toBe(false);
  });

  /**
   * Two workers of one slot and a short lock, and a step whose first attempt hangs (the retry
   * finds the marker it left and succeeds); answers once the first attempt runs.
   */
  async function hangingFirstAttempt(workerIds = ['w1', 'w2'], exclusive = true) {
    const redis = await startRedis();
    const lock = { runners: { heartbeat_write_interval_seconds: 0.2, worker_lock_seconds: 2 } };
    const server = await coordinator(redis, { ...lock, retries: { max_attempts: 2, backoff_seconds: 0.1 } });
    const workers = await Promise.all(workerIds.map((runnerId) => WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId, slots: 1, config: lock })));
    const work = await workDirIn(await tempDir());
    // `exclusive`: each run holds a lock on the step while it runs (the sleep inherits it), and a run beside another writes DOUBLE.
    const [lockFile, ledger] = [join(work, '..', 'step.lock'), join(work, '..', 'ledger')];
    const hold = exclusive ? 'exec 9>"$0"; if ! flock -n 9; then echo DOUBLE >> "$1"; exit 97; fi; ' : '';
    const script = `${hold}echo start >> "$1"; if [ -e marker ]; then echo retried; exit 0; fi; touch marker; exec sleep 600`;
    const batchId = await server.submit(oneJob(work, [{ step_id: 'once', command: ['sh', '-c', script, lockFile, ledger] }]));
    const first = await eventually(async () => (await attemptStates(server.runsDir, batchId)).find((s) => s.status === 'running' && s.pid), 'the first attempt running');
    // A process a lost worker left is beyond the coordinator's reach (another machine); the test stops it.
    onTestFinished(async () => void ((await isProcessAlive(first.pid)) && process.kill(first.pid, 'SIGKILL')));
    const ledgerLines = async () => (await readFile(ledger, 'utf8')).trim().split('\n');
    return { server, redis, lock, batchId, first, ledgerLines, worker: workers.find((w) => w.runnerId === first.runner_id)! };
  }

  /** The step's two attempts: the first ended runner_lost on `lost`, the retry's success kept. */
  async function expectLostThenRetried(server: HarnessServer, batchId: string, lost: WorkerProcess): Promise<void> {
    const states = (await attemptStates(server.runsDir, batchId)).sort((a, b) => a.attempt - b.attempt);
    expect(states).toHaveLength(2);
    expect(states[0]).toMatchObject({ status: 'failed', failure_reason: 'runner_lost', runner_id: lost.runnerId });
    expect(states[1]).toMatchObject({ status: 'succeeded', trigger: 'auto_retry' });
    expect(states[1].runner_id).not.toBe(lost.runnerId);
    expect(await readFile(join(states[1].dir, 'stdout.log'), 'utf8')).toBe('retried\n');
    const current = JSON.parse(await readFile(join(server.runsDir, batchId, 'j', 'current.json'), 'utf8'));
    expect(current.steps.once.latest).toMatchObject({ run_id: states[1].run_id, status: 'succeeded' });
  }

  it('ends the attempt of a worker killed mid-attempt runner_lost, kills what it left running, and retries it on another worker, never beside it', async () => {
    const { server, batchId, first, worker, ledgerLines } = await hangingFirstAttempt();
    await worker.stop('SIGKILL');
    // The worker's guardian kills the attempt it left, long before its lock (2 s) runs out.
    await eventually(async () => ((await isProcessAlive(first.pid)) ? undefined : true), 'the dead worker\'s attempt killed');
    const board = await server.settled(batchId, 60);
    expect(stepOf(board, 'j', 'once')).toMatchObject({ status: 'succeeded', attempts: 2 });
    await expectLostThenRetried(server, batchId, worker);
    expect(await ledgerLines()).toEqual(['start', 'start']); // two runs, one after the other: no DOUBLE
  });

  it('ends the attempt of the only worker, killed, runner_lost with no worker left, and a worker started later runs the retry', async () => {
    const { server, redis, lock, batchId, worker, ledgerLines } = await hangingFirstAttempt(['w1']);
    await worker.stop('SIGKILL');
    // The coordinator's own stalled check and its look at the queue find the order no worker will fail.
    await eventually(async () => ((await attemptStates(server.runsDir, batchId)).some((s) => s.failure_reason === 'runner_lost') ? true : undefined), 'the attempt ended runner_lost');
    await WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId: 'w2', slots: 1, config: lock });
    const board = await server.settled(batchId, 60);
    expect(stepOf(board, 'j', 'once')).toMatchObject({ status: 'succeeded', attempts: 2 });
    await expectLostThenRetried(server, batchId, worker);
    expect(await ledgerLines()).toEqual(['start', 'start']);
  });

  it('refuses the late writes of a worker stopped past its lock, kills its process group, and keeps the retry', async () => {
    // A stopped worker cannot kill what it runs until it runs again: the retry starts beside it, by design.
    const { server, batchId, first, worker } = await hangingFirstAttempt(['w1', 'w2'], false);
    process.kill(worker.pid, 'SIGSTOP');
    const board = await server.settled(batchId, 60);
    expect(stepOf(board, 'j', 'once')).toMatchObject({ status: 'succeeded', attempts: 2 });
    process.kill(worker.pid, 'SIGCONT');

    // Its hold fails to renew: it kills the attempt's process group, and its writes are refused.
    await eventually(async () => ((await isProcessAlive(first.pid)) ? undefined : true), 'the stale attempt killed', 15_000);
    await expectLostThenRetried(server, batchId, worker);
  });

  it('loses nothing when Redis restarts mid-batch (AOF on), and the batch finishes', async () => {
    const redis = await startRedis();
    const server = await coordinator(redis, { retries: { max_attempts: 2, backoff_seconds: 0.1 } });
    await Promise.all(['w1', 'w2'].map((runnerId) => WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId, slots: 4 })));
    const work = await workDirIn(await tempDir());
    const steps = Array.from({ length: 60 }, (_, i) => ({ step_id: `s${i}`, command: ['sh', '-c', 'sleep 0.2; echo "$HARNESS_STEP_ID"'] }));
    const batchId = await server.submit(oneJob(work, steps));
    await eventually(async () => ((await attemptStates(server.runsDir, batchId)).filter((s) => s.status === 'succeeded').length >= 15 ? true : undefined), 'a quarter of the batch done');
    await redis.restart();
    const board = await server.settled(batchId, 180);

    expect(board.counts).toMatchObject({ succeeded: 60 });
    const states = await attemptStates(server.runsDir, batchId);
    console.log(`distributed: Redis restarted mid-batch: 60 of 60 steps succeeded in ${states.length} attempts (${states.filter((s) => s.failure_reason === 'runner_lost').length} runner_lost)`);
    for (const state of states.filter((s) => s.status === 'succeeded')) expect((await readFile(join(state.dir, 'stdout.log'), 'utf8')).trim()).toBe(state.step_id);
  });

  it('hands the batch to a second coordinator within the lease time when the first is SIGKILLed; the attempts under way go on, none runs twice', async () => {
    const redis = await startRedis();
    const config = { runners: { heartbeat_write_interval_seconds: 0.2, coordinator_lease_seconds: 2 }, retries: { max_attempts: 2, backoff_seconds: 0.1 } };
    const first = await coordinator(redis, config);
    const second = await HarnessServer.start({ runsDir: first.runsDir, args: ['--redis', redis.url], maxConcurrency: 16, config });
    // It waits read-only, naming the holder of the lease.
    await eventually(async () => (new RegExp(`is run by another server \\(.*pid ${first.pid} on .*, fence \\d+\\)`).test(second.stderr) ? true : undefined), 'the second coordinator waiting');
    await Promise.all(['w1', 'w2'].map((runnerId) => WorkerProcess.start({ runsDir: first.runsDir, redisUrl: redis.url, runnerId, slots: 4 })));
    const dir = await tempDir();
    const [locks, ledger] = [join(dir, 'locks'), join(dir, 'ledger')];
    await mkdir(locks);
    const work = await workDirIn(dir);
    // 3 s each: attempts handed out before the kill still run when the second coordinator takes over.
    const steps = Array.from({ length: 24 }, (_, i) => ({ step_id: `s${i}`, command: [agent('chaos-step.sh'), locks, ledger, `s${i}`, '3', '0'] }));
    const batchId = await first.submit(oneJob(work, steps));
    await eventually(async () => ((await attemptStates(first.runsDir, batchId)).filter((s) => s.status === 'running').length >= 4 ? true : undefined), 'attempts running on the workers');

    process.kill(first.pid, 'SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => (/holds the coordinator lease/.test(second.stderr) ? true : undefined), 'the second coordinator holding the lease', 15_000);
    const takeoverMs = Date.now() - killedAt;
    const board = await second.settled(batchId, 120);

    expect(board.counts).toMatchObject({ succeeded: 24 });
    const states = await attemptStates(first.runsDir, batchId);
    // The attempts the workers ran through the takeover were adopted, not ended: one attempt per step.
    expect(states.filter((s) => s.status !== 'succeeded')).toEqual([]);
    expect(states).toHaveLength(24);
    const lines = (await readFile(ledger, 'utf8')).trim().split('\n');
    expect(lines.filter((l) => l.startsWith('DOUBLE'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('end'))).toHaveLength(24);
    const current = JSON.parse(await readFile(join(first.runsDir, batchId, 'j', 'current.json'), 'utf8'));
    expect(Object.values(current.steps).filter((s: any) => s.latest.status !== 'succeeded')).toEqual([]);
    const adopted = /took over (\d+) attempt/.exec(second.stderr)?.[1];
    expect(Number(adopted)).toBeGreaterThan(0);
    // Within the lease (2 s) plus the waiting coordinator's next try (every 400 ms) and its start-up.
    expect(takeoverMs).toBeLessThan(2000 + 3000);
    console.log(`distributed: coordinator SIGKILLed mid-batch: the second took over in ${takeoverMs} ms (lease 2 s), adopted ${adopted} attempts under way; 24 of 24 steps in 24 attempts, 0 run twice`);
  });

  it('steps down at once when its lease is lost, serving read-only; whoever takes the lease next adopts the attempts under way', async () => {
    const redis = await startRedis();
    const config = { runners: { heartbeat_write_interval_seconds: 0.2, coordinator_lease_seconds: 2 }, retries: { max_attempts: 2, backoff_seconds: 0.1 } };
    const first = await coordinator(redis, config);
    const second = await HarnessServer.start({ runsDir: first.runsDir, args: ['--redis', redis.url], maxConcurrency: 16, config });
    await WorkerProcess.start({ runsDir: first.runsDir, redisUrl: redis.url, runnerId: 'w1', slots: 4 });
    const dir = await tempDir();
    const [locks, ledger] = [join(dir, 'locks'), join(dir, 'ledger')];
    await mkdir(locks);
    const work = await workDirIn(dir);
    const steps = Array.from({ length: 12 }, (_, i) => ({ step_id: `s${i}`, command: [agent('chaos-step.sh'), locks, ledger, `s${i}`, '1', '0'] }));
    const batchId = await first.submit(oneJob(work, steps));
    await eventually(async () => ((await attemptStates(first.runsDir, batchId)).some((s) => s.status === 'running') ? true : undefined), 'an attempt running');

    // The lease vanishes from under it (as after a failover to a replica that had not seen it).
    const client = new Redis(redisConnectionOf(redis.url).options);
    onTestFinished(() => void client.disconnect());
    expect(await client.del(leaseKeyOf(redisPrefixOf(await realpath(first.runsDir))))).toBe(1);
    await eventually(async () => (/lost the coordinator lease/.test(first.stderr) ? true : undefined), 'the first coordinator stepping down');
    // Either may take the lease next (the first tries again too); the other serves read-only.
    await eventually(async () => (/adopted|took over \d+ attempt/.test(first.stderr + second.stderr) ? true : undefined), 'a coordinator adopting the attempts');
    const board = await second.settled(batchId, 120);
    expect(board.counts).toMatchObject({ succeeded: 12 });
    const states = await attemptStates(first.runsDir, batchId);
    expect(states.filter((s) => s.status !== 'succeeded')).toEqual([]);
    expect(states).toHaveLength(12);
    expect((await readFile(ledger, 'utf8')).split('\n').filter((l) => l.startsWith('DOUBLE'))).toEqual([]);
    const fences = [...(first.stderr + second.stderr).matchAll(/holds the coordinator lease .* \(fencing token (\d+)\)/g)].map((m) => Number(m[1]));
    // Two holders one after the other, the second with a higher token (a try that got the lease but not yet the runs-root lock gave its token back).
    expect(fences).toHaveLength(2);
    expect(fences[1]).toBeGreaterThan(fences[0]!);
  });

  it('lists every worker in the system scoreboard, and a drained worker takes no new attempts while another does', async () => {
    const redis = await startRedis();
    const server = await coordinator(redis, { runners: { heartbeat_write_interval_seconds: 0.2, health_interval_seconds: 0.2 } });
    const config = { runners: { heartbeat_write_interval_seconds: 0.2, health_interval_seconds: 0.2 } };
    await Promise.all(['w1', 'w2'].map((runnerId) => WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId, slots: 3, agents: ['command'], config })));
    const system = await server.ok('get_scoreboard', { detail: 'full' });
    const workers = system.runners.filter((r: any) => r.mode === 'worker');
    expect(workers.map((r: any) => r.runner_id)).toEqual(['w1', 'w2']);
    expect(workers[0]).toMatchObject({ capacity: 3, running: 0, agents: ['command'], drain: false, updated_at: expect.any(String) });

    const work0 = await tempDir();
    const drained = await runCli(work0, ['drain', '--runs-dir', server.runsDir, '--runner-id', 'w1']);
    expect(drained).toMatchObject({ code: 0, stdout: expect.stringContaining('draining worker w1') });
    await eventually(async () => {
      const board = await server.ok('get_scoreboard', { detail: 'full' });
      return board.runners.find((r: any) => r.runner_id === 'w1' && r.drain && /^draining/.test(r.paused_reason ?? '')) ? true : undefined;
    }, 'w1 draining');
    const status = await runCli(work0, ['status', '--runs-dir', server.runsDir]);
    expect(status.stdout).toMatch(/worker w1 \(pid \d+ on .+\): 0 of 3 running, takes command, last seen \S+; new attempts are held back: draining/);
    expect(status.stdout).toMatch(/worker w2 \(pid \d+ on .+\): 0 of 3 running, takes command, last seen \S+\n/);
    const work = await workDirIn(await tempDir());
    const batchId = await server.submit(oneJob(work, Array.from({ length: 12 }, (_, i) => ({ step_id: `s${i}`, command: ['true'] }))));
    await server.settled(batchId, 60);
    const states = await attemptStates(server.runsDir, batchId);
    expect(states.map((s) => s.runner_id)).toEqual(Array(12).fill('w2'));

    // The tool undrains w1; a third worker started with --drain takes nothing until it is undrained too.
    expect(await server.ok('set_drain', { drain: false, runner_id: 'w1' })).toMatchObject({ runner_id: 'w1', mode: 'worker' });
    await WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId: 'w3', slots: 3, agents: ['command'], config, drain: true });
    const more = await server.submit(oneJob(work, Array.from({ length: 12 }, (_, i) => ({ step_id: `s${i}`, command: ['true'] }))));
    await server.settled(more, 60);
    const moreStates = await attemptStates(server.runsDir, more);
    expect(moreStates.some((s) => s.runner_id === 'w1')).toBe(true);
    expect(moreStates.some((s) => s.runner_id === 'w3')).toBe(false);
    expect((await server.ok('get_scoreboard', { detail: 'full' })).runners.find((r: any) => r.runner_id === 'w3')).toMatchObject({ drain: true });

    const unknown = await runCli(work0, ['drain', '--runs-dir', server.runsDir, '--runner-id', 'w9']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('No worker `w9`; `harness-mcp status` lists the workers') });
    const refused = await server.error('set_drain', { drain: true, runner_id: 'w9' });
    expect(refused).toMatchObject({ code: 'not_found', text: expect.stringContaining('No worker `w9`; get_scoreboard without a batch lists the workers') });
    expect(await server.error('set_drain', { drain: true, runner_id: '../w1' })).toMatchObject({ code: 'not_found' });
    expect(await readdir(join(server.runsDir, '_system', 'runners'))).not.toContain('w9');
  });

  it('never gives a step of an agent a worker does not have to that worker', async () => {
    const redis = await startRedis();
    const server = await coordinator(redis, { agents: { claude: { command: 'claude-not-installed-here' } } });
    await WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId: 'commands-only', agents: ['command'] });
    const work = await workDirIn(await tempDir());
    const table = oneJob(work, [
      { step_id: 'cmd', command: ['true'] },
      { step_id: 'ask', agent: 'claude', prompt: 'say hello' },
    ]);
    const batchId = await server.submit(table);
    await eventually(async () => {
      const board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
      return stepOf(board, 'j', 'cmd').status === 'succeeded' ? board : undefined;
    }, 'the command step done');
    const board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(stepOf(board, 'j', 'ask').status).not.toBe('running');
    const states = await attemptStates(server.runsDir, batchId);
    const ask = states.filter((s) => s.step_id === 'ask');
    expect(ask).toHaveLength(1); // handed out, and taken by nobody
    expect(ask[0]).toMatchObject({ status: 'queued', runner_id: null });
  });

  it('refuses a worker whose --agents names a CLI it does not have, and a --redis with a password', async () => {
    const redis = await startRedis();
    const server = await coordinator(redis);
    await expect(WorkerProcess.start({ runsDir: server.runsDir, redisUrl: redis.url, runnerId: 'w', agents: ['gemini'], config: { agents: { gemini: { command: 'gemini-not-here' } } } })).rejects.toThrow(/gemini is named, but its CLI "gemini-not-here" is not found here/);
    await expect(WorkerProcess.start({ runsDir: server.runsDir, redisUrl: `redis://u:secret@127.0.0.1:${redis.port}`, runnerId: 'w' })).rejects.toThrow(/must not carry the password.*HARNESS_REDIS_PASSWORD/);
  });

  it('refuses a coordinator whose Redis cannot be reached, and writes nothing', async () => {
    const dir = await tempDir();
    const redis = await startRedis();
    await redis.stop(); // a port nothing listens on now
    const runsDir = join(dir, 'runs');
    const result = await runCli(dir, ['serve', '--runs-dir', runsDir, '--redis', redis.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${redis.port}`);
    await expect(readdir(runsDir)).rejects.toThrow(/ENOENT/);
  });
});
