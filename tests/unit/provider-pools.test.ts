import { describe, expect, it } from 'vitest';
import { dispatchPausedText, HarnessConfigSchema, queuedState, type AgentName, type AttemptState, type LimitKind, type PlannedStep, type PoolRecord } from '../../src/core/index.js';
import { ProviderPools } from '../../src/scheduler/provider-pools.js';
import { choosePool } from '../../src/scheduler/pool-choice.js';
import { poolKeyOf } from '../../src/scheduler/pool-key.js';
import type { ReadyStepView } from '../../src/batch/index.js';

const T0 = Date.parse('2026-12-01T02:00:00.000Z');
const codex = { agent: 'codex' as const, profile: 'default' };

function pools(config: Record<string, unknown> = {}, records: PoolRecord[] = []) {
  const saved: PoolRecord[][] = [];
  let changes = 0;
  const parsed = HarnessConfigSchema.parse({ runners: { max_concurrency: 16, pool_grow_after_seconds: 60 }, retries: { limit_jitter_seconds: 0 }, ...config });
  const p = new ProviderPools({ config: parsed, records, save: async (r) => void saved.push(r), onChanged: () => void changes++, log: () => undefined, random: () => 0.5 });
  return { p, saved, changes: () => changes, config: parsed };
}

let runs = 0;
function ended(status: AttemptState['status'], limit?: { kind: LimitKind; retry_at?: string | null; window?: string | null }): AttemptState {
  const at = new Date(T0).toISOString();
  const base = queuedState({ run_id: String(++runs).padStart(16, '0'), batch_id: 'b', job_id: 'j', step_id: 's', attempt: 1, trigger: 'initial', cascade: false, created_at: at });
  return {
    ...base,
    status,
    pid: 1,
    started_at: at,
    ended_at: at,
    failure_reason: limit ? limit.kind : status === 'failed' ? 'exit_nonzero' : null,
    message: limit ? 'You’ve hit your usage limit.' : null,
    limit: limit ? { kind: limit.kind, retry_at: limit.retry_at ?? null, window: limit.window ?? null, source: 'message', mid_conversation: false } : null,
  };
}

