import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchMetaSchema, LaunchTableInvalidError, type ValidationProblem } from '../../src/core/index.js';
import { costAt, spendOfUsage, attemptSpend } from '../../src/core/spend.js';
import { limitReached, overriddenBudget, addSpend, NO_SPEND } from '../../src/core/budget.js';
import { parseHarnessConfig } from '../../src/config/index.js';
import { planBatch, type PlanContext } from '../../src/launch-table/index.js';

let dir: string;
let ctx: PlanContext;
const PRICE = { input_usd_per_mtok: 2, cached_input_usd_per_mtok: 0.5, output_usd_per_mtok: 10 };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-budgets-'));
  ctx = {
    config: parseHarnessConfig({ limits: { min_goal_summary_words: 3 }, agents: { codex: { model: 'gpt-priced' }, gemini: { model: 'gemini-unpriced' } }, pricing: { 'gpt-priced': PRICE } }, 'unit').config,
    agents: new Map([['command', { resumable: false }], ['codex', { resumable: true }], ['claude', { resumable: true }], ['gemini', { resumable: false }]]),
    batchIdTaken: () => undefined,
    now: new Date(),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function table(extra: Record<string, unknown>, steps: unknown[], job: Record<string, unknown> = {}) {
  return { batch_goal_summary: 'one two three', ...extra, jobs: [{ job_id: 'j', working_directory: dir, ...job, steps }] };
}

async function problemsOf(input: unknown): Promise<ValidationProblem[]> {
  const error = await planBatch(input, ctx).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof LaunchTableInvalidError)) throw new Error(`expected a LaunchTableInvalidError, got ${String(error)}`);
  return error.problems;
}

describe('budgets in the launch table', () => {
  it('resolves each level: the step’s own, else defaults.budget; the job’s and the batch’s as given', async () => {
    const planned = await planBatch(
      table(
        { budget: { max_cost_usd: 5 }, defaults: { budget: { max_tokens: 1000 } } },
        [
          { step_id: 'a', agent: 'codex', prompt: 'go', budget: { max_wall_seconds: 60 } },
          { step_id: 'b', agent: 'codex', prompt: 'go' },
        ],
        { budget: { max_tokens: 5000 } },
      ),
      ctx,
    );
    expect(planned.budget).toEqual({ max_cost_usd: 5 });
    expect(planned.jobs[0]!.budget).toEqual({ max_tokens: 5000 });
    expect(planned.jobs[0]!.steps.map((s) => s.budget)).toEqual([{ max_wall_seconds: 60 }, { max_tokens: 1000 }]);
  });

  it('takes an empty budget as no limit', async () => {
    const planned = await planBatch(table({ budget: {} }, [{ step_id: 'a', agent: 'command', command: ['true'], budget: {} }]), ctx);
    expect(planned.budget).toEqual({});
    expect(planned.jobs[0]!.steps[0]!.budget).toEqual({});
  });

  it('refuses negative, zero, fractional token and non-finite budgets at each level, with their JSON paths', async () => {
    const problems = await problemsOf(
      table(
        { budget: { max_tokens: 0 }, defaults: { budget: { max_cost_usd: -1 } } },
        [{ step_id: 'a', agent: 'command', command: ['true'], budget: { max_wall_seconds: Number.POSITIVE_INFINITY, max_tokens: 1.5 } }],
        { budget: { max_cost_usd: Number.NaN, max_pennies: 3 } },
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'budget.max_tokens', message: 'is 0; max_tokens must be a whole number above 0 (leave it out for no limit)' },
        { path: 'defaults.budget.max_cost_usd', message: 'is -1; max_cost_usd must be a finite number above 0 (leave it out for no limit)' },
        { path: 'jobs[0].budget.max_cost_usd', message: expect.stringMatching(/max_cost_usd must be a finite number above 0/) },
        { path: 'jobs[0].budget', message: expect.stringMatching(/Unrecognized key.*max_pennies/) },
        { path: 'jobs[0].steps[0].budget.max_wall_seconds', message: expect.stringMatching(/max_wall_seconds must be a finite number above 0/) },
        { path: 'jobs[0].steps[0].budget.max_tokens', message: 'is 1.5; max_tokens must be a whole number above 0 (leave it out for no limit)' },
      ]),
    );
  });

  it('refuses max_cost_usd on a step whose agent reports no cost and whose model has no price', async () => {
    const problems = await problemsOf(
      table({ defaults: { budget: { max_cost_usd: 1 } } }, [
        { step_id: 'priced', agent: 'codex', prompt: 'go' },
        { step_id: 'claude', agent: 'claude', prompt: 'go' },
        { step_id: 'gemini', agent: 'gemini', prompt: 'go' },
        { step_id: 'cmd', agent: 'command', command: ['true'] },
        { step_id: 'own', agent: 'command', command: ['true'], budget: { max_cost_usd: 1 } },
      ]),
    );
    expect(problems).toEqual([
      { path: 'jobs[0].steps[2].budget.max_cost_usd', message: expect.stringMatching(/^max_cost_usd \(from defaults.budget\) needs a price: gemini reports no cost, and the harness config has no pricing.gemini-unpriced/) },
      { path: 'jobs[0].steps[4].budget.max_cost_usd', message: 'a command step spends no tokens, so it has no cost to limit; use max_wall_seconds' },
    ]);
  });

  it('refuses max_cost_usd for an agent whose model the config does not name', async () => {
    const unnamed = { ...ctx, config: parseHarnessConfig({ limits: { min_goal_summary_words: 3 } }, 'unit').config };
    const error = await planBatch(table({}, [{ step_id: 'a', agent: 'codex', prompt: 'go', budget: { max_cost_usd: 1 } }]), unnamed).catch((e: unknown) => e);
    expect((error as LaunchTableInvalidError).problems).toEqual([
      { path: 'jobs[0].steps[0].budget.max_cost_usd', message: expect.stringMatching(/agents.codex.model is not set in the harness config, so its model is unknown/) },
    ]);
  });

  it('reads a batch_meta.json written before budgets as one without any', () => {
    const old = {
      batch_id: 'b', spec_version: null, submitted_at: new Date().toISOString(), harness_config_version: 'v', batch_goal_summary: 'x',
      launch_table_sha256: 'a'.repeat(64), idempotency_key: null, launch_table: {}, effective_defaults: { timeout_seconds: 1, retries: { max_attempts: 1, backoff_seconds: 0 }, agent: 'command' },
      jobs: [{ job_id: 'j', working_directory: '/w', workspace_policy: 'shared', steps: [{ step_id: 's', agent: 'command', prompt: null, command: ['true'], depends_on: [], resume_from: null, timeout_seconds: 1, retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {} }] }],
    };
    const meta = BatchMetaSchema.parse(old);
    expect(meta.budget).toBeUndefined();
    expect(meta.jobs[0]!.budget).toBeUndefined();
    expect(meta.jobs[0]!.steps[0]!.budget).toBeUndefined();
  });
});

