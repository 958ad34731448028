import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, HarnessServer, oneJob, stepOf, tempDir, TEST_CONFIG, treeSnapshot } from './servers/harness-server.js';
import { startHttpHarness } from './servers/http-server.js';
import { rawHttp, rawStdio, type RawModernClient } from './servers/raw-modern-client.js';

type Transport = 'stdio' | 'http';

/** The built server over `transport`, spoken to by the hand-written 2026-07-28 client. */
async function start(transport: Transport, options: { runsDir?: string; config?: Record<string, unknown> } = {}) {
  const dir = await tempDir();
  const runsDir = options.runsDir ?? join(dir, 'runs');
  if (transport === 'http') {
    const http = await startHttpHarness({ runsDir, config: options.config });
    return { client: rawHttp(http.url), runsDir, stop: http.stop };
  }
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ ...TEST_CONFIG, ...options.config }));
  const stdio = rawStdio(['--runs-dir', runsDir, '--config', config]);
  return { client: stdio as RawModernClient, runsDir, stop: stdio.stop };
}

/** A step that runs until the test creates `dir/name`: the batch is held open without a clock. */
function gated(stepId: string, dir: string, name = 'go') {
  return { step_id: stepId, command: ['sh', '-c', `while [ ! -e ${JSON.stringify(join(dir, name))} ]; do sleep 0.05; done`] };
}

const call = (client: RawModernClient, name: string, args: Record<string, unknown>) => client.ok('tools/call', { name, arguments: args });
const getTask = (client: RawModernClient, taskId: string) => client.ok('tasks/get', { taskId });

async function until(client: RawModernClient, taskId: string, status: string) {
  return eventually(async () => {
    const task = await getTask(client, taskId);
    return task.status === status ? task : undefined;
  }, `task ${taskId} to be ${status}`);
}

