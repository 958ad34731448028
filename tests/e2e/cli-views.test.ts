import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { agent, CLI, cliEnv, eventually, HarnessServer, oneJob, tempDir, TEST_CONFIG, runCli, treeSnapshot, workDirIn } from './servers/harness-server.js';

const cli = runCli;

/** Starts the CLI in the background, for commands that run until something else happens; stopped at the test's end. */
function startCli(cwd: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cliEnv() });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
  });
  return { out, exited };
}

async function setup() {
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  return { dir, runs: join(dir, 'runs'), config };
}

const REPORTING_STEP = `echo "build log <ok>"; echo "a warning" >&2; printf '{"status":"success","summary":"Built the greeting"}' > "$HARNESS_FINAL_PATH"`;

describe('terminal views of a batch', () => {
  it('shows per step the attempts, the duration and the report summary, and failure lines name harness-mcp logs', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 'views.json');
    await writeFile(
      table,
      JSON.stringify({
        ...oneJob(await workDirIn(dir), [
          { step_id: 'report', command: ['sh', '-c', REPORTING_STEP] },
          { step_id: 'flaky', command: [agent('fail-until.sh'), join(dir, 'counter'), '2'], retries: { max_attempts: 2, backoff_seconds: 0 } },
          { step_id: 'broken', command: [agent('exit-with.sh'), '4', 'broken <build>'] },
          { step_id: 'after', command: ['true'], depends_on: ['broken'] },
          { step_id: 'loud', command: ['sh', '-c', "head -c 100000 /dev/zero | tr '\\0' a; echo END"] },
        ]),
        batch_id: 'views',
      }),
    );
    const ran = await cli(dir, ['run', table, '--runs-dir', runs, '--config', config, '--junit', join(dir, 'views.xml')]);
    expect(ran.code, ran.stderr).toBe(1);

    const board = JSON.parse((await cli(dir, ['status', 'views', '--runs-dir', runs, '--json'])).stdout);
    const runOf = (stepId: string): string => board.steps.find((s: { step_id: string }) => s.step_id === stepId).run_id;
    expect(ran.stdout).toContain(`1 × exit_nonzero: exited 4; output ends: broken <build> (e.g. j/broken; logs: harness-mcp logs ${runOf('broken')} --stream stderr)`);

    const shown = await cli(dir, ['status', 'views', '--runs-dir', runs]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe('views: 1 blocked, 3 succeeded, 1 failed (settled)');
    expect(lines[1]).toContain(`logs: harness-mcp logs ${runOf('broken')} --stream stderr`);
    expect(shown.stdout).toMatch(new RegExp(`  j/report +succeeded +1 attempt +\\d+\\.\\d s +${runOf('report')} Built the greeting\\n`));
    expect(shown.stdout).toMatch(new RegExp(`  j/flaky +succeeded +2 attempts +\\d+\\.\\d s +${runOf('flaky')} exited 0; output ends: attempt 2 ok\\n`));
    expect(shown.stdout).toMatch(new RegExp(`  j/broken +failed +1 attempt +\\d+\\.\\d s +${runOf('broken')} exited 4; output ends: broken <build>\\n`));
    expect(shown.stdout).toMatch(/ {2}j\/after +blocked +0 attempts +\(dependency `broken` ended failed/);
    // A settled batch has nothing left to start, so no word of pauses.
    expect(shown.stdout).not.toContain('held back');

    const xml = await readFile(join(dir, 'views.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="views" tests="5" failures="1" skipped="1"');
    expect(xml).toMatch(/<testcase classname="views\.j" name="report" time="[\d.]+">\n {6}<system-out>build log &lt;ok&gt;\n<\/system-out>\n {6}<system-err>a warning\n<\/system-err>\n {4}<\/testcase>/);
    expect(xml).toContain('<failure type="failed" message="exited 4; output ends: broken &lt;build&gt;"');
    expect(xml).toMatch(/<testcase classname="views\.j" name="after" time="0\.000">\n {6}<skipped message="blocked: dependency `broken` ended failed[^"]*"\/>\n {4}<\/testcase>/);
    expect(xml).not.toContain('<failure type="blocked"');
    // A long output is cut to its last 64 KiB, and says where the rest is.
    const loud = /name="loud"[^>]*>\n {6}<system-out>([\s\S]*?)<\/system-out>/.exec(xml)?.[1];
    const marker = `[only the last 64 KiB; all of it: harness-mcp logs ${runOf('loud')} --stream stdout]\n`;
    expect(loud?.startsWith(marker)).toBe(true);
    expect(loud!.slice(marker.length)).toBe(`${'a'.repeat(64 * 1024 - 4)}END\n`);
  });

  it('prints the final report, meta and state of an attempt with logs --stream', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 'files.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'report', command: ['sh', '-c', REPORTING_STEP] }]), batch_id: 'files' }));
    expect((await cli(dir, ['run', table, '--runs-dir', runs, '--config', config])).code).toBe(0);
    const runId = JSON.parse((await cli(dir, ['status', 'files', '--runs-dir', runs, '--json'])).stdout).steps[0].run_id;

    const final = await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'final']);
    expect(final.code, final.stderr).toBe(0);
    expect(JSON.parse(final.stdout)).toMatchObject({ run_id: runId, status: 'succeeded', agent_outcome: { status: 'success', summary: 'Built the greeting' }, stdout_tail: 'build log <ok>\n' });
    expect(final.stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse((await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'meta'])).stdout)).toMatchObject({ run_id: runId, step_id: 'report', agent: { name: 'command' } });
    expect(JSON.parse((await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'state'])).stdout)).toMatchObject({ run_id: runId, status: 'succeeded', attempt: 1 });
    expect((await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'stderr'])).stdout).toBe('a warning\n');
  });

  it('says that no server runs the root once run has ended, and lists no runner of its own', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 'ended.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'ended' }));
    expect((await cli(dir, ['run', table, '--runs-dir', runs, '--config', config])).code).toBe(0);
    expect(JSON.parse((await cli(dir, ['status', '--runs-dir', runs, '--json'])).stdout).runners).toEqual([]);
    expect((await cli(dir, ['status', '--runs-dir', runs])).stdout).toContain('no server runs this runs root: nothing starts until one does (harness-mcp serve)\n');
  });

  it('refuses an unknown --stream, and --follow of a JSON file, changing nothing', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 'one.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'one' }));
    expect((await cli(dir, ['run', table, '--runs-dir', runs, '--config', config])).code).toBe(0);
    const runId = JSON.parse((await cli(dir, ['status', 'one', '--runs-dir', runs, '--json'])).stdout).steps[0].run_id;
    const before = await treeSnapshot(runs);

    expect(await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'report'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'harness-mcp: --stream takes state, meta, final, stdout, stderr, events, changes, diff, not `report`\n',
    });
    expect(await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'final', '--follow'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--follow follows stdout, stderr, events; final is printed whole'),
    });
    expect(await treeSnapshot(runs)).toEqual(before);
  });

  it('reports a canceled step as skipped in JUnit, with its output tail cleaned of characters XML cannot hold', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 'cancel.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'hang', command: ['sh', '-c', `printf 'ctrl\\001char & more\\n'; exec ${agent('hang.sh')}`] }]), batch_id: 'canceled' }));
    const running = startCli(dir, ['run', table, '--runs-dir', runs, '--config', config, '--junit', join(dir, 'canceled.xml')]);
    const runId = await eventually(async () => {
      const board = JSON.parse((await cli(dir, ['status', 'canceled', '--runs-dir', runs, '--json'])).stdout || '{}');
      return board.counts?.running === 1 ? (board.steps[0].run_id as string) : undefined;
    }, 'the step to run');
    await eventually(async () => (await cli(dir, ['logs', runId, '--runs-dir', runs])).stdout.includes('char'), 'the step to print');

    // final.json is written when the attempt ends; until then logs says so.
    const early = await cli(dir, ['logs', runId, '--runs-dir', runs, '--stream', 'final']);
    expect(early).toMatchObject({ code: 2, stdout: '' });
    expect(early.stderr).toContain(`final of run ${runId}`);

    expect((await cli(dir, ['cancel', '--batch', 'canceled', '--runs-dir', runs])).code).toBe(0);
    expect(await running.exited).toBe(1);
    const xml = await readFile(join(dir, 'canceled.xml'), 'utf8');
    expect(xml).toContain('tests="1" failures="0" skipped="1"');
    expect(xml).toMatch(/<skipped message="canceled: [^"]+"\/>\n {6}<system-out>ctrlchar &amp; more\n<\/system-out>/);
    expect(xml).not.toContain('\u0001');
  });
});

