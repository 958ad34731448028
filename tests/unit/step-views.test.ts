import { describe, expect, it } from 'vitest';
import { queuedState, type AttemptState, type BatchMeta, type PlannedStep } from '../../src/core/index.js';
import { deriveJobViews } from '../../src/batch/step-views.js';
import { describeProgress } from '../../src/scoreboard/index.js';
import { batchProgress } from '../../src/scoreboard/batch-progress.js';
import type { StoredAttempt } from '../../src/store/index.js';

function step(id: string, deps: string[] = [], maxAttempts = 1): PlannedStep {
  return {
    step_id: id, agent: 'command', prompt: null, command: ['true'], depends_on: deps, resume_from: null,
    timeout_seconds: 10, retries: { max_attempts: maxAttempts, backoff_seconds: 5 }, sandbox: null, output_schema: null, env: {}, fallback: null,
  };
}

function meta(steps: PlannedStep[]): BatchMeta {
  return {
    batch_id: 'b', spec_version: null, submitted_at: '2026-01-01T00:00:00.000Z', harness_config_version: 'v', batch_goal_summary: 'g',
    launch_table_sha256: '0'.repeat(64), idempotency_key: null, launch_table: {}, effective_defaults: { timeout_seconds: 10, retries: { max_attempts: 1 }, agent: 'command' },
    jobs: [{ job_id: 'j', working_directory: '/tmp', workspace_policy: 'shared', variant: null, steps }],
  };
}

let clock = 0;
function attempt(stepId: string, status: AttemptState['status'], extra: Partial<AttemptState> = {}): StoredAttempt {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString();
  const terminal = status !== 'queued' && status !== 'running';
  const state: AttemptState = {
    ...queuedState({ run_id: `${clock}`.padStart(16, '0'), batch_id: 'b', job_id: 'j', step_id: stepId, attempt: 1, trigger: 'initial', cascade: false, created_at: at }),
    status,
    failure_reason: status === 'failed' ? 'exit_nonzero' : status === 'canceled' ? 'canceled' : null,
    ...(status !== 'queued' ? { started_at: at } : {}),
    ...(terminal ? { ended_at: at } : {}),
    ...extra,
  };
  return { location: { batchId: 'b', jobId: 'j', stepId, dirName: `x_${state.run_id}` }, state };
}

function views(steps: PlannedStep[], attempts: Record<string, StoredAttempt[]>) {
  const map = new Map(Object.entries(attempts).map(([id, list]) => [`j/${id}`, list]));
  return deriveJobViews(meta(steps).jobs[0]!, map, { retry_on_needs_attention: false, max_limit_retries: 3 });
}

