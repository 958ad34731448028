import { describe, expect, it } from 'vitest';
import { HarnessConfigSchema, queuedState, type AttemptState, type BatchMeta, type Budget, type PlannedStep } from '../../src/core/index.js';
import { BatchRecord, HeldBatches } from '../../src/batch/index.js';
import { HeldBudgets } from '../../src/scheduler/budget-guard.js';
import type { StoredAttempt } from '../../src/store/index.js';

const POLICY = HarnessConfigSchema.parse({ retries: { max_attempts: 1, backoff_seconds: 0 } }).retries;
const T0 = '2026-01-01T00:00:00.000Z';

function step(id: string, budget: Budget | null = null, agent: PlannedStep['agent'] = 'codex'): PlannedStep {
  return { step_id: id, agent, prompt: 'go', command: null, depends_on: [], resume_from: null, timeout_seconds: 10, retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {}, fallback: null, budget };
}

let n = 0;
function attempt(stepId: string, state: Partial<AttemptState>): StoredAttempt {
  const full: AttemptState = {
    ...queuedState({ run_id: `${++n}`.padStart(16, '0'), batch_id: 'b', job_id: 'j', step_id: stepId, attempt: 1, trigger: 'initial', cascade: false, created_at: T0 }),
    ...state,
  };
  return { location: { batchId: 'b', jobId: 'j', stepId, dirName: `x_${full.run_id}` }, state: full };
}

function guardOver(steps: PlannedStep[], jobBudget: Budget | null, attempts: StoredAttempt[], batchBudget: Budget | null = null) {
  const meta = {
    batch_id: 'b', spec_version: null, submitted_at: T0, harness_config_version: 'v', batch_goal_summary: 'g', launch_table_sha256: '0'.repeat(64), idempotency_key: null, launch_table: {},
    effective_defaults: { timeout_seconds: 10, retries: { max_attempts: 1 }, agent: 'codex' }, budget: batchBudget,
    jobs: [{ job_id: 'j', working_directory: '/tmp', workspace_policy: 'shared', variant: null, budget: jobBudget, steps }],
  } as BatchMeta;
  const map = new Map<string, StoredAttempt[]>();
  for (const a of attempts) map.set(`j/${a.location.stepId}`, [...(map.get(`j/${a.location.stepId}`) ?? []), a]);
  const batches = new HeldBatches();
  batches.hold(new BatchRecord(meta, map, POLICY, (agent) => (agent === 'codex' ? { input_usd_per_mtok: 1_000_000, cached_input_usd_per_mtok: 0, output_usd_per_mtok: 0 } : null)));
  return new HeldBudgets(batches);
}

const usage = (input: number, output = 0) => ({ input_tokens: input, cached_input_tokens: 0, output_tokens: output });

describe('the budgets over a running attempt', () => {
  it('stops it when its step’s budget goes over, counting the step’s earlier attempts', () => {
    const earlier = attempt('s', { status: 'failed', failure_reason: 'timeout', started_at: T0, ended_at: T0, usage: usage(60) });
    const guard = guardOver([step('s', { max_tokens: 100 })], null, [earlier]);
    const now = { ...earlier.state, run_id: 'ffffffffffffffff', attempt: 2, status: 'running', started_at: new Date().toISOString(), ended_at: undefined, failure_reason: null } as AttemptState;
    expect(guard.overBudget({ ...now, usage: usage(40) })).toBeNull(); // 100 of 100: at the limit, not over
    expect(guard.overBudget({ ...now, usage: usage(40, 1) })).toBe('step `j/s`’s max_tokens went over: 101 of 100 tokens');
  });

  it('stops it when its job’s budget goes over with what the job’s other steps spent, running ones included', () => {
    const other = attempt('a', { status: 'running', started_at: T0, last_heartbeat_at: T0, usage: usage(500) });
    const mine = attempt('b', { status: 'running', started_at: new Date().toISOString(), usage: usage(0) });
    const guard = guardOver([step('a'), step('b')], { max_tokens: 800 }, [other, mine]);
    expect(guard.overBudget({ ...mine.state, usage: usage(300) })).toBeNull();
    expect(guard.overBudget({ ...mine.state, usage: usage(301) })).toBe('job `j`’s max_tokens went over: 801 of 800 tokens');
  });

  it('leaves a running attempt to the batch’s budget alone: that one holds what has not started', () => {
    const mine = attempt('s', { status: 'running', started_at: new Date().toISOString(), usage: usage(0) });
    const guard = guardOver([step('s')], null, [mine], { max_tokens: 10 });
    expect(guard.overBudget({ ...mine.state, usage: usage(1000) })).toBeNull();
  });

  it('counts wall time to now and cost at the model’s price', () => {
    const started = new Date(Date.now() - 5000).toISOString();
    const mine = attempt('s', { status: 'running', started_at: started, usage: usage(0) });
    expect(guardOver([step('s', { max_wall_seconds: 4 })], null, [mine]).overBudget(mine.state)).toMatch(/^step `j\/s`’s max_wall_seconds went over: \d+(\.\d)? of 4 seconds of wall time$/);
    // A token at $1,000,000 per million is $1.
    expect(guardOver([step('s', { max_cost_usd: 2 })], null, [mine]).overBudget({ ...mine.state, usage: usage(3) })).toBe('step `j/s`’s max_cost_usd went over: $3.0000 of $2.0000');
  });

  it('says what is left of a step’s max_cost_usd for claude’s --max-budget-usd, and nothing without one', () => {
    const earlier = attempt('c', { status: 'failed', failure_reason: 'timeout', started_at: T0, ended_at: T0, usage: { ...usage(10), cost_usd: 0.3 } });
    const guard = guardOver([step('c', { max_cost_usd: 1 }, 'claude'), step('d', null, 'claude')], null, [earlier]);
    expect(guard.remainingStepCostUsd({ batchId: 'b', jobId: 'j', stepId: 'c', dirName: '' })).toBeCloseTo(0.7, 10);
    expect(guard.remainingStepCostUsd({ batchId: 'b', jobId: 'j', stepId: 'd', dirName: '' })).toBeNull();
  });
});
