import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttemptsIndexSchema } from '../../src/core/index.js';
import { agent, eventually, goal, HarnessServer, stepOf, tempDir, isProcessAlive, oneJob, whenDone } from './servers/harness-server.js';

async function attemptStates(runsDir: string, batchId: string, jobId: string, stepId: string): Promise<any[]> {
  const stepDir = join(runsDir, batchId, jobId, stepId);
  const dirs = (await readdir(stepDir).catch(() => [])).sort();
  return Promise.all(dirs.map(async (d) => JSON.parse(await readFile(join(stepDir, d, 'state.json'), 'utf8'))));
}

describe('restart recovery', () => {
  it('finishes a batch after the server is SIGKILLed mid-run, recording runner_lost and retrying', async () => {
    const dir = await tempDir();
    const marker = join(dir, 'second-run');
    const first = await HarnessServer.start({ maxConcurrency: 2 });
    // `slow` hangs on its first attempt and succeeds on its retry (a marker file tells them apart).
    const slow = ['sh', '-c', `if [ -e ${marker} ]; then echo retried; else touch ${marker}; echo $$ > ${dir}/slow.pid; exec sleep 100000; fi`];
    const batchId = await first.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command', retries: { max_attempts: 2, backoff_seconds: 0 } },
      jobs: [
        {
          job_id: 'j',
          working_directory: dir,
          steps: [
            { step_id: 'quick', command: ['true'] },
            { step_id: 'slow', command: slow },
            { step_id: 'after', command: ['true'], depends_on: ['slow', 'quick'] },
          ],
        },
      ],
    });
    const orphan = Number(await eventually(() => readFile(join(dir, 'slow.pid'), 'utf8').catch(() => undefined), 'slow to start'));
    await eventually(async () => (await first.ok('get_scoreboard', { batch_id: batchId })).counts.succeeded === 1 || undefined, 'quick to finish');
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => !(await isProcessAlive(first.pid)) || undefined, 'the server to die');
    expect(await isProcessAlive(orphan)).toBe(true); // a SIGKILLed server cannot take its children down

    const second = await HarnessServer.start({ runsDir: first.runsDir, maxConcurrency: 2 });
    const board = await second.settled(batchId);
    expect(board.counts).toMatchObject({ succeeded: 3, failed: 0 });
    expect(await isProcessAlive(orphan)).toBe(false); // the restart killed what the dead server left running

    const slowStates = await attemptStates(second.runsDir, batchId, 'j', 'slow');
    expect(slowStates.map((s) => [s.status, s.failure_reason, s.trigger])).toEqual([
      ['failed', 'runner_lost', 'initial'],
      ['succeeded', null, 'auto_retry'],
    ]);
    expect(slowStates[0].message).toMatch(/is gone; ended at restart/);
    expect(stepOf(board, 'j', 'quick').attempts).toBe(1); // what had finished is not run again
    const current = JSON.parse(await readFile(join(second.runsDir, batchId, 'j', 'current.json'), 'utf8'));
    expect(current.steps.slow.latest).toMatchObject({ run_id: slowStates[1].run_id, status: 'succeeded' });
    expect(current.steps.after.latest_successful.status).toBe('succeeded');
  });

  it('kills the process of an attempt whose state.json was torn, before its retry starts', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const pidFile = join(dir, 'hang.pid');
    const batchId = await first.submit(oneJob(dir, [{ step_id: 'hang', command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 100000`] }]));
    const orphan = Number(await eventually(() => readFile(pidFile, 'utf8').catch(() => undefined), 'the step to start'));
    whenDone(async () => (await isProcessAlive(orphan)) && process.kill(orphan, 'SIGKILL')); // should this test fail
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => !(await isProcessAlive(first.pid)) || undefined, 'the server to die');
    // A torn write leaves state.json empty: the pid went with it.
    const stepDir = join(first.runsDir, batchId, 'j', 'hang');
    const [attemptDir] = await readdir(stepDir);
    await writeFile(join(stepDir, attemptDir!, 'state.json'), '');

    const second = await HarnessServer.start({ runsDir: first.runsDir });
    await eventually(async () => (await isProcessAlive(orphan)) === false || undefined, 'the orphan to be killed');
    const [ended] = await attemptStates(second.runsDir, batchId, 'j', 'hang');
    expect(ended).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
    await second.ok('cancel_run', { batch_id: batchId });
  });

  it('ends running attempts as runner_lost when the server is shut down, and retries them at the next start', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const batchId = await first.submit(oneJob(dir, [{ step_id: 'hang', command: [agent('hang.sh'), join(dir, 'pid')] }], { defaults: { agent: 'command', retries: { max_attempts: 1 } } }));
    const pid = Number(await eventually(() => readFile(join(dir, 'pid'), 'utf8').catch(() => undefined), 'hang to start'));
    await first.stop();
    expect(await isProcessAlive(pid)).toBe(false);
    const [lost] = await attemptStates(first.runsDir, batchId, 'j', 'hang');
    expect(lost).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
  });
});

describe('two servers on one runs root', () => {
  it('serves the second read-only with a clear refusal, and lets it take over when the first stops', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const second = await HarnessServer.start({ runsDir: first.runsDir });
    const table = oneJob(dir, [{ step_id: 'a', command: ['true'] }]);
    const batchId = await first.submit(table);
    const refused = await second.error('submit_batch', table);
    expect(refused.code).toBe('runs_locked');
    expect(refused.text).toContain(`(pid ${first.pid})`);
    expect(refused.text).toMatch(/read-only.*different --runs-dir/s);

    // It still reads what the owner writes.
    const board = await second.settled(batchId);
    expect(board.counts.succeeded).toBe(1);
    expect((await second.ok('get_scoreboard', {})).runners[0]).toMatchObject({ mode: 'read_only' });

    await first.stop();
    const takenOver = await eventually(async () => {
      const result = await second.call('submit_batch', table);
      return result.isError ? undefined : (result.structuredContent as { batch_id: string });
    }, 'the second server to take over');
    expect((await second.settled(takenOver.batch_id)).counts.succeeded).toBe(1);
  });

  it('indexes a settled batch in one file, reads it back at restart, and drops it before the batch gets a new attempt', async () => {
    const dir = await tempDir();
    const first = await HarnessServer.start();
    const batchId = await first.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['sh', '-c', 'exit 3'], depends_on: ['a'] }]));
    const before = await first.settled(batchId);
    const indexFile = join(first.runsDir, batchId, 'attempts_index.json');
    const index = AttemptsIndexSchema.parse(await eventually(async () => JSON.parse(await readFile(indexFile, 'utf8')), 'the attempts index'));
    expect(index.attempts.map((a) => [a.state.step_id, a.state.status]).sort()).toEqual([['a', 'succeeded'], ['b', 'failed']]);
    await first.stop();

    // A restart takes the attempts from the index: an attempt directory the index does not name
    // (planted here) is not seen, which proves the index was read.
    const planted = join(first.runsDir, batchId, 'j', 'a', '20991231T000000000Z_0123456789abcdef');
    await mkdir(planted);
    const second = await HarnessServer.start({ runsDir: first.runsDir });
    const after = await second.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(after.steps.map((s: any) => [s.step_id, s.status, s.attempts])).toEqual(before.steps.map((s: any) => [s.step_id, s.status, s.attempts]));
    await rm(planted, { recursive: true });

    // A retry removes the index before it makes the new attempt, and the batch is indexed again once it settles.
    await second.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'b' });
    const settledAgain = await second.settled(batchId);
    expect(stepOf(settledAgain, 'j', 'b').attempts).toBe(2);
    const reindexed = await eventually(async () => {
      const again = AttemptsIndexSchema.parse(JSON.parse(await readFile(indexFile, 'utf8')));
      return again.attempts.length === 3 ? again : undefined;
    }, 'the batch to be indexed again with the retry');
    expect(reindexed.attempts.filter((a) => a.state.step_id === 'b')).toHaveLength(2);
  });
});