describe.each(['stdio', 'http'] as Transport[])('MCP tasks (io.modelcontextprotocol/tasks, 2026-07-28) over %s', (transport) => {
  it('run_batch answers a task at once, on disk before the answer; it works while the batch runs and completes with its summary', async () => {
    const dir = await tempDir();
    const { client, runsDir } = await start(transport);
    const discovered = await client.ok('server/discover');
    expect(discovered.capabilities.extensions).toEqual({ 'io.modelcontextprotocol/tasks': {}, 'io.modelcontextprotocol/ui': {} });

    const created = await call(client, 'run_batch', oneJob(dir, [gated('a', dir), { step_id: 'b', command: ['true'] }], { batch_id: 'tasked' }));
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: null, pollIntervalMs: 1000 });
    const file = JSON.parse(await readFile(join(runsDir, '_system', 'tasks', `${created.taskId}.json`), 'utf8'));
    expect(file).toMatchObject({ task_id: created.taskId, status: 'working', work: { tool: 'run_batch', batch_id: 'tasked' } });

    const working = await eventually(async () => {
      const task = await getTask(client, created.taskId);
      return task.statusMessage?.includes('1 of 2 ended') ? task : undefined;
    }, 'the status message to tell of the step that ended');
    expect(working).toMatchObject({ resultType: 'complete', status: 'working' });
    await writeFile(join(dir, 'go'), '');

    const completed = await until(client, created.taskId, 'completed');
    expect(completed.result.structuredContent).toMatchObject({ batch_id: 'tasked', settled: true, timed_out: false, deduplicated: false, counts: { succeeded: 2 } });
    expect(completed.result.content[0].text).toMatch(/tasked/);
    // Kept for the configured time after it ended, counted from creation as the spec counts ttlMs.
    const lived = Date.parse(completed.lastUpdatedAt) - Date.parse(completed.createdAt);
    expect(completed.ttlMs).toBeGreaterThanOrEqual(3600 * 1000 + lived - 1000);
  });

  it('tasks/cancel of a run_batch task cancels the batch', async () => {
    const dir = await tempDir();
    const { client } = await start(transport);
    const created = await call(client, 'run_batch', oneJob(dir, [gated('a', dir)], { batch_id: 'stopped' }));
    await eventually(async () => (await getTask(client, created.taskId)).statusMessage, 'the task to report');
    expect(await client.ok('tasks/cancel', { taskId: created.taskId })).toEqual({ resultType: 'complete', _meta: expect.anything() });
    const cancelled = await until(client, created.taskId, 'cancelled');
    expect(cancelled.result).toBeUndefined();
    const board = (await call(client, 'get_scoreboard', { batch_id: 'stopped', detail: 'full' })).structuredContent;
    expect(stepOf(board, 'j', 'a').status).toBe('canceled');
  });

  it('wait_for_batch as a task: cancelling it ends the wait, never the batch', async () => {
    const dir = await tempDir();
    const { client } = await start(transport);
    await call(client, 'submit_batch', oneJob(dir, [gated('a', dir)], { batch_id: 'kept' }));
    const created = await call(client, 'wait_for_batch', { batch_id: 'kept' });
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    await client.ok('tasks/cancel', { taskId: created.taskId });
    await until(client, created.taskId, 'cancelled');
    const board = (await call(client, 'get_scoreboard', { batch_id: 'kept', detail: 'full' })).structuredContent;
    expect(stepOf(board, 'j', 'a').status).toBe('running');
    await writeFile(join(dir, 'go'), '');
    // A new wait, as a task, completes with the settled scoreboard.
    const again = await call(client, 'wait_for_batch', { batch_id: 'kept', detail: 'full' });
    const completed = await until(client, again.taskId, 'completed');
    expect(stepOf(completed.result.structuredContent, 'j', 'a').status).toBe('succeeded');
  });

  it('retry_step with wait is a task that completes when the retried steps settle', async () => {
    const dir = await tempDir();
    const { client } = await start(transport);
    const plain = await call(client, 'run_batch', { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]), batch_id: 'again' });
    const settled = await until(client, plain.taskId, 'completed');
    expect(settled.result.structuredContent.counts.succeeded).toBe(2);
    const created = await call(client, 'retry_step', { batch_id: 'again', job_id: 'j', step_id: 'a', cascade: true, wait: true });
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    const completed = await until(client, created.taskId, 'completed');
    expect(completed.result.structuredContent).toMatchObject({ cascade_steps: ['b'], timed_out: false, counts: { succeeded: 2 } });
    // Without wait, retry_step answers at once as it always did, task or no task.
    const queued = await call(client, 'retry_step', { batch_id: 'again', job_id: 'j', step_id: 'b' });
    expect(queued.structuredContent.run_ids).toHaveLength(1);
    expect(queued.resultType).toBe('complete');
  });

  it('answers a task the same after a restart, and takes a working one up again', async () => {
    const dir = await tempDir();
    const first = await start(transport);
    const done = await call(first.client, 'run_batch', oneJob(dir, [{ step_id: 'a', command: ['true'] }], { batch_id: 'before' }));
    const completed = await until(first.client, done.taskId, 'completed');
    const waiting = await call(first.client, 'wait_for_batch', { batch_id: (await call(first.client, 'submit_batch', oneJob(dir, [gated('a', dir)], { batch_id: 'held' }))).structuredContent.batch_id });
    await first.stop();

    const second = await start(transport, { runsDir: first.runsDir });
    expect(await getTask(second.client, done.taskId)).toEqual(completed);
    // The gated step ended runner_lost with the first server; the batch is settled, so the wait taken up completes.
    const resumed = await until(second.client, waiting.taskId, 'completed');
    expect(resumed.result.structuredContent).toMatchObject({ batch_id: 'held', settled: true });
  });

  it('refuses what the extension refuses, clearly, and writes nothing', async () => {
    const dir = await tempDir();
    const { client, runsDir } = await start(transport);
    await call(client, 'list_batches', {});
    const before = await treeSnapshot(runsDir);

    const unknown = await client.request('tasks/get', { taskId: 'f'.repeat(32) });
    expect(unknown.error).toMatchObject({ code: -32602, message: expect.stringMatching(/no task `f{32}`/) });
    const malformed = await client.request('tasks/cancel', { taskId: '../../etc/passwd' });
    expect(malformed.error).toMatchObject({ code: -32602 });
    const undeclared = await client.request('tasks/get', { taskId: 'f'.repeat(32) }, { tasks: false });
    expect(undeclared.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });

    // A table planBatch refuses is an error result, as a plain call's: every problem, no task, no batch.
    const refused = await call(client, 'run_batch', { batch_goal_summary: 'short', jobs: [{ job_id: 'j', working_directory: dir, steps: [] }] });
    expect(refused).toMatchObject({ isError: true, _meta: { 'harness-mcp/error': { code: 'launch_table_invalid' } } });
    const badWait = await call(client, 'wait_for_batch', { batch_id: 'nope' });
    expect(badWait).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/not_found: No batch `nope`/) }] });
    const badTimeout = await call(client, 'run_batch', { ...oneJob(dir, [{ step_id: 'a', command: ['true'] }]), timeout_seconds: -1 });
    expect(badTimeout).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/timeout_seconds/) }] });
    expect(await treeSnapshot(runsDir)).toEqual(before);
    expect(await readdir(join(runsDir, '_system')).then((names) => names.includes('tasks'))).toBe(false);
  });

  it('answers a plain call to a client that does not take tasks', async () => {
    const dir = await tempDir();
    const { client } = await start(transport);
    const answered = await client.request('tools/call', { name: 'run_batch', arguments: oneJob(dir, [{ step_id: 'a', command: ['true'] }]) }, { tasks: false });
    expect(answered.result).toMatchObject({ resultType: 'complete', structuredContent: { settled: true, timed_out: false, counts: { succeeded: 1 } } });
  });
});