describe('terminal views of a server that drains', () => {
  it('shows the drain in status, status --json and submit --follow, read from the owning server', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ config: { runners: { health_interval_seconds: 0.2 } } });
    const runs = server.runsDir;
    expect((await cli(dir, ['drain', '--runs-dir', runs])).code).toBe(0);
    const system = await eventually(async () => {
      const read = JSON.parse((await cli(dir, ['status', '--runs-dir', runs, '--json'])).stdout);
      return read.runners[0]?.drain ? read : undefined;
    }, 'the server to see the drain');
    // The owner's health, not the reader's own: one runner, the server's pid.
    expect(system.runners).toHaveLength(1);
    expect(system.runners[0]).toMatchObject({ pid: server.pid, mode: 'active', drain: true, paused_reason: expect.stringMatching(/^draining/) });
    const overview = await cli(dir, ['status', '--runs-dir', runs]);
    expect(overview.stdout).toMatch(new RegExp(`served by pid ${server.pid} on .*: 0 of \\d+ running; new attempts are held back: draining`));

    const table = join(dir, 'drained.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'drained' }));
    const follow = startCli(dir, ['submit', table, '--follow', '--runs-dir', runs]);
    await eventually(async () => follow.out.stderr.includes('drained: 1 ready; new attempts are held back: draining'), 'the follow output to show the drain', 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nsubmit --follow said: ${follow.out.stderr}`);
    });

    const shown = await cli(dir, ['status', 'drained', '--runs-dir', runs]);
    expect(shown.stdout).toMatch(/^drained: 1 ready\n {2}j\/a +ready +0 attempts\n {2}new attempts are held back: draining/);
    expect(JSON.parse((await cli(dir, ['status', 'drained', '--runs-dir', runs, '--json'])).stdout).dispatch_paused).toMatch(/^draining/);

    expect((await cli(dir, ['undrain', '--runs-dir', runs])).code).toBe(0);
    expect(await follow.exited, follow.out.stderr).toBe(0);
    expect(follow.out.stdout).toContain('drained: 1 succeeded (settled)');
  });

  it('points MCP text answers at fetch_artifact for a failure, not at the terminal', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    await server.client.listTools();
    const batchId = await server.submit(oneJob(await workDirIn(dir), [{ step_id: 'x', command: [agent('exit-with.sh'), '3', 'no template'] }]));
    await server.settled(batchId);
    // The full view: a summary keeps only the failures' total, and the run id is in their items.
    const result = await server.call('get_scoreboard', { batch_id: batchId, detail: 'full' });
    const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
    const runId = (result.structuredContent as { failures: { items: { run_id: string }[] } }).failures.items[0]!.run_id;
    expect(text).toContain(`exited 3; output ends: no template (e.g. j/x; logs: fetch_artifact {"run_id": "${runId}", "name": "stderr"})`);
    expect(text).not.toContain('harness-mcp logs');
  });
});
