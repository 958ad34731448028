import { link, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { agent, eventually, goal, HarnessServer, stepOf, tempDir, isProcessAlive, oneJob } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// Swaps argv[1] between a regular file and a symlink to argv[2], each put in place by rename.
const SWAPPER = `
const fs = require('node:fs');
const [file, secret] = process.argv.slice(1);
for (;;) {
  fs.writeFileSync(file + '.r', 'harmless\\n');
  fs.renameSync(file + '.r', file);
  try { fs.unlinkSync(file + '.l'); } catch {}
  fs.symlinkSync(secret, file + '.l');
  fs.renameSync(file + '.l', file);
}`;

async function state(server: HarnessServer, runId: string): Promise<any> {
  return JSON.parse((await server.ok('fetch_artifact', { run_id: runId, name: 'state' })).content);
}

describe('cancel', () => {
  it('kills a running step’s process group and leaves a queued one unstarted', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'hang.pid');
    const server = await HarnessServer.start({ maxConcurrency: 1 });
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        { job_id: 'first', working_directory: dir, steps: [{ step_id: 'hang', command: [agent('hang.sh'), pidFile] }] },
        { job_id: 'second', working_directory: dir, steps: [{ step_id: 'wait', command: ['true'] }, { step_id: 'after', command: ['true'], depends_on: ['wait'] }] },
      ],
    });
    const runningBoard = await eventually(async () => {
      const board = await server.ok('get_scoreboard', { batch_id: batchId });
      return board.running.total === 1 ? board : undefined;
    }, 'the hanging step to run');
    const hangRun = runningBoard.running.items[0].run_id;
    const pid = Number(await eventually(() => readFile(pidFile, 'utf8').catch(() => undefined), 'the pid file'));

    // With one slot taken, the second job's step is ready but not started: cancel the job.
    const queued = await server.ok('cancel_run', { batch_id: batchId, job_id: 'second', step_id: 'wait' });
    expect(queued.canceled).toHaveLength(1);
    const waitState = await state(server, queued.canceled[0]);
    expect(waitState).toMatchObject({ status: 'canceled', failure_reason: 'canceled', pid: null, message: 'canceled before it started' });
    const waitDir = join(server.runsDir, batchId, 'second', 'wait', (await readdir(join(server.runsDir, batchId, 'second', 'wait')))[0]!);
    expect(await readdir(waitDir)).toEqual(['state.json']); // never spawned: no meta, no logs

    const running = await server.ok('cancel_run', { run_id: hangRun });
    expect(running).toEqual({ canceled: [hangRun], already_terminal: [] });
    expect(await state(server, hangRun)).toMatchObject({ status: 'canceled', failure_reason: 'canceled' });
    expect(await isProcessAlive(pid)).toBe(false);

    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ canceled: 2, blocked: 1 });
    expect(stepOf(board, 'second', 'after').blocked_reasons[0]).toMatch(/`wait` ended canceled/);
    // Canceling what is over changes nothing and says so.
    expect(await server.ok('cancel_run', { run_id: hangRun })).toEqual({ canceled: [], already_terminal: [hangRun] });
  });

  it('cancels a whole batch, and names unknown ids clearly', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ maxConcurrency: 2 });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: [agent('hang.sh')] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]));
    await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running === 1 || undefined, 'a to run');
    const result = await server.ok('cancel_run', { batch_id: batchId });
    expect(result.canceled).toHaveLength(2);
    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ canceled: 2 });

    expect(await server.error('cancel_run', { batch_id: 'nope' })).toMatchObject({ code: 'not_found', text: expect.stringContaining('No batch `nope`') });
    expect(await server.error('cancel_run', { run_id: '0123456789abcdef' })).toMatchObject({ code: 'not_found' });
    expect(await server.error('cancel_run', { batch_id: batchId, step_id: 'a' })).toMatchObject({ code: 'invalid_argument', text: expect.stringContaining('step_id needs job_id') });
    expect(await server.error('cancel_run', {})).toMatchObject({ code: 'invalid_argument' });
  });
});

