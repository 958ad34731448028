import { describe, expect, it } from 'vitest';
import { HarnessConfigSchema, queuedState, type AttemptState, type BatchMeta, type Budget, type PlannedStep } from '../../src/core/index.js';
import { BatchRecord } from '../../src/batch/index.js';
import type { StoredAttempt } from '../../src/store/index.js';

const POLICY = HarnessConfigSchema.parse({ retries: { max_attempts: 1, backoff_seconds: 0 } }).retries;

function step(id: string, budget: Budget | null = null): PlannedStep {
  return {
    step_id: id, agent: 'codex', prompt: 'go', command: null, depends_on: [], resume_from: null,
    timeout_seconds: 10, retries: { max_attempts: 1, backoff_seconds: 0 }, sandbox: null, output_schema: null, env: {}, fallback: null, budget,
  };
}

function meta(jobs: { id: string; steps: PlannedStep[]; budget?: Budget }[], budget: Budget | null = null): BatchMeta {
  return {
    batch_id: 'b', spec_version: null, submitted_at: '2026-01-01T00:00:00.000Z', harness_config_version: 'v', batch_goal_summary: 'g',
    launch_table_sha256: '0'.repeat(64), idempotency_key: null, launch_table: {}, effective_defaults: { timeout_seconds: 10, retries: { max_attempts: 1 }, agent: 'codex' },
    budget,
    jobs: jobs.map((j) => ({ job_id: j.id, working_directory: '/tmp', workspace_policy: 'shared', variant: null, budget: j.budget ?? null, steps: j.steps })),
  };
}

let clock = 0;
function ended(jobId: string, stepId: string, tokens: number, extra: Partial<AttemptState> = {}): StoredAttempt {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString();
  const state: AttemptState = {
    ...queuedState({ run_id: `${clock}`.padStart(16, '0'), batch_id: 'b', job_id: jobId, step_id: stepId, attempt: 1, trigger: 'initial', cascade: false, created_at: at }),
    status: 'succeeded', started_at: at, ended_at: at,
    usage: { input_tokens: tokens - 10, cached_input_tokens: 0, output_tokens: 10 },
    ...extra,
  };
  return { location: { batchId: 'b', jobId, stepId, dirName: `x_${state.run_id}` }, state };
}

function record(m: BatchMeta, attempts: StoredAttempt[]): BatchRecord {
  const map = new Map<string, StoredAttempt[]>();
  for (const a of attempts) map.set(`${a.location.jobId}/${a.location.stepId}`, [...(map.get(`${a.location.jobId}/${a.location.stepId}`) ?? []), a]);
  return new BatchRecord(m, map, POLICY);
}

const statusOf = (r: BatchRecord, jobId: string, stepId: string) => r.view(jobId, stepId)!;

describe('budget holds', () => {
  it('holds every step not started once the batch’s budget is spent, in every job, not for good', () => {
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')] }, { id: 'b', steps: [step('t')] }], { max_tokens: 100 }), [ended('a', 's1', 100)]);
    for (const [job, s] of [['a', 's2'], ['b', 't']] as const) {
      const view = statusOf(r, job, s);
      expect(view).toMatchObject({ status: 'blocked', blocked: { forGood: false, hold: 'budget_exhausted' } });
      if (view.status === 'blocked') expect(view.blocked.reasons).toEqual(['budget_exhausted: the batch’s max_tokens of 100 tokens is spent; set_budget raises it']);
    }
    expect([...r.readyViews()]).toEqual([]);
  });

  it('starts steps below every budget, and holds those of a job whose own budget is spent', () => {
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')], budget: { max_tokens: 50 } }, { id: 'b', steps: [step('t')] }], { max_tokens: 1000 }), [ended('a', 's1', 60)]);
    expect(statusOf(r, 'a', 's2')).toMatchObject({ status: 'blocked', blocked: { reasons: ['budget_exhausted: job `a`’s max_tokens of 50 tokens is spent; set_budget raises it'] } });
    expect(statusOf(r, 'b', 't').status).toBe('ready');
  });

  it('frees the held steps when set_budget raises the budget, and holds them again when it is spent', () => {
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')] }, { id: 'b', steps: [step('t')] }], { max_tokens: 100 }), [ended('a', 's1', 100)]);
    expect([...r.readyViews()]).toEqual([]);
    r.setBudgetOverrides({ batch_id: 'b', batch: { max_tokens: 1000 }, jobs: {}, steps: {}, updated_at: new Date().toISOString() });
    expect([...r.readyViews()].map((v) => `${v.jobId}/${v.stepId}`)).toEqual(['a/s2', 'b/t']);
    r.addAttempt(ended('b', 't', 900));
    expect([...r.readyViews()]).toEqual([]);
    expect(statusOf(r, 'a', 's2').status).toBe('blocked');
  });

  it('frees them when set_budget removes the limit', () => {
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')] }], { max_tokens: 100 }), [ended('a', 's1', 100)]);
    r.setBudgetOverrides({ batch_id: 'b', batch: { max_tokens: null }, jobs: {}, steps: {}, updated_at: new Date().toISOString() });
    expect(statusOf(r, 'a', 's2').status).toBe('ready');
  });

  it('counts a running attempt’s usage as written so far', () => {
    const running = ended('a', 's1', 120, { status: 'running', ended_at: undefined });
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')] }], { max_tokens: 100 }), [running]);
    expect(statusOf(r, 'a', 's1').status).toBe('running');
    expect(statusOf(r, 'a', 's2').status).toBe('blocked');
    expect(r.spent.batch().tokens).toBe(120);
  });

  it('leaves a batch without budgets alone', () => {
    const r = record(meta([{ id: 'a', steps: [step('s1'), step('s2')] }]), [ended('a', 's1', 1e9)]);
    expect(statusOf(r, 'a', 's2').status).toBe('ready');
  });
});
