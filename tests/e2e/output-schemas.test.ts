import { afterAll, describe, expect, it } from 'vitest';
import { agent, HarnessServer, oneJob, stepOf, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// A schema with an `$id`, as schemas copied from elsewhere often have.
const SCHEMA = {
  $id: 'https://example.com/schemas/review.json',
  type: 'object',
  required: ['status', 'summary', 'verdict'],
  properties: { status: { enum: ['success', 'failure', 'blocked'] }, summary: { type: 'string' }, verdict: { enum: ['ship', 'hold'] } },
};

describe('an output_schema with an $id', () => {
  it('serves every step and batch that uses it, not only the first to compile it', async () => {
    const server = await InProcessServer.start({ shared: cleanups });
    const dir = await tempDir(cleanups);
    const report = JSON.stringify({ status: 'success', summary: 'looked', verdict: 'ship' });
    const step = (id: string) => ({ step_id: id, command: [agent('report.sh'), report], output_schema: SCHEMA });
    const first = await server.submit(oneJob(dir, [step('a'), step('b')]));
    expect((await server.settled(first)).counts).toMatchObject({ succeeded: 2 });
    // The same $id with other content, in a later batch.
    const other = { ...SCHEMA, required: ['status', 'summary'] };
    const second = await server.submit(oneJob(dir, [step('c'), { ...step('d'), output_schema: other }]));
    const board = await server.settled(second);
    expect(board.counts).toMatchObject({ succeeded: 2 });
    expect(stepOf(board, 'j', 'd').status).toBe('succeeded');
  });
});

describe('an output_schema from a hostile table', () => {
  // Backtracks exponentially on a run of a's that fails to match: 40 of them take longer than anyone waits.
  const BACKTRACKING = { type: 'object', required: ['summary'], properties: { summary: { type: 'string', pattern: '^(a+)+$' } } };
  const report = (summary: string) => JSON.stringify({ status: 'success', summary });

  it('cannot stop the server: a report that takes too long to check needs attention, and the next check works', async () => {
    const server = await HarnessServer.start({ shared: cleanups, config: { limits: { report_check_ms: 1000 } } });
    const dir = await tempDir(cleanups);
    const stalls = await server.submit(oneJob(dir, [{ step_id: 'stalls', command: [agent('report.sh'), report(`${'a'.repeat(40)}!`)], output_schema: BACKTRACKING }]));
    expect(stepOf(await server.settled(stalls), 'j', 'stalls').status).toBe('needs_attention');
    const stalled = JSON.parse((await server.ok('fetch_artifact', { batch_id: stalls, job_id: 'j', step_id: 'stalls', name: 'state' })).content);
    expect(stalled.failure_reason).toBe('schema_invalid');
    expect(stalled.message).toMatch(/could not be checked against the output schema: checking it took longer than 1000 ms \(limits\.report_check_ms\)/);

    // The checker's thread was ended with its check; the next reports are checked on a new one.
    const later = await server.submit(
      oneJob(dir, [
        { step_id: 'matches', command: [agent('report.sh'), report('aaaa')], output_schema: BACKTRACKING },
        { step_id: 'breaks', command: [agent('report.sh'), report('bbb')], output_schema: BACKTRACKING },
      ]),
    );
    const board = await server.settled(later);
    expect(stepOf(board, 'j', 'matches').status).toBe('succeeded');
    expect(stepOf(board, 'j', 'breaks').status).toBe('needs_attention');
    const broke = JSON.parse((await server.ok('fetch_artifact', { batch_id: later, job_id: 'j', step_id: 'breaks', name: 'state' })).content);
    expect(broke.message).toMatch(/does not match the output schema: report\/summary must match pattern/);
  });

  it('is refused at submit when a table\'s output schemas are larger together than limits.max_output_schema_bytes, before they are compiled', async () => {
    const server = await HarnessServer.start({ shared: cleanups, config: { limits: { max_output_schema_bytes: 4096 } } });
    const dir = await tempDir(cleanups);
    const before = await treeSnapshot(server.runsDir);
    const schemaOf = (fields: number, tag: string) => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: fields }, (_, i) => [`${tag}${i}`, { type: 'string' }])) });
    const refused = await server.error('submit_batch', oneJob(dir, [{ step_id: 'a', command: ['true'], output_schema: schemaOf(200, 'f') }]));
    expect(refused.code).toBe('launch_table_invalid');
    expect(refused.text).toMatch(/jobs\[0\]\.steps\[0\]\.output_schema: is \d+ bytes as JSON; a table's distinct output schemas may have at most 4096 together \(limits\.max_output_schema_bytes\)/);
    // Small ones each, too many together; the same schema twice counts once.
    const steps = ['a', 'b', 'c', 'd'].map((id) => ({ step_id: id, command: ['true'], output_schema: schemaOf(45, id) }));
    const several = await server.error('submit_batch', oneJob(dir, [...steps, { step_id: 'again', command: ['true'], output_schema: schemaOf(45, 'a') }]));
    expect(several.error!.problems!.map((p: { path: string }) => p.path)).toEqual(['jobs[0].steps[3].output_schema']);
    expect(several.error!.problems![0]!.message).toMatch(/with the \d+ bytes of the table's other output schemas/);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});
