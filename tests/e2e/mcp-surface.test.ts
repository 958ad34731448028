import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, eventually, goal, HarnessServer, tempDir } from './servers/harness-server.js';
import { REVISIONS } from './servers/harness-client.js';
import { InProcessServer } from './servers/in-process-server.js';

const TOOLS = [
  'cancel_run',
  'compare_variants',
  'fetch_artifact',
  'gc',
  'get_changes',
  'get_harness_config',
  'get_scoreboard',
  'land_job',
  'list_batches',
  'release_pool',
  'retry_step',
  'run_batch',
  'set_budget',
  'set_drain',
  'submit_batch',
  'tail_events',
  'wait_for_batch',
];

function commandTable(dir: string, steps: number, batchId?: string) {
  return {
    ...(batchId ? { batch_id: batchId } : {}),
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    jobs: [{ job_id: 'j', working_directory: dir, steps: Array.from({ length: steps }, (_, i) => ({ step_id: `s${i}`, command: ['true'] })) }],
  };
}

describe.each(REVISIONS)('the MCP surface over stdio (%s)', (revision) => {
  it('lists its tools (those of docs/spec.md §8.1), each with an input and an output schema', async () => {
    const server = await HarnessServer.start({ revision });
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    // submit_batch advertises the launch table itself, so a model can write one from the schema.
    const submit = tools.find((t) => t.name === 'submit_batch')!;
    expect(submit.inputSchema.required).toEqual(['batch_goal_summary', 'jobs']);
    expect(JSON.stringify(submit.inputSchema.properties?.jobs)).toContain('working_directory');
    expect(server.client.getInstructions()).toMatch(/submit_batch/);
  });

  it('submits, waits with progress notifications, pages the steps and lists the batch', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ revision, config: { scoreboard: { steps_page_size: 4 } }, maxConcurrency: 3 });
    const submitted = await server.ok('submit_batch', commandTable(dir, 10, 'paged'));
    expect(submitted).toEqual({ batch_id: 'paged', jobs_total: 1, steps_total: 10, scoreboard_uri: 'harness://batches/paged/scoreboard', deduplicated: false });

    const progress: { progress: number; total?: number }[] = [];
    const waited = await server.client.callTool({ name: 'wait_for_batch', arguments: { batch_id: 'paged', timeout_seconds: 60, detail: 'full' } }, {
      onprogress: (p) => progress.push(p),
      timeout: 120_000,
    });
    const board = waited.structuredContent as any;
    expect(board).toMatchObject({ timed_out: false, settled: true, counts: { succeeded: 10 }, steps_total: 10 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.total === 10)).toBe(true);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await server.ok('get_scoreboard', { batch_id: 'paged', detail: 'full', ...(cursor ? { cursor } : {}) });
      expect(page.steps.length).toBeLessThanOrEqual(4);
      seen.push(...page.steps.map((s: any) => s.step_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    const summary = await server.ok('get_scoreboard', { batch_id: 'paged', detail: 'summary' });
    expect(summary).not.toHaveProperty('steps'); // a summary lists no steps, and leaves out empty lists
    expect(summary.counts.succeeded).toBe(10);
    expect(await server.error('get_scoreboard', { batch_id: 'paged', detail: 'full', cursor: 'abc' })).toMatchObject({ code: 'invalid_argument' });
    expect(await server.error('get_scoreboard', { batch_id: 'unknown' })).toMatchObject({ code: 'not_found' });

    expect((await server.ok('list_batches')).batches).toEqual([
      { batch_id: 'paged', submitted_at: expect.any(String), counts: expect.objectContaining({ succeeded: 10 }), settled: true, steps_total: 10 },
    ]);
    const system = await server.ok('get_scoreboard');
    expect(system.batches[0]).toMatchObject({ batch_id: 'paged', scoreboard_uri: 'harness://batches/paged/scoreboard', settled: true });
    expect(system.runners[0]).toMatchObject({ mode: 'active', capacity: 3 });
  });
});