describe('ProviderPools', () => {
  it('parks a pool until the reset the provider named, and says so on every scoreboard', async () => {
    const { p, saved } = pools();
    p.recordEnding(codex, ended('failed', { kind: 'usage_limited', retry_at: '2026-12-01T03:00:00.000Z', window: 'five_hour' }), T0 - 1000, T0);
    await p.flush();
    expect(p.park(codex, T0)).toMatchObject({ until: '2026-12-01T03:00:00.000Z', kind: 'usage_limited', window: 'five_hour', since: new Date(T0).toISOString() });
    expect(p.park(codex, Date.parse('2026-12-01T03:00:00.000Z'))).toBeNull();
    expect(dispatchPausedText(null, saved.at(-1)!, T0)).toBe('codex parked until 03:00Z: usage limit (five_hour)');
    expect(dispatchPausedText('draining', saved.at(-1)!, T0)).toBe('draining; codex parked until 03:00Z: usage limit (five_hour)');
    // A usage limit does not touch the cap.
    expect(p.cap(codex)).toBe(16);
  });

  it('waits the configured times when the provider named none: a usage limit the recheck interval, rate limits doubling', () => {
    const { p } = pools({ retries: { limit_jitter_seconds: 0, rate_limit_wait_seconds: 5, usage_limit_recheck_seconds: 40 } });
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0, T0);
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(5000);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0, T0);
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(10_000);
    p.recordEnding(codex, ended('failed', { kind: 'overloaded' }), T0, T0);
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(20_000);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0, T0);
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(40_000); // capped at usage_limit_recheck_seconds
    const claude = { agent: 'claude' as const, profile: 'default' };
    p.recordEnding(claude, ended('failed', { kind: 'usage_limited' }), T0, T0);
    expect(Date.parse(p.park(claude, T0)!.until) - T0).toBe(40_000);
  });

  it('counts the limits of attempts that went out together as one round: one wait, not one doubling each', () => {
    const { p } = pools({ retries: { limit_jitter_seconds: 0, rate_limit_wait_seconds: 5 } });
    // Twelve attempts started together, all refused.
    for (let i = 0; i < 12; i++) p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 - 1000, T0 + i);
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(5000);
    // The next round, started after the first was met, waits twice as long.
    const round2 = T0 + 6000;
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 + 5500, round2);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 + 5500, round2 + 5);
    expect(Date.parse(p.park(codex, round2)!.until) - round2).toBe(10_000);
    // A success started once that park was over ends the run of limits: the next round waits 5 s again.
    const after = round2 + 10_001;
    p.recordEnding(codex, ended('succeeded'), after, after + 100);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), after + 200, after + 300);
    expect(Date.parse(p.park(codex, after + 300)!.until) - (after + 300)).toBe(5000);
  });

  it('adds jitter of at most limit_jitter_seconds and a quarter of the wait', () => {
    const { p } = pools({ retries: { limit_jitter_seconds: 10, rate_limit_wait_seconds: 2 } });
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0, T0);
    // random() is 0.5 here: half of min(10 s, 2 s / 4).
    expect(Date.parse(p.park(codex, T0)!.until) - T0).toBe(2000 + 250);
  });

  it('halves the cap once per round of rate limits and grows it back by one after each quiet window', () => {
    const { p } = pools();
    expect(p.cap(codex)).toBe(16);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 - 5000, T0);
    expect(p.cap(codex)).toBe(8);
    // Attempts started before that halving do not halve again: they went out at the old cap.
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 - 4000, T0 + 100);
    expect(p.cap(codex)).toBe(8);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 + 50, T0 + 200);
    expect(p.cap(codex)).toBe(4);
    // A success after the park, inside the quiet window, clears the park but does not grow the cap.
    const afterPark = Date.parse(p.park(codex, T0 + 200)!.until) + 1;
    p.recordEnding(codex, ended('succeeded'), afterPark, afterPark + 10);
    expect(p.park(codex, afterPark + 10)).toBeNull();
    expect(p.cap(codex)).toBe(4);
    p.recordEnding(codex, ended('succeeded'), afterPark, T0 + 200 + 60_000);
    expect(p.cap(codex)).toBe(5);
    p.recordEnding(codex, ended('succeeded'), afterPark, T0 + 200 + 61_000);
    expect(p.cap(codex)).toBe(5);
    p.recordEnding(codex, ended('succeeded'), afterPark, T0 + 200 + 120_000);
    expect(p.cap(codex)).toBe(6);
  });

  it('keeps a park through the endings of attempts that were running before it, and never goes below 1', () => {
    const { p } = pools({ runners: { max_concurrency: 2 } });
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 - 1, T0);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 + 1, T0 + 2);
    expect(p.cap(codex)).toBe(1);
    p.recordEnding(codex, ended('succeeded'), T0 - 10, T0 + 3);
    expect(p.park(codex, T0 + 3)).not.toBeNull();
    // An attempt that never ran (canceled before it started, runner_lost) says nothing about the provider.
    p.recordEnding(codex, { ...ended('failed'), failure_reason: 'runner_lost' }, T0 + 100_000, T0 + 100_001);
    expect(p.park(codex, T0 + 3)).not.toBeNull();
  });

  it('caps a pool at runners.per_agent_max_concurrency, one number or one per agent, never above max_concurrency', () => {
    expect(pools({ runners: { max_concurrency: 8, per_agent_max_concurrency: 3 } }).p.cap(codex)).toBe(3);
    const perAgent = pools({ runners: { max_concurrency: 8, per_agent_max_concurrency: { claude: 2, codex: 20 } } }).p;
    expect(perAgent.cap({ agent: 'claude', profile: 'default' })).toBe(2);
    expect(perAgent.cap(codex)).toBe(8);
    expect(perAgent.cap({ agent: 'gemini', profile: 'default' })).toBe(8);
  });

  it('releases a park by a person’s word, saves each change, and forgets a pool that is back to normal', async () => {
    const { p, saved, changes } = pools();
    p.recordEnding(codex, ended('failed', { kind: 'usage_limited' }), T0, T0);
    p.recordEnding({ agent: 'codex', profile: 'api.example.com' }, ended('failed', { kind: 'usage_limited' }), T0, T0);
    await p.flush();
    expect(saved.at(-1)).toHaveLength(2);
    expect(p.release('claude', undefined)).toEqual([]);
    expect(p.release('codex', 'api.example.com').map((r) => r.profile)).toEqual(['api.example.com']);
    expect(p.park({ agent: 'codex', profile: 'api.example.com' }, T0)).toBeNull();
    expect(p.park(codex, T0)).not.toBeNull();
    expect(p.release('codex', undefined)).toHaveLength(1);
    await p.flush();
    expect(saved.at(-1)).toEqual([]);
    expect(changes()).toBe(4);
  });

  it('starts a new run of limits when the last park ended longer ago than a recheck interval, and a release restores the cap', () => {
    const { p } = pools({ retries: { limit_jitter_seconds: 0, rate_limit_wait_seconds: 5, usage_limit_recheck_seconds: 100 } });
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0, T0);
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), T0 + 1, T0 + 6000);
    expect(Date.parse(p.park(codex, T0 + 6000)!.until) - (T0 + 6000)).toBe(10_000);
    // Only timeouts since: the park is long over, and the next limit is a first one again.
    const later = T0 + 500_000;
    p.recordEnding(codex, ended('failed', { kind: 'rate_limited' }), later - 10, later);
    expect(p.park(codex, later)).toMatchObject({ since: new Date(later).toISOString() });
    expect(Date.parse(p.park(codex, later)!.until) - later).toBe(5000);
    expect(p.cap(codex)).toBe(2);
    p.release('codex', undefined);
    expect(p.cap(codex)).toBe(16);
  });

  it('starts from the pools a previous server saved', async () => {
    const { p, saved } = pools();
    p.recordEnding(codex, ended('failed', { kind: 'usage_limited', retry_at: '2026-12-01T05:00:00.000Z' }), T0, T0);
    await p.flush();
    const reopened = pools({}, saved.at(-1)!).p;
    expect(reopened.park(codex, T0)?.until).toBe('2026-12-01T05:00:00.000Z');
  });
});

