import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { agent, CLI, eventually, HarnessServer, oneJob, stepOf, tempDir, TEST_CONFIG, treeSnapshot, workDirIn, whenDone } from './servers/harness-server.js';

const exec = promisify(execFile);

/** This process's environment without the harness's own variables, which would steer the CLI. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['HARNESS_RUNS_DIR', 'HARNESS_CONFIG']) if (!(name in extra)) delete env[name];
  return env;
}

/**
 * Runs the CLI to its end in `cwd` (a fresh temp dir unless given, never the checkout); never
 * throws, so exit codes can be asserted.
 */
async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = options.cwd ?? (await tempDir());
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd, env: cleanEnv(options.env) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A CLI process left running (serve, a follower), with its output so far and its exit. */
function started(args: string[], cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { cwd, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  whenDone(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Resolves once stderr has shown `pattern`. */
    said: (pattern: RegExp, what: string) => eventually(async () => pattern.test(stderr) || undefined, `${what}; stderr so far: ${stderr}`),
  };
}

async function setup() {
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(TEST_CONFIG));
  return { dir, runs: join(dir, 'runs'), config };
}

/** `harness-mcp serve` on a runs root, once it says it serves. */
async function serveRoot(runs: string, config: string, cwd: string) {
  const server = started(['serve', '--runs-dir', runs, '--config', config], cwd);
  await server.said(/serving .* Ctrl-C stops/, 'serve to start');
  return server;
}

describe('the terminal CLI', () => {
  it('runs a batch to the end for CI, writes JUnit, and exits 0 only when every step succeeded', async () => {
    const { dir, runs, config } = await setup();
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]), batch_id: 'good' }));
    const ok = await cli(['run', good, '--runs-dir', runs, '--config', config, '--junit', join(dir, 'good.xml')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('good: 2 succeeded (settled)');
    const xml = await readFile(join(dir, 'good.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="good" tests="2" failures="0"');
    expect(xml).toMatch(/<testcase classname="good\.j" name="b" time="[\d.]+"\/>/);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'x', command: [agent('exit-with.sh'), '4', 'broken <build>'] }, { step_id: 'y', command: ['true'], depends_on: ['x'] }]), batch_id: 'bad' }));
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
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'hello', command: ['sh', '-c', 'echo hello from the step'] }]), batch_id: 'term' }));
    expect((await cli(['run', table, '--runs-dir', runs, '--config', config])).code).toBe(0);

    const all = await cli(['status', '--runs-dir', runs]);
    expect(all.stdout).toMatch(/1 batches in .*: 1 succeeded/);
    const one = await cli(['status', 'term', '--runs-dir', runs, '--json']);
    const board = JSON.parse(one.stdout);
    expect(board).toMatchObject({ batch_id: 'term', settled: true });
    const runId = board.steps[0].run_id;
    expect((await cli(['logs', runId, '--runs-dir', runs])).stdout).toBe('hello from the step\n');
    expect((await cli(['logs', runId, '--runs-dir', runs, '--stream', 'events'])).stdout).toContain('harness.attempt.ended');
    expect(await cli(['status', 'nope', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: 'harness-mcp: No batch `nope`; `harness-mcp status` lists the batches in this store\n' });

    await writeFile(config, JSON.stringify({ ...TEST_CONFIG, retention_policy: { keep_closed_batches_days: 0 } }));
    const dry = await cli(['gc', '--dry-run', '--runs-dir', runs, '--config', config]);
    expect(dry.stdout).toMatch(/would remove .*term \(\d+ bytes\)\n1 batches, \d+ bytes \(dry run: nothing removed\)/);
    await access(join(runs, 'term'));
    expect((await cli(['gc', '--runs-dir', runs, '--config', config])).code).toBe(0);
    await expect(access(join(runs, 'term'))).rejects.toThrow(/ENOENT/);
  });

  it('drains and undrains a running server through the drain file', async () => {
    const server = await HarnessServer.start({ config: { runners: { health_interval_seconds: 0.2 } } });
    expect((await cli(['drain', '--runs-dir', server.runsDir])).stdout).toBe(
      `draining ${server.runsDir}: no new attempts start; running ones finish (its server follows within runners.health_interval_seconds)\n`,
    );
    expect((await cli(['drain', '--runs-dir', server.runsDir])).stdout).toBe(`${server.runsDir} was already draining\n`);
    await expect.poll(async () => (await server.ok('get_scoreboard')).runners[0].drain, { timeout: 10_000 }).toBe(true);
    expect((await cli(['undrain', '--runs-dir', server.runsDir])).stdout).toBe(
      `drain ended for ${server.runsDir}: new attempts start again (its server follows within runners.health_interval_seconds)\n`,
    );
    await expect.poll(async () => (await server.ok('get_scoreboard')).runners[0].drain, { timeout: 10_000 }).toBe(false);
    expect((await cli(['undrain', '--runs-dir', server.runsDir])).stdout).toBe(`${server.runsDir} was not draining\n`);
  });

  it('refuses gc while another server owns the runs root, saying which (exit 3)', async () => {
    const server = await HarnessServer.start();
    const refused = await cli(['gc', '--runs-dir', server.runsDir]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`${server.runsDir} is run by another harness-mcp (pid ${server.pid}); stop it, or give a different --runs-dir`);
  });
});