// The rest of the surface is the MCP layer's; the two journeys above prove the built server over stdio.
describe.each(REVISIONS)('the MCP surface (%s)', (revision) => {
  it('answers wait_for_batch with timed_out when the batch is still going', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision });
    const batchId = await server.submit({ ...commandTable(dir, 1), jobs: [{ job_id: 'j', working_directory: dir, steps: [{ step_id: 'slow', command: ['sleep', '30'] }] }] });
    // Running first, so the short wait below can only time out, however loaded the machine is.
    await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running === 1, 'the step to start');
    const board = await server.ok('wait_for_batch', { batch_id: batchId, timeout_seconds: 0.3 });
    expect(board).toMatchObject({ timed_out: true, settled: false, counts: { running: 1 } });
    await server.ok('cancel_run', { batch_id: batchId });
  });

  it('serves scoreboards, batch meta and artifacts as resources, listed and completed through templates', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision });
    await server.submit(commandTable(dir, 2, 'res'));
    const board = await server.settled('res');
    const runId = board.steps[0].run_id;

    const templates = (await server.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['harness://batches/{batch_id}/meta', 'harness://batches/{batch_id}/scoreboard', 'harness://runs/{run_id}/{name}']);
    const listed = (await server.client.listResources()).resources.map((r) => r.uri);
    expect(listed).toEqual(expect.arrayContaining(['harness://scoreboard', 'harness://batches/res/scoreboard', 'harness://batches/res/meta']));

    const read = async (uri: string) => JSON.parse(((await server.client.readResource({ uri })).contents[0] as { text: string }).text);
    expect((await read('harness://scoreboard')).batches[0].batch_id).toBe('res');
    expect(await read('harness://batches/res/scoreboard')).toMatchObject({ batch_id: 'res', counts: { succeeded: 2 } });
    expect((await read('harness://batches/res/meta')).jobs[0].steps).toHaveLength(2);
    expect(await read(`harness://runs/${runId}/state`)).toMatchObject({ run_id: runId, status: 'succeeded' });
    expect((await server.client.readResource({ uri: `harness://runs/${runId}/events` })).contents[0]).toMatchObject({ mimeType: 'application/x-ndjson' });
    await expect(server.client.readResource({ uri: `harness://runs/${runId}/passwd` })).rejects.toThrow(/name: `passwd` is not one of/);
    await expect(server.client.readResource({ uri: 'harness://batches/nope/meta' })).rejects.toThrow(/No batch `nope`/);
    // Encoded traversal is refused: matched by no template, or caught by the id check.
    await expect(server.client.readResource({ uri: 'harness://batches/%2e%2e/meta' })).rejects.toThrow(/Resource not found: harness:\/\/batches\/%2e%2e\/meta/);
    await expect(server.client.readResource({ uri: 'harness://runs/%2e%2e%2f%2e%2e/state' })).rejects.toThrow(/run_id: `%2e%2e%2f%2e%2e` is not a run id/);

    const complete = async (uri: string, name: string, value: string) =>
      (await server.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name, value } })).completion.values;
    expect(await complete('harness://batches/{batch_id}/scoreboard', 'batch_id', 'r')).toEqual(['res']);
    expect(await complete('harness://runs/{run_id}/{name}', 'name', 'st')).toEqual(['state', 'stdout', 'stderr']);
    expect(await complete('harness://runs/{run_id}/{name}', 'run_id', runId.slice(0, 4))).toContain(runId);
  });

  it('serves the effective harness config, with its version, as written to disk', async () => {
    const server = await InProcessServer.start({ revision, maxConcurrency: 7 });
    const config = await server.ok('get_harness_config');
    expect(config).toMatchObject({ runners: { max_concurrency: 7 }, timeouts: { kill_grace_seconds: 1 }, harness_config_version: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const onDisk = JSON.parse(await readFile(join(server.runsDir, '_system', 'harness_config.json'), 'utf8'));
    expect(onDisk.harness_config_version).toBe(config.harness_config_version);
    await access(join(server.runsDir, '_system', 'harness_config_versions', `${config.harness_config_version}.json`));
  });
});

describe.each(REVISIONS)('prompts (%s)', (revision) => {
  it('lists plan_batch and review_batch, and fills them in', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision });
    const { prompts } = await server.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['plan_batch', 'review_batch']);
    const plan = await server.client.getPrompt({ name: 'plan_batch', arguments: { goal: 'upgrade the linter', working_directory: dir } });
    expect((plan.messages[0]!.content as { text: string }).text).toMatch(/Goal: upgrade the linter[\s\S]*at least 150 words/);
    const batchId = await server.submit(commandTable(dir, 1));
    await server.settled(batchId);
    const review = await server.client.getPrompt({ name: 'review_batch', arguments: { batch_id: batchId } });
    expect((review.messages[0]!.content as { text: string }).text).toContain(`"batch_id": "${batchId}"`);
  });
});

describe('the harness config', () => {
  it('is refused at start when it carries a secret, and nothing is written', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ runners: { max_concurrency: 2 }, openai_api_key: 'sk-abcdefghijklmnopqrstuvwx', tls: { cert: '-----BEGIN RSA PRIVATE KEY-----\nMII' } }));
    const run = promisify(execFile);
    const failure = await run(process.execPath, [CLI, '--runs-dir', join(dir, 'runs'), '--config', config]).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/openai_api_key looks like a secret; pass credentials through the environment/);
    expect(failure.stderr).toMatch(/tls\.cert holds a value that looks like a secret/);
    await expect(access(join(dir, 'runs'))).rejects.toThrow(/ENOENT/);
  });

  it('is refused at start with every problem named when keys are unknown or values out of range', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ runners: { max_concurency: 2 }, scoreboard: { heartbeat_stale_after_seconds: 60 } }));
    const failure = await promisify(execFile)(process.execPath, [CLI, '--runs-dir', join(dir, 'runs'), '--config', config]).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/runners: Unrecognized key: "max_concurency"/);
    expect(failure.stderr).toMatch(/scoreboard\.heartbeat_stale_after_seconds: Too small/);
  });
});