function readyView(step: Partial<PlannedStep>): ReadyStepView {
  const full: PlannedStep = {
    step_id: 's', agent: 'codex', prompt: 'p', command: null, depends_on: [], resume_from: null, timeout_seconds: 60,
    retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {}, fallback: null, ...step,
  };
  return { jobId: 'j', stepId: 's', step: full, latest: null, attempts: 0, status: 'ready', retryAt: null, next: null };
}

describe('choosePool', () => {
  const fallbackStep = { fallback: { agent: 'claude' as const, after_seconds: 600 } };

  it('starts in the step’s own pool while it has room, and waits for a slot when it has none', () => {
    const { p, config } = pools({ runners: { max_concurrency: 4, per_agent_max_concurrency: 2 } });
    const situation = { pools: p, poolOf: (agent: AgentName, step: PlannedStep) => poolKeyOf(agent, step, config.agents), nowMs: T0 };
    expect(choosePool(readyView({}), null, { ...situation, running: new Map([['codex/default', 1]]) })).toMatchObject({ kind: 'start', agent: 'codex', fallback: null });
    expect(choosePool(readyView({}), null, { ...situation, running: new Map([['codex/default', 2]]) })).toEqual({ kind: 'wait', untilMs: null });
  });

  it('waits for a park to end, then falls back once the pool has been parked for fallback_after_seconds', () => {
    const { p, config } = pools();
    p.recordEnding(codex, ended('failed', { kind: 'usage_limited', retry_at: '2026-12-01T05:00:00.000Z' }), T0, T0);
    const situation = { pools: p, poolOf: (agent: AgentName, step: PlannedStep) => poolKeyOf(agent, step, config.agents), running: new Map<string, number>() };
    expect(choosePool(readyView({}), null, { ...situation, nowMs: T0 })).toEqual({ kind: 'wait', untilMs: Date.parse('2026-12-01T05:00:00.000Z') });
    // With a fallback it looks again when fallback_after_seconds are up.
    expect(choosePool(readyView(fallbackStep), null, { ...situation, nowMs: T0 })).toEqual({ kind: 'wait', untilMs: T0 + 600_000 });
    const later = choosePool(readyView(fallbackStep), null, { ...situation, nowMs: T0 + 600_000 });
    expect(later).toMatchObject({ kind: 'start', agent: 'claude', key: { agent: 'claude', profile: 'default' }, fallback: { from: 'codex', parked_since: new Date(T0).toISOString() } });
    // Not when the fallback's own pool is parked too.
    p.recordEnding({ agent: 'claude', profile: 'default' }, ended('failed', { kind: 'usage_limited', retry_at: '2026-12-01T04:00:00.000Z' }), T0, T0);
    expect(choosePool(readyView(fallbackStep), null, { ...situation, nowMs: T0 + 600_000 })).toMatchObject({ kind: 'wait' });
  });

  it('keys pools by the provider a step’s env or the config points the agent at', () => {
    const config = HarnessConfigSchema.parse({ agents: { claude: { base_url: 'https://api.anthropic.com' } } });
    const step = readyView({}).step;
    expect(poolKeyOf('claude', step, config.agents)).toEqual({ agent: 'claude', profile: 'api.anthropic.com' });
    expect(poolKeyOf('claude', { ...step, env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000' } }, config.agents)).toEqual({ agent: 'claude', profile: '127.0.0.1:4000' });
    expect(poolKeyOf('codex', step, config.agents)).toEqual({ agent: 'codex', profile: 'default' });
  });
});