describe('deriveJobViews', () => {
  it('is ready when every dependency succeeded and blocked (waiting) otherwise', () => {
    const v = views([step('a'), step('b', ['a'])], { a: [attempt('a', 'running')] });
    expect(v.get('j/a')!.status).toBe('running');
    expect(v.get('j/b')).toMatchObject({ status: 'blocked', blocked: { forGood: false, reasons: ['waiting for dependency `a` (running)'] } });
    const done = views([step('a'), step('b', ['a'])], { a: [attempt('a', 'succeeded')] });
    expect(done.get('j/b')).toMatchObject({ status: 'ready', next: { trigger: 'initial', cascade: false, notBefore: null } });
  });

  it('blocks for good behind a dependency that ended badly, transitively', () => {
    const v = views([step('a'), step('b', ['a']), step('c', ['b'])], { a: [attempt('a', 'canceled')] });
    expect(v.get('j/b')).toMatchObject({ status: 'blocked', blocked: { forGood: true } });
    expect(v.get('j/c')).toMatchObject({ status: 'blocked', blocked: { forGood: true } });
  });

  it('schedules a retry with exponential backoff while attempts are left', () => {
    const first = attempt('a', 'failed');
    const v = views([step('a', [], 3)], { a: [first] });
    expect(v.get('j/a')).toMatchObject({ status: 'ready', retryAt: new Date(Date.parse(first.state.ended_at!) + 5000).toISOString() });
    const second = attempt('a', 'failed', { trigger: 'auto_retry', attempt: 2 });
    const v2 = views([step('a', [], 3)], { a: [first, second] });
    expect(v2.get('j/a')).toMatchObject({ retryAt: new Date(Date.parse(second.state.ended_at!) + 10_000).toISOString() });
    const third = attempt('a', 'failed', { trigger: 'auto_retry', attempt: 3 });
    expect(views([step('a', [], 3)], { a: [first, second, third] }).get('j/a')!.status).toBe('failed');
  });

  it('does not retry failures the policy does not retry', () => {
    const v = views([step('a', [], 3)], { a: [attempt('a', 'failed', { failure_reason: 'agent_failure' })] });
    expect(v.get('j/a')!.status).toBe('failed');
    const attention = views([step('a', [], 3)], { a: [attempt('a', 'needs_attention', { failure_reason: 'schema_invalid' })] });
    expect(attention.get('j/a')!.status).toBe('needs_attention');
  });

  it('retries an attempt a provider limit ended at once, whatever max_attempts, and does not count it against them', () => {
    const limit = (kind: 'rate_limited' | 'usage_limited' | 'overloaded') => ({ kind, retry_at: null, window: null, source: 'message' as const, mid_conversation: false });
    const limited = attempt('a', 'failed', { failure_reason: 'rate_limited', limit: limit('rate_limited') });
    // max_attempts 1 and already one attempt: a limit ending is still retried, with no backoff (the pool decides when).
    expect(views([step('a', [], 1)], { a: [limited] }).get('j/a')).toMatchObject({ status: 'ready', retryAt: null, next: { trigger: 'auto_retry' } });
    const usage = attempt('a', 'failed', { failure_reason: 'usage_limited', limit: limit('usage_limited'), trigger: 'auto_retry', attempt: 2 });
    const failed = attempt('a', 'failed', { trigger: 'auto_retry', attempt: 3 });
    // Two limit endings, then one real failure: one attempt of two is spent, so one retry is left...
    const v = views([step('a', [], 2)], { a: [limited, usage, failed] });
    expect(v.get('j/a')).toMatchObject({ status: 'ready', retryAt: new Date(Date.parse(failed.state.ended_at!) + 5000).toISOString() });
    // ...and with max_attempts 1 none is.
    expect(views([step('a', [], 1)], { a: [limited, usage, failed] }).get('j/a')!.status).toBe('failed');
    // A step behind it waits, not for good.
    expect(views([step('a'), step('b', ['a'])], { a: [limited] }).get('j/b')).toMatchObject({ status: 'blocked', blocked: { forGood: false } });
    // max_limit_retries (3 here) limit endings in a row, and it is not retried again.
    const inARow = [limited, usage, attempt('a', 'failed', { failure_reason: 'overloaded', limit: limit('overloaded'), trigger: 'auto_retry' })];
    expect(views([step('a', [], 1)], { a: inARow }).get('j/a')!.status).toBe('failed');
    expect(views([step('a', [], 1)], { a: inARow.slice(0, 2) }).get('j/a')!.status).toBe('ready');
  });

  it('runs a finished dependent again after its dependency is retried with cascade', () => {
    const a1 = attempt('a', 'succeeded');
    const b1 = attempt('b', 'succeeded');
    const a2 = attempt('a', 'running', { trigger: 'manual_retry', cascade: true, attempt: 2 });
    const v = views([step('a'), step('b', ['a'])], { a: [a1, a2], b: [b1] });
    expect(v.get('j/b')!.status).toBe('blocked');
    const a2done = { ...a2, state: { ...a2.state, status: 'succeeded' as const, ended_at: a2.state.started_at } };
    const after = views([step('a'), step('b', ['a'])], { a: [a1, a2done], b: [b1] });
    expect(after.get('j/b')).toMatchObject({ status: 'ready', next: { trigger: 'cascade', cascade: true } });
    // A retry without cascade leaves the dependent as it was.
    const plain = { ...a2done, state: { ...a2done.state, cascade: false } };
    expect(views([step('a'), step('b', ['a'])], { a: [a1, plain], b: [b1] }).get('j/b')!.status).toBe('succeeded');
  });
});

describe('batchProgress', () => {
  it('counts ended steps of those that did or still can run, apart from steps that will not run and steps still waiting', () => {
    const steps = [step('a'), step('b'), step('c', ['a']), step('d', ['c']), step('e'), step('f'), step('g', ['e'])];
    const v = views(steps, { a: [attempt('a', 'failed', { failure_reason: 'agent_failure' })], b: [attempt('b', 'succeeded')], e: [attempt('e', 'running')] });
    const progress = batchProgress(v.values());
    // c and d can never run behind the failed a; e runs, f is ready, g waits for e.
    expect(progress).toMatchObject({ ended: 2, willNotRun: 2, waiting: 3, total: 5, settled: false });
    expect(describeProgress(progress)).toBe('2 of 5 ended (1 failed), 2 will not run, 3 waiting');
  });

  it('reaches its total when the batch settles', () => {
    const v = views([step('a'), step('b', ['a'])], { a: [attempt('a', 'canceled')] });
    const progress = batchProgress(v.values());
    expect(progress).toMatchObject({ ended: 1, willNotRun: 1, waiting: 0, total: 1, settled: true });
    expect(describeProgress(progress)).toBe('1 of 1 ended (1 canceled), 1 will not run');
  });
});
