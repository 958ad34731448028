import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneJob, tempDir, TEST_CONFIG, treeSnapshot } from './servers/harness-server.js';
import { REVISIONS } from './servers/harness-client.js';
import { InProcessServer } from './servers/in-process-server.js';
import { rawStdio } from './servers/raw-modern-client.js';

// gc's confirm asks the user through the client: a multi-round-trip request on 2026-07-28
// (input_required, then the call again with the answer), an elicitation request on 2025-11-25.
describe.each(REVISIONS)('a tool that asks the client to confirm (%s)', (revision) => {
  async function serverWithOldBatch(answer: 'accept' | 'decline') {
    const server = await InProcessServer.start({ revision, clientCapabilities: { elicitation: { form: {} } }, config: { retention_policy: { keep_closed_batches_days: 0 } } });
    const asked: string[] = [];
    server.client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String(request.params.message));
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    const dir = await tempDir();
    await server.settled(await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }], { batch_id: 'old' })));
    return { server, asked };
  }

  it('goes ahead once the user confirms, after telling what would go', async () => {
    const { server, asked } = await serverWithOldBatch('accept');
    const result = await server.ok('gc', { confirm: true });
    expect(asked).toEqual([expect.stringMatching(/^Would remove 1 batches, \d+ bytes: old; .* Go ahead\?$/)]);
    expect(result).toMatchObject({ dry_run: false, removed: [{ batch_id: 'old' }] });
  });

  it('removes nothing when the user declines, and answers the dry run', async () => {
    const { server, asked } = await serverWithOldBatch('decline');
    const before = await treeSnapshot(server.runsDir);
    const result = await server.call('gc', { confirm: true });
    expect(asked).toHaveLength(1);
    expect(result.structuredContent).toMatchObject({ dry_run: true, removed: [{ batch_id: 'old' }] });
    expect((result.content[0] as { text: string }).text).toMatch(/^Not confirmed; nothing removed\./);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});

describe('the 2026-07-28 wire of a confirmation', () => {
  it('is an input_required result naming the elicitation, and the call again with the answer completes', async () => {
    const dir = await tempDir();
    const client = rawStdio(['--runs-dir', join(dir, 'runs')]);
    const cannotAsk = await client.request('tools/call', { name: 'gc', arguments: { confirm: true } });
    expect(cannotAsk.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: { form: {} } } } });
    const elicit = { capabilities: { elicitation: { form: {} } } };
    const first = await client.ok('tools/call', { name: 'gc', arguments: { confirm: true } }, elicit);
    expect(first).toMatchObject({
      resultType: 'input_required',
    });
    const [key] = Object.keys(first.inputRequests);
    expect(key).toMatch(/^gc_confirm_[0-9a-f]{16}$/);
    expect(first.inputRequests[key!]).toMatchObject({ method: 'elicitation/create', params: { mode: 'form', message: expect.stringMatching(/Would remove 0 batches.*Go ahead\?/) } });
    const again = await client.ok('tools/call', {
      name: 'gc',
      arguments: { confirm: true },
      inputResponses: { [key!]: { action: 'accept', content: { confirm: true } } },
      ...(first.requestState === undefined ? {} : { requestState: first.requestState }),
    }, elicit);
    expect(again).toMatchObject({ resultType: 'complete', structuredContent: { dry_run: false, removed: [] } });
  });

  it('asks again when what would go changed between the question and the answer, and removes only what was confirmed', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ ...TEST_CONFIG, retention_policy: { keep_closed_batches_days: 0 } }));
    const client = rawStdio(['--runs-dir', join(dir, 'runs'), '--config', config]);
    const elicit = { capabilities: { elicitation: { form: {} } } };
    const first = await client.ok('tools/call', { name: 'gc', arguments: { confirm: true } }, elicit);
    const [askedAbout] = Object.keys(first.inputRequests);
    // A batch settles while the user reads a question about none.
    const ran = await client.ok('tools/call', { name: 'run_batch', arguments: oneJob(await tempDir(), [{ step_id: 'a', command: ['true'] }], { batch_id: 'late' }) }, { tasks: false });
    expect(ran.structuredContent).toMatchObject({ batch_id: 'late', settled: true });
    const yesToTheOld = { name: 'gc', arguments: { confirm: true }, inputResponses: { [askedAbout!]: { action: 'accept', content: { confirm: true } } } };
    const again = await client.ok('tools/call', yesToTheOld, elicit);
    expect(again.resultType).toBe('input_required');
    const [askedNow] = Object.keys(again.inputRequests);
    expect(askedNow).not.toBe(askedAbout);
    expect(again.inputRequests[askedNow!].params.message).toMatch(/^Would remove 1 batches, \d+ bytes: late;/);
    expect(await readdir(join(dir, 'runs'))).toContain('late');
  });
});