describe('the terminal CLI with a server running', () => {
  it('submits through the queue and follows the batch to the end', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const table = join(dir, 'follow.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]), batch_id: 'followed' }));
    const followed = await cli(['submit', table, '--follow', '--runs-dir', server.runsDir]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toMatch(/queued follow-[0-9a-f]{6}\.json[\s\S]*accepted as followed/);
    expect(followed.stdout).toContain('followed: 2 succeeded (settled)');

    // The server refuses what a local check cannot know: a batch_id already in the store. Exit 2, as for every refusal.
    const before = await treeSnapshot(join(server.runsDir, '_system', 'queue', 'inbox'));
    const taken = await cli(['submit', table, '--follow', '--runs-dir', server.runsDir]);
    expect(taken.code, taken.stderr).toBe(2);
    expect(taken.stderr).toContain('- batch_id: `followed` is already in the store');
    expect(await treeSnapshot(join(server.runsDir, '_system', 'queue', 'inbox'))).toEqual(before);
  });

  it('follows the logs of a running step until it ends', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(await workDirIn(dir), [{ step_id: 'talk', command: ['sh', '-c', 'for i in 1 2 3 4; do echo line $i; sleep 0.3; done'] }]));
    const runId = await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).running.items[0]?.run_id as string | undefined, 'the step to run');
    const followed = await cli(['logs', runId, '--follow', '--runs-dir', server.runsDir]);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\n');
  });

  it('cancels and retries through the server that runs the runs root', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(await workDirIn(dir), [{ step_id: 'hang', command: [agent('hang.sh')] }]));
    await expect.poll(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running, { timeout: 10_000 }).toBe(1);
    const runId = (await server.ok('get_scoreboard', { batch_id: batchId })).running.items[0].run_id;
    const canceled = await cli(['cancel', '--batch', batchId, '--runs-dir', server.runsDir]);
    expect(canceled).toMatchObject({ code: 0, stdout: `canceled 1: ${runId}\n` });
    const retried = await cli(['retry', batchId, 'j', 'hang', '--runs-dir', server.runsDir, '--json']);
    expect(JSON.parse(retried.stdout).run_ids).toHaveLength(1);
    const again = await cli(['cancel', JSON.parse(retried.stdout).run_ids[0], '--runs-dir', server.runsDir, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ canceled: [JSON.parse(retried.stdout).run_ids[0]], already_terminal: [] });
    const human = await cli(['retry', batchId, 'j', 'hang', '--runs-dir', server.runsDir]);
    expect(human.stdout).toMatch(new RegExp(`^retrying ${batchId} j/hang as run [0-9a-f]{16}\n$`));
    const unknown = await cli(['retry', batchId, 'j', 'nope', '--runs-dir', server.runsDir]);
    expect(unknown).toMatchObject({ code: 2, stderr: `harness-mcp: No step \`nope\`; job j of batch ${batchId} has no such step\n` });
    // The server's answer names CLI commands, not MCP tools.
    // Releasing a pool that is not parked is no error.
    expect(await cli(['release-pool', 'codex', '--runs-dir', server.runsDir])).toMatchObject({ code: 0, stdout: 'no codex pool was parked\n' });
    const noBatch = await cli(['retry', 'nope', 'j', 'hang', '--runs-dir', server.runsDir]);
    expect(noBatch).toMatchObject({ code: 2, stderr: 'harness-mcp: No batch `nope`; `harness-mcp status` lists the batches in this store\n' });
    await server.ok('cancel_run', { batch_id: batchId });
  });
  it('sets a budget through the server that runs the runs root, releasing the steps it held', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ maxConcurrency: 1 });
    // The first step's wall time spends the batch's budget, so the second is held.
    const batchId = await server.submit(oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['sleep', '0.3'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }], { budget: { max_wall_seconds: 0.2 } }));
    expect(stepOf(await server.settled(batchId), 'j', 'b').status).toBe('blocked');
    const before = await treeSnapshot(server.runsDir);
    const bad = await cli(['budget', batchId, '--max-tokens', '-5', '--runs-dir', server.runsDir]);
    expect(bad).toMatchObject({ code: 2, stderr: 'harness-mcp: --max-tokens `-5`: is -5; max_tokens must be a whole number above 0 (leave it out for no limit)\n' });
    const none = await cli(['budget', batchId, '--runs-dir', server.runsDir]);
    expect(none.stderr).toMatch(/budget needs --max-tokens, --max-cost-usd or --max-wall-seconds/);
    const word = await cli(['budget', batchId, '--max-wall-seconds', 'lots', '--runs-dir', server.runsDir]);
    expect(word).toMatchObject({ code: 2, stderr: expect.stringMatching(/--max-wall-seconds.*takes a number, or none to remove the limit/) });
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
    const raised = await cli(['budget', batchId, '--max-wall-seconds', 'none', '--max-tokens', '1000', '--runs-dir', server.runsDir]);
    expect(raised).toMatchObject({ stderr: '', code: 0, stdout: `budget of ${batchId}: max_tokens 1000\nreleased 1 held step(s)\n` });
    expect(stepOf(await server.settled(batchId), 'j', 'b').status).toBe('succeeded');
  });
});

