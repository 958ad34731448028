import { afterAll, describe, expect, it } from 'vitest';
import { agent, oneJob, stepOf, tempDir } from './servers/harness-server.js';
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