describe('run_batch and tasks on 2025-11-25', () => {
  it('runs a batch in one plain call, answers the state so far on timeout, and has no tasks methods', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start();
    const done = await server.ok('run_batch', oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    expect(done).toMatchObject({ settled: true, timed_out: false, deduplicated: false, counts: { succeeded: 1 } });
    const going = await server.ok('run_batch', { ...oneJob(dir, [gated('a', dir)]), timeout_seconds: 0.2 });
    expect(going).toMatchObject({ timed_out: true, counts: { running: 1 } });
    await writeFile(join(dir, 'go'), '');
    await expect(server.client.request({ method: 'tasks/get', params: { taskId: 'f'.repeat(32) } }, z.unknown())).rejects.toThrow(/not found/i);
  });
});

describe('MCP tasks behind one URL, over stateless HTTP', () => {
  it('are answered by any server of the runs root: a second one reads the task from disk, and refuses to change it', async () => {
    const dir = await tempDir();
    const first = await startHttpHarness();
    const owner = rawHttp(first.url);
    const created = await call(owner, 'run_batch', oneJob(dir, [gated('a', dir)], { batch_id: 'shared' }));
    const second = await startHttpHarness({ runsDir: first.runsDir });
    const reader = rawHttp(second.url);
    expect(await getTask(reader, created.taskId)).toMatchObject({ taskId: created.taskId, status: 'working', createdAt: created.createdAt });
    // A wait works on the reading server as a plain call, task-taking client or not.
    const waited = await call(reader, 'wait_for_batch', { batch_id: 'shared', timeout_seconds: 0.2 });
    expect(waited).toMatchObject({ resultType: 'complete', structuredContent: { timed_out: true } });
    const refused = await reader.request('tasks/cancel', { taskId: created.taskId });
    expect(refused.error).toMatchObject({ code: -32600, message: expect.stringMatching(/^runs_locked: .*is run by another harness-mcp/), data: { code: 'runs_locked' } });
    await writeFile(join(dir, 'go'), '');
    await until(owner, created.taskId, 'completed');
    expect((await getTask(reader, created.taskId)).status).toBe('completed');
  });

  it('refuses a request whose Mcp-Method header says another method than its body', async () => {
    const http = await startHttpHarness();
    const response = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tasks/get',
        params: { taskId: 'f'.repeat(32), _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    });
    const answer = (await response.json()) as { error?: { code: number; message: string } };
    expect(response.status).toBe(400);
    expect(answer.error).toMatchObject({ code: -32020, message: expect.stringMatching(/Mcp-Method/i) });
  });
});

describe('MCP tasks when the tasks directory cannot be used', () => {
  it('serves everything else, and answers run_batch with its batch and why there is no task', async () => {
    const dir = await tempDir();
    const runsDir = join(dir, 'runs');
    await mkdir(join(runsDir, '_system'), { recursive: true });
    await writeFile(join(runsDir, '_system', 'tasks'), 'not a directory');
    const { client, stop } = await start('stdio', { runsDir });
    const answered = await call(client, 'run_batch', oneJob(await tempDir(), [{ step_id: 'a', command: ['true'] }], { batch_id: 'untasked' }));
    expect(answered.resultType).toBe('complete');
    expect(answered.structuredContent).toMatchObject({ batch_id: 'untasked' });
    expect(answered.content[0].text).toMatch(/^No task could be made \(EEXIST: .*tasks/);
    expect((await call(client, 'list_batches', {})).structuredContent.batches).toHaveLength(1);
    await stop();
  });
});