describe('harness-mcp serve', () => {
  it('runs the root for terminal commands whatever its stdin does, until SIGTERM', async () => {
    const { dir, runs, config } = await setup();
    const server = await serveRoot(runs, config, dir);
    server.child.stdin!.end(); // a terminal server reads no stdin: closing it changes nothing
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'served' }));
    const followed = await cli(['submit', table, '--follow', '--runs-dir', runs]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toContain('served: 1 succeeded (settled)');

    const second = await cli(['serve', '--runs-dir', runs, '--config', config]);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`another harness-mcp (pid ${server.child.pid}) runs ${runs} already; stop it first, or give a different --runs-dir`);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr).toMatch(/harness-mcp: stopped\n$/);
  });
});

describe('submit', () => {
  it('checks the table locally with the server\'s messages, names every problem, and queues nothing (exit 2)', async () => {
    const { dir, runs, config } = await setup();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ batch_goal_summary: 'short', jobs: [{ job_id: 'j', working_directory: await workDirIn(dir), steps: [{ step_id: 'a', command: [] }] }] }));
    await mkdir(runs);
    const before = await treeSnapshot(dir);
    const refused = await cli(['submit', bad, '--runs-dir', runs, '--config', config]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('harness-mcp: The launch table has 3 problems; nothing was written:\n');
    expect(refused.stderr).toContain('- jobs[0].steps[0].command: ');
    // No agent named: the default, codex, which takes a prompt.
    expect(refused.stderr).toContain('- jobs[0].steps[0].prompt: a codex step needs a non-empty `prompt`');
    expect(refused.stderr).toContain('- batch_goal_summary: has 1 words; at least 150 are required (limits.min_goal_summary_words)');
    expect(await treeSnapshot(dir)).toEqual(before);

    // The same table exits 2 from run as well, and from submit --follow to a running server.
    expect((await cli(['run', bad, '--runs-dir', runs, '--config', config])).code).toBe(2);
    const server = await serveRoot(runs, config, dir);
    const inbox = await treeSnapshot(join(runs, '_system', 'queue'));
    const followed = await cli(['submit', bad, '--follow', '--runs-dir', runs]);
    expect(followed.code).toBe(2);
    expect(followed.stderr).toBe(refused.stderr);
    expect(await treeSnapshot(join(runs, '_system', 'queue'))).toEqual(inbox);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('with --follow and no server says so at once, naming serve, and queues nothing (exit 3)', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify(oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }])));
    await mkdir(runs);
    const before = await treeSnapshot(dir);
    const refused = await cli(['submit', table, '--follow', '--runs-dir', runs, '--config', config]);
    expect(refused).toMatchObject({
      code: 3,
      stderr: `harness-mcp: no harness-mcp server runs ${runs}; nothing was queued; start one with \`harness-mcp serve --runs-dir ${runs}\`, or run the batch here with \`harness-mcp run ${table}\`\n`,
    });
    expect(await treeSnapshot(dir)).toEqual(before);
  });

  it('without --follow and no server queues the table for the next server, and says so', async () => {
    const { dir, runs, config } = await setup();
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }]), batch_id: 'later' }));
    await mkdir(runs);
    const queued = await cli(['submit', table, '--runs-dir', runs, '--config', config]);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stderr).toContain(`no server runs ${runs} now: the table waits until one starts (\`harness-mcp serve --runs-dir ${runs}\`)`);
    const server = await serveRoot(runs, config, dir);
    await eventually(async () => (await cli(['status', 'later', '--runs-dir', runs])).stdout.includes('1 succeeded') || undefined, 'the queued batch to run');
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('stops following when the server goes away, and says so (exit 3)', async () => {
    const { dir, runs, config } = await setup();
    const server = await serveRoot(runs, config, dir);
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify({ ...oneJob(await workDirIn(dir), [{ step_id: 'hang', command: [agent('hang.sh')] }]), batch_id: 'orphaned' }));
    const follower = started(['submit', table, '--follow', '--runs-dir', runs], dir);
    await follower.said(/orphaned: 1 running/, 'the step to run');
    server.child.kill('SIGTERM');
    expect(await follower.exited).toBe(3);
    expect(follower.stderr).toContain(`no harness-mcp server runs ${runs}; the one that did stopped while orphaned ran; \`harness-mcp status orphaned\` shows where it got to`);
  });
});

