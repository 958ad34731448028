import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { BatchScoreboardSchema, type BatchScoreboard } from '../../src/core/index.js';
import { compactJson, omittable } from '../../src/mcp/compact-answer.js';

const NOW = '2026-11-01T00:00:00.000Z';
const RUN = '0123456789abcdef';
const counts = { blocked: 0, ready: 0, running: 1, succeeded: 0, failed: 1, needs_attention: 0, canceled: 0 };

/** A full scoreboard with nulls and empty lists at every depth. */
const board: BatchScoreboard = {
  batch_id: 'b',
  submitted_at: NOW,
  computed_at: NOW,
  batch_goal_summary: 'goal',
  runs_root: '/runs',
  jobs_total: 1,
  steps_total: 2,
  heartbeat_stale_after_seconds: 60,
  settled: false,
  counts,
  attention: { total: 1, items: [{ job_id: 'j', step_id: 'f', kind: 'failed', run_id: RUN, failure_reason: 'exit_nonzero', message: null }] },
  running: {
    total: 1,
    items: [{ job_id: 'j', step_id: 'r', run_id: RUN, runner_id: null, attempt_dir: 'b/j/r/x', current_item: null, last_heartbeat_at: null, seconds_since_last_heartbeat: null, started_at: NOW, run_duration_seconds: 1 }],
  },
  blocked: { total: 0, items: [] },
  failures: {
    total: 1,
    items: [{ job_id: 'j', step_id: 'f', run_id: RUN, attempt: 1, host_outcome: { status: 'failed', exit_code: null, failure_reason: 'exit_nonzero', message: null }, agent_outcome: { status: null, summary: null } }],
  },
  failure_groups: [{ failure_reason: null, message: null, count: 1, examples: [{ job_id: 'j', step_id: 'f', run_id: RUN }] }],
  resumes: { total: 0, items: [] },
  usage: null,
  usage_by_agent: {},
  dispatch_paused: null,
  job_changes: { total: 0, items: [] },
  variant_groups: [],
  landed: { total: 0, items: [] },
  steps: [{ job_id: 'j', step_id: 'f', status: 'failed', run_id: RUN, attempts: 1, blocked_reasons: [], retry_at: null }],
  next_cursor: null,
};

describe('compact answers', () => {
  it('leaves out nulls, empty lists and objects left empty, at every depth', () => {
    const compact = compactJson(board) as any;
    expect(JSON.stringify(compact)).not.toMatch(/null|\[\]|\{\}/);
    expect(compact.running.items[0]).toEqual({ job_id: 'j', step_id: 'r', run_id: RUN, attempt_dir: 'b/j/r/x', started_at: NOW, run_duration_seconds: 1 });
    expect(compact.failures.items[0]).not.toHaveProperty('agent_outcome');
    expect(compact.blocked).toEqual({ total: 0 });
    expect(compact.steps[0]).toEqual({ job_id: 'j', step_id: 'f', status: 'failed', run_id: RUN, attempts: 1 });
  });

  it('derives a schema that takes the compact answer and the full one, and nothing the original refuses besides', () => {
    const schema = omittable(BatchScoreboardSchema);
    expect(BatchScoreboardSchema.safeParse(compactJson(board)).success).toBe(false);
    expect(schema.safeParse(compactJson(board)).error).toBeUndefined();
    expect(schema.safeParse(board).error).toBeUndefined();
    expect(schema.safeParse({ ...board, extra: 1 }).success).toBe(false); // still strict
    expect(schema.safeParse({ ...board, counts: { ...counts, failed: -1 } }).success).toBe(false); // checks kept
    const { batch_id: _id, ...withoutId } = board;
    expect(schema.safeParse(withoutId).success).toBe(false); // what is never left out stays required
  });

  it('keeps the descriptions of the fields it makes optional', () => {
    const json = z.toJSONSchema(omittable(BatchScoreboardSchema)) as any;
    expect(json.properties.usage.description).toBe('Token totals where agents report them');
    expect(json.properties.steps.description).toBe('Every step, or one page of them');
    expect(json.properties.steps.items.properties.run_id.description).toBe('The latest attempt');
    expect(json.properties.steps.items.required).toEqual(['job_id', 'step_id', 'status', 'attempts']);
  });
});
