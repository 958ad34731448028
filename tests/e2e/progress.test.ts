import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Progress } from '@modelcontextprotocol/client';
import { eventually, oneJob, tempDir } from './servers/harness-server.js';
import { REVISIONS } from './servers/harness-client.js';
import { startHttpHarness } from './servers/http-server.js';
import { InProcessServer } from './servers/in-process-server.js';

/** A command step that ends when the test creates its `go-<id>` file in `dir`. */
function gatedStep(dir: string, stepId: string) {
  return { step_id: stepId, command: ['sh', '-c', 'until [ -e "$0" ]; do sleep 0.02; done', join(dir, `go-${stepId}`)] };
}

/** Starts a wait_for_batch with a progress token; resolves with the answer and every notification before it. */
function waitWithProgress(server: InProcessServer, batchId: string) {
  const progress: Progress[] = [];
  const answer = server.client
    .callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 60, detail: 'full' } }, {
      onprogress: (p) => progress.push(p),
      timeout: 120_000,
    })
    .then((result) => ({ board: result.structuredContent as any, before: [...progress] }));
  return { progress, answer };
}

/** What the progress of an answer is: steps ended, of the steps that did or still can run. */
function progressOf(board: any) {
  const { succeeded, failed, needs_attention, canceled } = board.counts;
  const willNotRun = board.blocked.items.filter((b: any) => b.final).length;
  return { progress: succeeded + failed + needs_attention + canceled, total: board.steps_total - willNotRun };
}

describe.each(REVISIONS)('wait_for_batch progress (%s)', (revision) => {
  it('sends the last change of a burst inside the throttle window, and its last notification tells what the answer does', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision, maxConcurrency: 5 });
    await server.client.listTools();
    const ids = ['s1', 's2', 's3', 's4', 's5'];
    const batchId = await server.submit(oneJob(dir, ids.map((id) => gatedStep(dir, id))));
    const release = (id: string) => writeFile(join(dir, `go-${id}`), '');
    const { progress, answer } = waitWithProgress(server, batchId);
    const sawProgress = (n: number) => eventually(async () => progress.some((p) => p.progress === n), `a notification of ${n} ended; saw ${JSON.stringify(progress)}`, 15_000);

    await sawProgress(0);
    await Promise.all(['s1', 's2', 's3'].map(release));
    await sawProgress(3);
    // s4 ends right after the notification of 3, inside the window: it must still be told, before s5 ends.
    await release('s4');
    await sawProgress(4);
    expect(progress.at(-1)).toMatchObject({ progress: 4, total: 5, message: '4 of 5 ended, 1 waiting' });
    await release('s5');

    const { board, before } = await answer;
    expect(board).toMatchObject({ settled: true, timed_out: false, counts: { succeeded: 5 } });
    expect(before.at(-1)).toEqual({ ...progressOf(board), message: '5 of 5 ended' });
    expect(before.map((p) => p.progress)).toEqual([...before.map((p) => p.progress)].sort((a, b) => a - b));
  });

  it('counts steps that will not run apart from ended steps and waiting ones, even for a batch settled before the wait', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start({ revision });
    await server.client.listTools();
    const batchId = await server.submit(
      oneJob(dir, [
        { step_id: 'breaks', command: ['false'] },
        { step_id: 'after', command: ['true'], depends_on: ['breaks'] },
        { step_id: 'last', command: ['true'], depends_on: ['after'] },
        { step_id: 'fine', command: ['true'] },
      ]),
    );
    const first = await waitWithProgress(server, batchId).answer;
    expect(first.board.counts).toMatchObject({ failed: 1, succeeded: 1, blocked: 2 });
    const final = { progress: 2, total: 2, message: '2 of 2 ended (1 failed), 2 will not run' };
    expect(first.before.at(-1)).toEqual(final);
    expect(progressOf(first.board)).toEqual({ progress: 2, total: 2 });

    // A settled batch answers at once, after one notification that says so.
    const again = await waitWithProgress(server, batchId).answer;
    expect(again.before).toEqual([final]);
  });
});

describe.each(REVISIONS)('wait_for_batch progress over Streamable HTTP (%s)', (revision) => {
  it('reaches the client before the answer (a 2026-07-28 answer turns into a stream for it)', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const client = await http.connect(undefined, revision);
    const submitted = await client.callTool({ name: 'submit_batch', arguments: oneJob(dir, [gatedStep(dir, 'a')]) });
    const batchId = (submitted.structuredContent as any).batch_id;
    const progress: Progress[] = [];
    const answer = client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 60 } }, { onprogress: (p) => progress.push(p), timeout: 120_000 });
    await eventually(async () => progress.length > 0 || undefined, 'a progress notification');
    await writeFile(join(dir, 'go-a'), '');
    expect((await answer).structuredContent).toMatchObject({ settled: true, counts: { succeeded: 1 } });
    expect(progress.at(-1)).toMatchObject({ progress: 1, total: 1, message: '1 of 1 ended' });
  });
});
