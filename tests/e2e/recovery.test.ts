import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agent, eventually, goal, HarnessServer, stepOf, tempDir, isProcessAlive, oneJob } from './helpers/harness-server.js';

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
});
