import { describe, expect, it } from 'vitest';
import { queuedState, type AttemptState, type LandedFile, type PlannedJob, type PlannedStep } from '../../src/core/index.js';
import { BatchRecord } from '../../src/batch/index.js';
import { deriveJobViews } from '../../src/batch/step-views.js';
import { rollUpJobStatus } from '../../src/scoreboard/job-status.js';
import { landedEntries, systemLandings } from '../../src/scoreboard/landings.js';
import type { StoredAttempt } from '../../src/store/index.js';

function step(id: string, deps: string[] = []): PlannedStep {
  return {
    step_id: id, agent: 'command', prompt: null, command: ['true'], depends_on: deps, resume_from: null,
    timeout_seconds: 10, retries: { max_attempts: 1, backoff_seconds: 5 }, sandbox: null, output_schema: null, env: {}, fallback: null,
  };
}

const JOB: PlannedJob = { job_id: 'j', working_directory: '/tmp', workspace_policy: 'isolated', variant: null, steps: [step('a'), step('b', ['a'])] };

function attempt(stepId: string, status: AttemptState['status']): StoredAttempt {
  const at = '2026-01-01T00:00:00.000Z';
  const terminal = status !== 'queued' && status !== 'running';
  const state: AttemptState = {
    ...queuedState({ run_id: `${stepId}${status}`.padEnd(16, '0').slice(0, 16), batch_id: 'b', job_id: 'j', step_id: stepId, attempt: 1, trigger: 'initial', cascade: false, created_at: at }),
    status,
    failure_reason: status === 'failed' ? 'exit_nonzero' : status === 'canceled' ? 'canceled' : null,
    ...(status !== 'queued' ? { started_at: at } : {}),
    ...(terminal ? { ended_at: at } : {}),
  };
  return { location: { batchId: 'b', jobId: 'j', stepId, dirName: `x_${state.run_id}` }, state };
}

function statusOf(attempts: Record<string, AttemptState['status']>) {
  const map = new Map(Object.entries(attempts).map(([id, status]) => [`j/${id}`, [attempt(id, status)]]));
  return rollUpJobStatus([...deriveJobViews(JOB, map, { retry_on_needs_attention: false, max_limit_retries: 48 }).values()]);
}

describe('rollUpJobStatus', () => {
  it('is running while a step runs and queued while one may still start, whatever has ended', () => {
    expect(statusOf({})).toBe('queued');
    expect(statusOf({ a: 'running' })).toBe('running');
    expect(statusOf({ a: 'succeeded' })).toBe('queued');
  });

  it('once no step can change: succeeded when all did, else the worst of them', () => {
    expect(statusOf({ a: 'succeeded', b: 'succeeded' })).toBe('succeeded');
    expect(statusOf({ a: 'failed' })).toBe('failed'); // b is blocked for good behind it
    expect(statusOf({ a: 'succeeded', b: 'canceled' })).toBe('canceled');
    expect(statusOf({ a: 'canceled' })).toBe('canceled');
  });
});

const landing = (commit: string, landedAt: string) => ({
  onto: 'main', strategy: 'merge' as const, result: 'fast_forward' as const, commit, old_commit: 'o', branch_commit: commit, created: false, checkout_updated: null, landed_at: landedAt,
});

describe('landings on the scoreboards', () => {
  const file = (jobId: string, ...landings: ReturnType<typeof landing>[]): LandedFile => ({ batch_id: 'b', job_id: jobId, branch: `harness/b/${jobId}`, repository: '/r', landings });

  it('lists each landed job once, with its newest landing and how many there were, in the batch’s job order', () => {
    const landed = new Map([['y', file('y', landing('c1', '2026-01-01T00:00:01.000Z'))], ['x', file('x', landing('c2', '2026-01-01T00:00:02.000Z'), landing('c3', '2026-01-01T00:00:03.000Z'))]]);
    expect(landedEntries(['x', 'never', 'y'], landed, 100)).toEqual({
      total: 2,
      items: [
        { job_id: 'x', onto: 'main', strategy: 'merge', result: 'fast_forward', commit: 'c3', landed_at: '2026-01-01T00:00:03.000Z', landings: 2 },
        { job_id: 'y', onto: 'main', strategy: 'merge', result: 'fast_forward', commit: 'c1', landed_at: '2026-01-01T00:00:01.000Z', landings: 1 },
      ],
    });
    expect(landedEntries(['x', 'y'], landed, 1).items.map((i) => i.job_id)).toEqual(['x']);
  });

  it('counts the jobs landed in every batch and keeps the five newest landings, newest first', () => {
    const record = new BatchRecord({ batch_id: 'b', jobs: [] } as never, new Map(), { max_attempts: 1, backoff_seconds: 0, retry_on_needs_attention: false } as never);
    const times = [1, 2, 3, 4, 5, 6, 7].map((s) => `2026-01-01T00:00:0${s}.000Z`);
    record.landed.set('x', file('x', ...times.slice(0, 4).map((t, i) => landing(`x${i}`, t))));
    record.landed.set('y', file('y', ...times.slice(4).map((t, i) => landing(`y${i}`, t))));
    const answer = systemLandings([record]);
    expect(answer.jobs_landed).toBe(2);
    expect(answer.recent.map((r) => r.commit)).toEqual(['y2', 'y1', 'y0', 'x3', 'x2']);
  });
});