describe('retry_step', () => {
  it('runs one step again without touching its dependents, or with cascade runs them too', async () => {
    const dir = await tempDir();
    const counter = join(dir, 'count');
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [
      { step_id: 'gen', command: [agent('fail-until.sh'), counter, '2'] },
      { step_id: 'use', command: ['true'], depends_on: ['gen'] },
      { step_id: 'last', command: ['true'], depends_on: ['use'] },
    ]));
    let board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ failed: 1, blocked: 2 });

    const plain = await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'gen' });
    expect(plain.run_ids).toHaveLength(1);
    expect(plain.cascade_steps).toEqual([]);
    board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ succeeded: 3 });
    expect(stepOf(board, 'j', 'gen')).toMatchObject({ attempts: 2, run_id: plain.run_ids[0] });
    expect(await state(server, plain.run_ids[0])).toMatchObject({ trigger: 'manual_retry', attempt: 2, status: 'succeeded' });
    const useRun = stepOf(board, 'j', 'use').run_id;

    // Without cascade a succeeded dependent stays as it is.
    await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'gen' });
    board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'gen').attempts).toBe(3);
    expect(stepOf(board, 'j', 'use')).toMatchObject({ attempts: 1, run_id: useRun });

    const cascade = await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'gen', cascade: true });
    expect(cascade.cascade_steps).toEqual(['use', 'last']);
    board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ succeeded: 3 });
    expect(stepOf(board, 'j', 'use').attempts).toBe(2);
    expect(stepOf(board, 'j', 'last').attempts).toBe(2);
    expect(await state(server, stepOf(board, 'j', 'last').run_id)).toMatchObject({ trigger: 'cascade' });

    expect(await server.error('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'zzz' })).toMatchObject({ code: 'not_found' });
    expect(await server.error('retry_step', { batch_id: batchId, job_id: 'k', step_id: 'gen' })).toMatchObject({ code: 'not_found' });
  });

  it('refuses to retry a step that is running', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: [agent('hang.sh')] }]));
    await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running === 1 || undefined, 'a to run');
    const refused = await server.error('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'a' });
    expect(refused).toMatchObject({ code: 'illegal_state', text: expect.stringMatching(/running; cancel it first/) });
    await server.ok('cancel_run', { batch_id: batchId });
  });
});

describe('run reports', () => {
  it('validates a command’s report against the step’s output_schema', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const schema = { type: 'object', required: ['status', 'summary', 'coverage'], properties: { coverage: { type: 'number' } } };
    const batchId = await server.submit(oneJob(dir, [
      { step_id: 'good', command: [agent('report.sh'), '{"status":"success","summary":"all green","coverage":91}'], output_schema: schema },
      { step_id: 'bad', command: [agent('report.sh'), '{"status":"success","summary":"no coverage"}'], output_schema: schema },
      { step_id: 'silent', command: ['true'], output_schema: schema },
      { step_id: 'garbage', command: [agent('report.sh'), 'not json {'] },
      { step_id: 'blocked', command: [agent('report.sh'), '{"status":"blocked","summary":"needs a token"}'] },
      { step_id: 'after', command: ['true'], depends_on: ['bad'] },
    ]));
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'good').status).toBe('succeeded');
    const final = JSON.parse((await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'good', name: 'final' })).content);
    expect(final).toMatchObject({ status: 'succeeded', report_source: 'agent', report: { coverage: 91 }, agent_outcome: { status: 'success', summary: 'all green' } });

    const bad = await state(server, stepOf(board, 'j', 'bad').run_id);
    expect(bad).toMatchObject({ status: 'needs_attention', failure_reason: 'schema_invalid' });
    expect(bad.message).toMatch(/must have required property 'coverage'/);
    const badFinal = JSON.parse((await server.ok('fetch_artifact', { run_id: bad.run_id, name: 'final' })).content);
    expect(badFinal.validation_error).toMatch(/coverage/);
    expect(await state(server, stepOf(board, 'j', 'silent').run_id)).toMatchObject({ status: 'needs_attention', failure_reason: 'no_final' });
    expect(await state(server, stepOf(board, 'j', 'garbage').run_id)).toMatchObject({ status: 'needs_attention', failure_reason: 'schema_invalid' });
    expect(await state(server, stepOf(board, 'j', 'blocked').run_id)).toMatchObject({ status: 'needs_attention', failure_reason: 'agent_blocked', message: 'needs a token' });
    expect(stepOf(board, 'j', 'after').status).toBe('blocked');
    expect(board.attention.items.map((a: any) => a.kind)).toEqual(['needs_attention', 'needs_attention', 'needs_attention', 'needs_attention']);
  });
});

