import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, goal, HarnessServer, stepOf, tempDir, treeSnapshot, workDirIn } from './servers/harness-server.js';

// docs/spec.md §10: bad budgets, prices and set_budget requests are refused clearly, and nothing on disk changes.
const cleanups: (() => Promise<unknown>)[] = [];
let server: HarnessServer;
let work: string;
const BATCH = 'budgeted';

beforeAll(async () => {
  server = await HarnessServer.start({ shared: cleanups, config: { agents: { codex: { model: 'gpt-unpriced' } }, pricing: { 'gpt-priced': { input_usd_per_mtok: 1, cached_input_usd_per_mtok: 0.1, output_usd_per_mtok: 4 } } } });
  work = await workDirIn(await tempDir(cleanups));
  await server.submit({
    batch_id: BATCH,
    batch_goal_summary: goal(),
    budget: { max_tokens: 1000 },
    defaults: { agent: 'command' },
    jobs: [{ job_id: 'j', working_directory: work, budget: { max_wall_seconds: 600 }, steps: [{ step_id: 's', command: ['true'], budget: { max_wall_seconds: 60 } }, { step_id: 'x', command: ['false'] }, { step_id: 'c', agent: 'codex', prompt: 'go', depends_on: ['x'], budget: { max_tokens: 10 } }] }],
  });
  // Settled before any refusal is tried, so the tree changes only if a refusal writes (the codex step never runs: x fails).
  await server.settled(BATCH);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('bad budgets', () => {
  const table = (extra: Record<string, unknown>, step: Record<string, unknown> = {}) => ({
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    ...extra,
    jobs: [{ job_id: 'j', working_directory: work, steps: [{ step_id: 's', command: ['true'], ...step }] }],
  });
  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['a negative batch budget', () => table({ budget: { max_cost_usd: -2 } }), /- budget\.max_cost_usd: is -2; max_cost_usd must be a finite number above 0/],
    ['a zero step budget', () => table({}, { budget: { max_wall_seconds: 0 } }), /- jobs\[0\]\.steps\[0\]\.budget\.max_wall_seconds: is 0; max_wall_seconds must be a finite number above 0 \(leave it out for no limit\)/],
    ['a fractional token budget in defaults', () => table({ defaults: { agent: 'command', budget: { max_tokens: 2.5 } } }), /- defaults\.budget\.max_tokens: is 2\.5; max_tokens must be a whole number above 0/],
    ['an unknown budget key', () => table({ budget: { max_dollars: 3 } }), /- budget: Unrecognized key: "max_dollars"/],
    ['a cost budget on a codex step whose model has no price', () => table({}, { agent: 'codex', prompt: 'go', command: undefined, budget: { max_cost_usd: 1 } }), /- jobs\[0\]\.steps\[0\]\.budget\.max_cost_usd: max_cost_usd needs a price: codex reports no cost, and the harness config has no pricing\.gpt-unpriced/],
  ];

  it.each(cases)('%s is refused at submit with its JSON path, and nothing is written', async (_name, input, message) => {
    const before = await treeSnapshot(server.runsDir);
    const refused = await server.error('submit_batch', input());
    expect(refused.code).toBe('launch_table_invalid');
    expect(refused.text).toMatch(message);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});

describe('bad set_budget requests', () => {
  const cases: [string, () => Record<string, unknown>, string | null, RegExp][] = [
    ['no limit at all', () => ({ batch_id: BATCH }), 'invalid_argument', /budget: set_budget needs at least one of max_tokens, max_cost_usd, max_wall_seconds/],
    ['a negative limit', () => ({ batch_id: BATCH, max_tokens: -1 }), null, /max_tokens: is -1; max_tokens must be a whole number above 0/],
    ['a zero cost', () => ({ batch_id: BATCH, job_id: 'j', max_cost_usd: 0 }), null, /max_cost_usd: is 0; max_cost_usd must be a finite number above 0/],
    ['a step without its job', () => ({ batch_id: BATCH, step_id: 's', max_tokens: 5 }), 'invalid_argument', /step_id needs job_id/],
    ['an unknown batch', () => ({ batch_id: 'nope', max_tokens: 5 }), 'not_found', /No batch `nope`/],
    ['an unknown job', () => ({ batch_id: BATCH, job_id: 'nope', max_tokens: 5 }), 'not_found', /No job `nope`; batch budgeted has jobs j/],
    ['an unknown step', () => ({ batch_id: BATCH, job_id: 'j', step_id: 'nope', max_tokens: 5 }), 'not_found', /No step `nope`/],
    ['a cost on a step that cannot be priced', () => ({ batch_id: BATCH, job_id: 'j', step_id: 'c', max_cost_usd: 1 }), 'invalid_argument', /max_cost_usd: max_cost_usd needs a price: codex reports no cost/],
  ];

  it.each(cases)('%s is refused clearly and writes nothing', async (_name, args, code, message) => {
    const before = await treeSnapshot(server.runsDir);
    const refused = await server.error('set_budget', args());
    if (code) expect(refused.code).toBe(code);
    expect(refused.text).toMatch(message);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
    await expect(access(join(server.runsDir, BATCH, 'budgets.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('the budgets of a batch on disk', () => {
  it('are resolved into batch_meta.json at every level', async () => {
    const meta = JSON.parse(await readFile(join(server.runsDir, BATCH, 'batch_meta.json'), 'utf8'));
    expect(meta.budget).toEqual({ max_tokens: 1000 });
    expect(meta.jobs[0].budget).toEqual({ max_wall_seconds: 600 });
    expect(meta.jobs[0].steps.map((s: any) => s.budget)).toEqual([{ max_wall_seconds: 60 }, null, { max_tokens: 10 }]);
  });

  it('are on the scoreboard with what was spent against them at every level', async () => {
    const board = await server.ok('get_scoreboard', { batch_id: BATCH, detail: 'full' });
    expect(board.budgets).toMatchObject({
      batch: { budget: { max_tokens: 1000 }, reached: null, spent: { tokens: 0, cost_usd: 0, cost_known: true } },
      jobs: { j: { budget: { max_wall_seconds: 600 }, reached: null } },
      held: 0,
      cost_unknown: null,
    });
    expect(board.budgets.jobs.j.spent.wall_seconds).toBeGreaterThanOrEqual(0);
    expect(stepOf(board, 'j', 's').budget).toMatchObject({ budget: { max_wall_seconds: 60 }, reached: null });
    expect(stepOf(board, 'j', 'x').budget).toBeUndefined();
  });

  it('keep what set_budget changed across a restart, and a server that only reads the root sees it too', async () => {
    const dir = await tempDir();
    const runsDir = join(dir, 'runs');
    const workdir = await workDirIn(dir);
    const first = await HarnessServer.start({ runsDir });
    const batchId = await first.submit({
      batch_goal_summary: goal(),
      budget: { max_tokens: 10, max_wall_seconds: 3600 },
      defaults: { agent: 'command' },
      jobs: [{ job_id: 'j', working_directory: workdir, steps: [{ step_id: 's', command: ['true'], budget: { max_wall_seconds: 60 } }] }],
    });
    await first.settled(batchId);
    expect(await first.ok('set_budget', { batch_id: batchId, max_tokens: null, max_cost_usd: 2 })).toEqual({ level: 'batch', budget: { max_wall_seconds: 3600, max_cost_usd: 2 }, held_before: 0, held_after: 0 });
    expect(await first.ok('set_budget', { batch_id: batchId, job_id: 'j', step_id: 's', max_wall_seconds: 120 })).toMatchObject({ level: 'step', budget: { max_wall_seconds: 120 } });

    const reader = await HarnessServer.start({ runsDir }); // the root is run by `first`: this one only reads
    const read = await reader.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(read.budgets.batch.budget).toEqual({ max_wall_seconds: 3600, max_cost_usd: 2 });
    expect(stepOf(read, 'j', 's').budget.budget).toEqual({ max_wall_seconds: 120 });
    expect((await reader.error('set_budget', { batch_id: batchId, max_tokens: 5 })).code).toBe('runs_locked');
    await reader.stop();

    await first.stop();
    const second = await HarnessServer.start({ runsDir });
    const board = await second.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(board.budgets.batch).toMatchObject({ budget: { max_wall_seconds: 3600, max_cost_usd: 2 }, reached: null, spent: { tokens: 0, cost_known: true } });
    expect(stepOf(board, 'j', 's').budget).toMatchObject({ budget: { max_wall_seconds: 120 }, reached: null });
  });
});

describe('a pricing table', () => {
  it('with a price missing is refused at start, naming the model and the price, and nothing is written', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ pricing: { 'gpt-5.5': { input_usd_per_mtok: 1.25, cached_input_usd_per_mtok: 0.125 } } }));
    const failure = await promisify(execFile)(process.execPath, [CLI, '--runs-dir', join(dir, 'runs'), '--config', config]).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/pricing\.gpt-5\.5\.output_usd_per_mtok: the price of output tokens is missing: US dollars per million tokens/);
    await expect(access(join(dir, 'runs'))).rejects.toThrow(/ENOENT/);
  });
});