describe('pricing in the harness config', () => {
  it('refuses a pricing entry that misses a price, naming the model and the price', () => {
    expect(() => parseHarnessConfig({ pricing: { 'gpt-5.5': { input_usd_per_mtok: 1, output_usd_per_mtok: 2 } } }, 'test.json')).toThrow(
      /pricing\.gpt-5\.5\.cached_input_usd_per_mtok.*the price of cached input tokens is missing: US dollars per million tokens/s,
    );
  });
});

describe('the arithmetic of spend', () => {
  const usage = { input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 100_000 };

  it('counts tokens as input plus output, cached input inside input', () => {
    expect(spendOfUsage(usage, null)).toEqual({ tokens: 1_100_000, cost_usd: 0, cost_known: false, wall_seconds: 0 });
  });

  it('prices cached input at its own price and the rest of input at the input price', () => {
    // 600k × $2 + 400k × $0.5 + 100k × $10, per million
    expect(costAt(usage, PRICE)).toBeCloseTo(1.2 + 0.2 + 1.0, 10);
    expect(spendOfUsage(usage, PRICE)).toMatchObject({ cost_usd: expect.closeTo(2.4, 10), cost_known: true });
  });

  it('takes the agent’s own cost over any price', () => {
    expect(spendOfUsage({ ...usage, cost_usd: 0.25 }, PRICE)).toMatchObject({ cost_usd: 0.25, cost_known: true });
  });

  it('counts a running attempt’s wall time to its last heartbeat, or to the time asked', () => {
    const state = { status: 'running', started_at: '2026-01-01T00:00:00.000Z', last_heartbeat_at: '2026-01-01T00:00:30.000Z', usage: null } as never;
    expect(attemptSpend(state, null).wall_seconds).toBe(30);
    expect(attemptSpend(state, null, '2026-01-01T00:01:00.000Z').wall_seconds).toBe(60);
    const ended = { status: 'failed', started_at: '2026-01-01T00:00:00.000Z', ended_at: '2026-01-01T00:00:05.500Z', usage: null } as never;
    expect(attemptSpend(ended, null).wall_seconds).toBe(5.5);
  });

  it('keeps a cost unknown once any part of it is', () => {
    expect(addSpend({ ...NO_SPEND, cost_usd: 1 }, { ...NO_SPEND, tokens: 5, cost_known: false })).toEqual({ tokens: 5, cost_usd: 1, cost_known: false, wall_seconds: 0 });
  });

  it('stops an attempt over a limit, and starts nothing once a limit is reached', () => {
    const budget = { max_tokens: 100 };
    expect(limitReached(budget, { ...NO_SPEND, tokens: 100 }, true)).toBeNull();
    expect(limitReached(budget, { ...NO_SPEND, tokens: 100 }, false)).toEqual({ key: 'max_tokens', spent: 100, limit: 100 });
    expect(limitReached(budget, { ...NO_SPEND, tokens: 101 }, true)).toEqual({ key: 'max_tokens', spent: 101, limit: 100 });
    expect(limitReached(null, { ...NO_SPEND, tokens: 1e9 }, false)).toBeNull();
  });

  it('lays set_budget’s fields over the planned budget: a number sets, null removes, absent keeps', () => {
    expect(overriddenBudget({ max_tokens: 10, max_cost_usd: 1 }, { max_tokens: 20, max_cost_usd: null, max_wall_seconds: 5 })).toEqual({ max_tokens: 20, max_wall_seconds: 5 });
    expect(overriddenBudget(null, { max_tokens: 20 })).toEqual({ max_tokens: 20 });
    expect(overriddenBudget({ max_tokens: 10 }, undefined)).toEqual({ max_tokens: 10 });
  });
});
