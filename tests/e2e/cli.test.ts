import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { agent, CLI, eventually, HarnessServer, oneJob, tempDir, TEST_CONFIG } from './helpers/harness-server.js';

const exec = promisify(execFile);

/** Runs the CLI to its end; never throws, so exit codes can be asserted. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, HARNESS_RUNS_DIR: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function setup() {
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  return { dir, runs: join(dir, 'runs'), config };
}

describe('the terminal CLI', () => {
  it('runs a batch to the end for CI, writes JUnit, and exits 0 only when every step succeeded', async () => {
    const { dir, runs, config } = await setup();
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ ...oneJob(dir, [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]), batch_id: 'good' }));
    const ok = await cli(['run', good, '--runs-dir', runs, '--config', config, '--junit', join(dir, 'good.xml')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('good: 2 succeeded (settled)');
    const xml = await readFile(join(dir, 'good.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="good" tests="2" failures="0"');
    expect(xml).toMatch(/<testcase classname="good\.j" name="b" time="[\d.]+"\/>/);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...oneJob(dir, [{ step_id: 'x', command: [agent('exit-with.sh'), '4', 'broken <build>'] }, { step_id: 'y', command: ['true'], depends_on: ['x'] }]), batch_id: 'bad' }));
    const failed = await cli(['run', bad, '--runs-dir', runs, '--config', config, '--junit', join(dir, 'bad.xml')]);
    expect(failed.code).toBe(1);
    const badXml = await readFile(join(dir, 'bad.xml'), 'utf8');
    expect(badXml).toContain('tests="2" failures="1" skipped="1"');
    expect(badXml).toContain('<failure type="failed" message="exited 4; output ends: broken &lt;build&gt;"');
    expect(badXml).toContain('<skipped message="blocked: ');

    const refused = await cli(['run', join(dir, 'nope.json'), '--runs-dir', runs]);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a readable JSON launch table') });
  });

  it('shows status, prints logs, and gc removes what run left, from the terminal', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify({ ...oneJob(dir, [{ step_id: 'hello', command: ['sh', '-c', 'echo hello from the step'] }]), batch_id: 'term' }));
    expect((await cli(['run', table, '--runs-dir', runs, '--config', config])).code).toBe(0);

    const all = await cli(['status', '--runs-dir', runs]);
    expect(all.stdout).toMatch(/1 batches in .*: 1 succeeded/);
    const one = await cli(['status', 'term', '--runs-dir', runs, '--json']);
    const board = JSON.parse(one.stdout);
    expect(board).toMatchObject({ batch_id: 'term', settled: true });
    const runId = board.steps[0].run_id;
    expect((await cli(['logs', runId, '--runs-dir', runs])).stdout).toBe('hello from the step\n');
    expect((await cli(['logs', runId, '--runs-dir', runs, '--stream', 'events'])).stdout).toContain('harness.attempt.ended');
    expect(await cli(['status', 'nope', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: expect.stringContaining('No batch `nope`') });

    await writeFile(config, JSON.stringify({ ...TEST_CONFIG, retention_policy: { keep_closed_batches_days: 0 } }));
    const dry = await cli(['gc', '--dry-run', '--runs-dir', runs, '--config', config]);
    expect(dry.stdout).toMatch(/would remove .*term \(\d+ bytes\)\n1 batches, \d+ bytes \(dry run: nothing removed\)/);
    await access(join(runs, 'term'));
    expect((await cli(['gc', '--runs-dir', runs, '--config', config])).code).toBe(0);
    await expect(access(join(runs, 'term'))).rejects.toThrow(/ENOENT/);
  });

  it('drains and undrains a running server through the drain file', async () => {
    const server = await HarnessServer.start({ config: { runners: { health_interval_seconds: 0.2 } } });
    expect((await cli(['drain', '--runs-dir', server.runsDir])).stdout).toContain('draining');
    await expect.poll(async () => (await server.ok('get_scoreboard')).runners[0].drain, { timeout: 10_000 }).toBe(true);
    await cli(['undrain', '--runs-dir', server.runsDir]);
    await expect.poll(async () => (await server.ok('get_scoreboard')).runners[0].drain, { timeout: 10_000 }).toBe(false);
  });

  it('refuses gc while another server owns the runs root, saying which', async () => {
    const server = await HarnessServer.start();
    const refused = await cli(['gc', '--runs-dir', server.runsDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`(pid ${server.pid})`);
  });
});

describe('the terminal CLI with a server running', () => {
  it('submits through the queue and follows the batch to the end', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const table = join(dir, 'follow.json');
    await writeFile(table, JSON.stringify({ ...oneJob(dir, [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]), batch_id: 'followed' }));
    const followed = await cli(['submit', table, '--follow', '--runs-dir', server.runsDir]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toMatch(/queued follow-[0-9a-f]{6}\.json[\s\S]*accepted as followed/);
    expect(followed.stdout).toContain('followed: 2 succeeded (settled)');

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ batch_goal_summary: 'short', jobs: [] }));
    const rejected = await cli(['submit', bad, '--follow', '--runs-dir', server.runsDir]);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/batch_goal_summary: has 1 words/);
  });

  it('follows the logs of a running step until it ends', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'talk', command: ['sh', '-c', 'for i in 1 2 3 4; do echo line $i; sleep 0.3; done'] }]));
    const runId = await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).running.items[0]?.run_id as string | undefined, 'the step to run');
    const followed = await cli(['logs', runId, '--follow', '--runs-dir', server.runsDir]);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\n');
  });

  it('cancels and retries through the server that runs the runs root', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'hang', command: [agent('hang.sh')] }]));
    await expect.poll(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running, { timeout: 10_000 }).toBe(1);
    const canceled = await cli(['cancel', '--batch', batchId, '--runs-dir', server.runsDir, '--json']);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(JSON.parse(canceled.stdout).canceled).toHaveLength(1);
    const retried = await cli(['retry', batchId, 'j', 'hang', '--runs-dir', server.runsDir, '--json']);
    expect(JSON.parse(retried.stdout).run_ids).toHaveLength(1);
    const unknown = await cli(['retry', batchId, 'j', 'nope', '--runs-dir', server.runsDir]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('No step `nope`') });
    await server.ok('cancel_run', { batch_id: batchId });
  });
});
