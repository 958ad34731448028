import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goal, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// docs/spec.md §10: every bad input gets a clear error naming the field and the rule, and nothing on
// disk changes. (Launch-table rules are in validation.test.ts, artifact escapes in control.test.ts.)
const cleanups: (() => Promise<unknown>)[] = [];
let server: InProcessServer;
let runId: string;
const BATCH = 'known';

beforeAll(async () => {
  server = await InProcessServer.start({ shared: cleanups, config: { limits: { max_launch_table_bytes: 64 * 1024, max_tail_events: 100 } } });
  const dir = await tempDir(cleanups);
  await server.submit({
    batch_id: BATCH,
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    jobs: [{ job_id: 'j', working_directory: dir, steps: [{ step_id: 's', command: ['true'] }] }],
  });
  runId = (await server.settled(BATCH)).steps[0].run_id;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('bad input to every tool', () => {
  const cases: [string, string, () => Record<string, unknown>, string, RegExp][] = [
    ['an oversized launch table', 'submit_batch', () => ({ batch_goal_summary: 'x '.repeat(40_000), jobs: [] }), 'launch_table_invalid', /bytes as JSON; at most 65536 .*max_launch_table_bytes/],
    ['retry of an unknown batch', 'retry_step', () => ({ batch_id: 'nope', job_id: 'j', step_id: 's' }), 'not_found', /No batch `nope`/],
    ['retry of an unknown job', 'retry_step', () => ({ batch_id: BATCH, job_id: 'nope', step_id: 's' }), 'not_found', /No job `nope`; batch known has jobs j/],
    ['retry of an unknown step', 'retry_step', () => ({ batch_id: BATCH, job_id: 'j', step_id: 'nope' }), 'not_found', /No step `nope`/],
    ['retry with an id that climbs out', 'retry_step', () => ({ batch_id: '../..', job_id: 'j', step_id: 's' }), '', /batch_id/],
    ['cancel of an unknown run', 'cancel_run', () => ({ run_id: 'ffffffffffffffff' }), 'not_found', /No run `ffffffffffffffff`/],
    ['cancel with a malformed run id', 'cancel_run', () => ({ run_id: '../state' }), '', /run_id is 16 lowercase hex digits/],
    ['tail of an unknown run', 'tail_events', () => ({ run_id: 'ffffffffffffffff' }), 'not_found', /No run/],
    ['tail of more events than allowed', 'tail_events', () => ({ run_id: runId, lines: 101 }), 'invalid_argument', /lines: 101 is over the limit of 100 .*max_tail_events/],
    ['tail from a cursor it never gave', 'tail_events', () => ({ run_id: runId, cursor: '-5' }), 'invalid_argument', /cursor: `-5` is not a cursor/],
    ['tail from past the end', 'tail_events', () => ({ run_id: runId, cursor: '99999999' }), 'invalid_argument', /cursor: 99999999 is past the end/],
    ['fetch of a step with no such job', 'fetch_artifact', () => ({ batch_id: BATCH, job_id: 'x', step_id: 's', name: 'state' }), 'not_found', /No job `x`/],
    ['a scoreboard of an unknown batch', 'get_scoreboard', () => ({ batch_id: 'nope' }), 'not_found', /No batch `nope`/],
    ['a wait for an unknown batch', 'wait_for_batch', () => ({ batch_id: 'nope', timeout_seconds: 1 }), 'not_found', /No batch `nope`/],
  ];

  it.each(cases)('%s is refused clearly and writes nothing', async (_name, tool, args, code, message) => {
    const before = await treeSnapshot(server.runsDir);
    const refused = await server.error(tool, args());
    if (code) expect(refused.code).toBe(code);
    expect(refused.text).toMatch(message);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});