describe('a mistyped command', () => {
  it('is named as unknown, with where the commands are listed (exit 2)', async () => {
    expect(await cli(['stauts'])).toMatchObject({ code: 2, stderr: "error: unknown command 'stauts' (harness-mcp --help lists the commands)\n" });
  });
});

describe('a mistyped runs dir', () => {
  it('is refused by every command that acts on a runs root, and nothing is made (exit 2)', async () => {
    const { dir, config } = await setup();
    const typo = join(dir, 'typo');
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify(oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }])));
    const before = await treeSnapshot(dir);
    for (const args of [['submit', table], ['submit', table, '--follow'], ['drain'], ['undrain'], ['gc'], ['cancel', '--batch', 'b'], ['retry', 'b', 'j', 's'], ['land', 'b', 'j', '--onto', 'main']]) {
      const refused = await cli([...args, '--runs-dir', typo, '--config', config]);
      expect(refused, args.join(' ')).toMatchObject({ code: 2, stderr: `harness-mcp: no such directory: ${typo} (check --runs-dir or HARNESS_RUNS_DIR)\n` });
    }
    expect(await treeSnapshot(dir)).toEqual(before);
  });
});

describe('cancel and retry without a server', () => {
  it('say at once that no server runs the root, and leave nothing behind (exit 3)', async () => {
    const { dir, runs } = await setup();
    await mkdir(runs);
    const before = await treeSnapshot(dir);
    const cancel = await cli(['cancel', '--batch', 'b', '--runs-dir', runs]);
    expect(cancel).toMatchObject({
      code: 3,
      stderr: `harness-mcp: no harness-mcp server runs ${runs}; cancel is carried out by the server that runs it; start one with \`harness-mcp serve --runs-dir ${runs}\`\n`,
    });
    const retry = await cli(['retry', 'b', 'j', 's', '--runs-dir', runs]);
    expect(retry).toMatchObject({ code: 3, stderr: expect.stringContaining(`no harness-mcp server runs ${runs}; retry is carried out`) });
    const release = await cli(['release-pool', 'codex', '--runs-dir', runs]);
    expect(release).toMatchObject({ code: 3, stderr: expect.stringContaining(`no harness-mcp server runs ${runs}; release_pool is carried out`) });
    expect(await treeSnapshot(dir)).toEqual(before);
  });

  it('refuse a malformed request with a line per problem, never a zod dump (exit 2)', async () => {
    const { dir, runs } = await setup();
    const before = await treeSnapshot(dir);
    expect(await cli(['cancel', 'nope', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: 'harness-mcp: RUN_ID `nope`: run_id is 16 lowercase hex digits\n' });
    expect(await cli(['cancel', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: 'harness-mcp: cancel needs RUN_ID, or --batch (with --job and --step to narrow it)\n' });
    expect(await cli(['cancel', '--batch', 'b', '--step', 's', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: 'harness-mcp: --step needs --job\n' });
    expect((await cli(['retry', '../b', 'j', 's', '--runs-dir', runs])).stderr).toMatch(/^harness-mcp: BATCH `\.\.\/b`: /);
    expect((await cli(['release-pool', 'aider', '--runs-dir', runs])).stderr).toMatch(/^harness-mcp: AGENT `aider`: .*"codex"\|"claude"\|"gemini"\|"command"/);
    expect(await cli(['release-pool', 'codex', '--profile', '', '--runs-dir', runs])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^harness-mcp: --profile ``: /) });
    expect(await treeSnapshot(dir)).toEqual(before);
  });
});

describe('options and exit codes', () => {
  it('honours a global option before or after the command, and refuses one a command does not use', async () => {
    const { dir, config } = await setup();
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify(oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }])));
    const concurrencyOf = async (runs: string) => JSON.parse(await readFile(join(runs, '_system', 'harness_config.json'), 'utf8')).runners.max_concurrency;

    const after = await cli(['run', table, '--max-concurrency', '1', '--runs-dir', join(dir, 'after'), '--config', config]);
    expect(after.code, after.stderr).toBe(0);
    expect(await concurrencyOf(join(dir, 'after'))).toBe(1);
    const before = await cli(['--max-concurrency', '3', '--runs-dir', join(dir, 'before'), '--config', config, 'run', table]);
    expect(before.code, before.stderr).toBe(0);
    expect(await concurrencyOf(join(dir, 'before'))).toBe(3);

    const snapshot = await treeSnapshot(dir);
    expect(await cli(['--max-concurrency', '2', 'status', '--runs-dir', join(dir, 'after')])).toMatchObject({
      code: 2,
      stderr: "error: option '--max-concurrency' does not apply to `status`\n",
    });
    expect(await cli(['status', '--bogus'])).toMatchObject({ code: 2, stderr: "error: unknown option '--bogus'\n" });
    expect(await treeSnapshot(dir)).toEqual(snapshot);
  });

  it('refuses an empty runs dir and the top of a checkout rather than writing there, for every entry point', async () => {
    const { dir, config } = await setup();
    await writeFile(join(dir, 'package.json'), '{}');
    const table = join(dir, 't.json');
    await writeFile(table, JSON.stringify(oneJob(await workDirIn(dir), [{ step_id: 'a', command: ['true'] }])));
    const before = await treeSnapshot(dir);
    const defaultRoot = join(process.env.XDG_STATE_HOME!, 'harness-mcp', 'runs'); // tests/global-setup.ts
    const empty = `harness-mcp: the runs dir is empty (--runs-dir or HARNESS_RUNS_DIR); give a path, or leave both unset for the default, ${defaultRoot}\n`;
    const entryPoints = [['status'], ['run', table, '--config', config], ['submit', table], ['drain'], ['cancel', '--batch', 'b'], ['serve'], []];
    for (const args of entryPoints) {
      expect(await cli([...args, '--runs-dir', ''], { cwd: dir }), args.join(' ')).toMatchObject({ code: 2, stderr: empty });
    }
    for (const args of [['status'], []]) {
      expect(await cli(args, { cwd: dir, env: { HARNESS_RUNS_DIR: '' } }), args.join(' ')).toMatchObject({ code: 2, stderr: empty });
    }
    for (const args of [['run', table, '--config', config], ['submit', table], ['serve'], []]) {
      expect(await cli(args, { cwd: dir, env: { HARNESS_RUNS_DIR: dir } }), args.join(' ')).toMatchObject({
        code: 2,
        stderr: `harness-mcp: ${dir} holds package.json: it is the top of a source checkout, and runs would land in it; give a runs dir of its own, such as ${join(dir, 'runs')}\n`,
      });
    }
    expect(await treeSnapshot(dir)).toEqual(before);
  });

  it('says a runs dir is missing instead of showing an empty one, and does not create it', async () => {
    const dir = await tempDir();
    const typo = join(dir, 'typo');
    for (const args of [['status'], ['logs', '0123456789abcdef'], ['gc', '--dry-run'], ['land', 'b', 'j', '--onto', 'main', '--dry-run'], ['compare', 'b', 'j']]) {
      expect(await cli([...args, '--runs-dir', typo]), args.join(' ')).toMatchObject({ code: 2, stderr: `harness-mcp: no such directory: ${typo} (check --runs-dir or HARNESS_RUNS_DIR)\n` });
    }
    await expect(access(typo)).rejects.toThrow(/ENOENT/);
  });

  it('exits quietly when its reader goes away (status | true)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'runs'));
    // `true` reads nothing and exits at once, so status writes into a pipe nobody reads: EPIPE.
    const { stdout, stderr } = await exec('sh', ['-c', `{ "${process.execPath}" "${CLI}" status --runs-dir runs; echo $? > rc; } | true`], { cwd: dir, env: cleanEnv() });
    expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });
    expect(await readFile(join(dir, 'rc'), 'utf8')).toBe('0\n');
  });
});