describe('artifacts', () => {
  it('pages through a large log by offset and tails events from a cursor', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'chat', command: [agent('chatty.sh'), '20000'] }]));
    const board = await server.settled(batchId);
    const runId = stepOf(board, 'j', 'chat').run_id;
    let offset = 0;
    let text = '';
    let pages = 0;
    for (;;) {
      const page = await server.ok('fetch_artifact', { run_id: runId, name: 'stdout', offset, max_bytes: 100_000 });
      text += page.content;
      offset = page.next_offset;
      pages++;
      if (page.eof) {
        expect(page.size).toBe(offset);
        break;
      }
    }
    expect(pages).toBeGreaterThan(2);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(20000);
    expect(lines.at(-1)).toBe('line 20000 of 20000');

    const tail = await server.ok('tail_events', { run_id: runId, lines: 2 });
    expect(tail.events.map((e: any) => e.type)).toEqual(['harness.attempt.exited', 'harness.attempt.ended']);
    const all = await server.ok('tail_events', { run_id: runId, lines: 100 });
    expect(all.events[0].type).toBe('harness.attempt.spawning');
    const after = await server.ok('tail_events', { run_id: runId, cursor: all.cursor });
    expect(after.events).toEqual([]);
    const fromStart = await server.ok('tail_events', { run_id: runId, cursor: '0', lines: 1 });
    expect(fromStart.events.map((e: any) => e.type)).toEqual(['harness.attempt.spawning']);
    expect(Number(fromStart.cursor)).toBeGreaterThan(0);
  });

  // Over stdio above: a log of several 100 KB pages. The rest is the MCP layer's, in process.
  it('keeps multi-byte characters whole across pages', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'u', command: ['sh', '-c', 'printf "€€€€€€€€€€"'] }]));
    await server.settled(batchId);
    let offset = 0;
    const pieces: string[] = [];
    for (let eof = false; !eof; ) {
      const page = await server.ok('fetch_artifact', { batch_id: batchId, job_id: 'j', step_id: 'u', name: 'stdout', offset, max_bytes: 16 });
      pieces.push(page.content);
      offset = page.next_offset;
      eof = page.eof;
    }
    expect(pieces.join('')).toBe('€'.repeat(10));
    expect(pieces.every((p) => !p.includes('\uFFFD'))).toBe(true);
  });

  it('refuses names and offsets outside an attempt, and symlinks planted to escape it', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ config: { limits: { max_artifact_bytes: 4096 } } });
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    const board = await server.settled(batchId);
    const runId = stepOf(board, 'j', 'a').run_id;
    const bad = async (args: Record<string, unknown>, pattern: RegExp) => {
      const result = await server.call('fetch_artifact', args);
      expect(result.isError).toBe(true);
      expect((result.content as any)[0].text).toMatch(pattern);
    };
    await bad({ run_id: runId, name: '../../../etc/passwd' }, /name|Invalid option/i);
    await bad({ run_id: '../../etc', name: 'state' }, /run_id/);
    await bad({ batch_id: '..', job_id: 'j', step_id: 'a', name: 'state' }, /batch_id/);
    await bad({ run_id: runId, name: 'state', offset: 10_000_000 }, /offset: 10000000 is past the end/);
    await bad({ run_id: runId, name: 'stdout', max_bytes: 5000 }, /max_bytes: 5000 is over the limit of 4096/);
    await bad({ run_id: runId, batch_id: batchId, name: 'state' }, /give run_id alone/);
    await bad({ batch_id: batchId, job_id: 'j', name: 'state' }, /all of batch_id, job_id and step_id/);
    await bad({ run_id: 'ffffffffffffffff', name: 'state' }, /No run `ffffffffffffffff`/);

    // A symlink in place of a log that points outside the attempt directory is refused.
    const attemptDir = join(server.runsDir, batchId, 'j', 'a', (await readdir(join(server.runsDir, batchId, 'j', 'a')))[0]!);
    await rm(join(attemptDir, 'stderr.log'));
    await symlink('/etc/passwd', join(attemptDir, 'stderr.log'));
    await bad({ run_id: runId, name: 'stderr' }, /path_escape: .*stderr\.log` is a symbolic link; refused/);
    expect((await stat(join(attemptDir, 'state.json'))).isFile()).toBe(true);
  });

  it('serves an artifact only as a file of its own attempt: no hard link, no linked directory, no swap between check and read', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['sh', '-c', 'echo harmless'] }]));
    const runId = stepOf(await server.settled(batchId), 'j', 'a').run_id;
    const stepDir = join(server.runsDir, batchId, 'j', 'a');
    const attemptDir = join(stepDir, (await readdir(stepDir))[0]!);
    const stdout = join(attemptDir, 'stdout.log');
    // A file the server may read but must not hand out; on the runs root's filesystem, so it can be hard-linked.
    const secret = join(server.runsDir, 'secret.txt');
    await writeFile(secret, 'SECRET\n');
    const fetchStdout = () => server.call('fetch_artifact', { run_id: runId, name: 'stdout' });
    const textOf = (result: Awaited<ReturnType<typeof fetchStdout>>) => (result.isError ? (result.content as any)[0].text : (result.structuredContent as any).content);

    // A hard link of the secret in place of the log.
    await rename(stdout, `${stdout}.kept`);
    await link(secret, stdout);
    expect(textOf(await fetchStdout())).toMatch(/path_escape: .*stdout\.log` has 2 hard links each of the 10 times it was opened; refused/);
    await rm(stdout);

    // The attempt directory swapped for a link to a directory holding the secret as stdout.log.
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'stdout.log'), 'SECRET\n');
    await rename(attemptDir, `${attemptDir}.kept`);
    await symlink(elsewhere, attemptDir);
    expect(textOf(await fetchStdout())).toMatch(/path_escape: .*stdout\.log → .*elsewhere\/stdout\.log` resolves outside/);
    await rm(attemptDir);
    await rename(`${attemptDir}.kept`, attemptDir);
    await rename(`${stdout}.kept`, stdout);
    expect(textOf(await fetchStdout())).toBe('harmless\n');

    // Another process swaps the log for a symlink to the secret and back, as fast as it can.
    const swapper = execa(process.execPath, ['-e', SWAPPER, stdout, secret]);
    try {
      const answers = [];
      for (let i = 0; i < 300; i++) answers.push(textOf(await fetchStdout()));
      expect(answers.filter((a) => a.includes('SECRET'))).toEqual([]);
      // Each answer is the log or a refusal of the link, never something else.
      expect(answers.filter((a) => a !== 'harmless\n' && !/is a symbolic link|was replaced while being opened each/.test(a))).toEqual([]);
    } finally {
      swapper.kill('SIGKILL');
      await swapper.catch(() => undefined);
    }
  });
});
