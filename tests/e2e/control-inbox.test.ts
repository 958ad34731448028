import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, HarnessServer, oneJob, stepOf, tempDir } from './servers/harness-server.js';

/** Leaves a control request as `harness-mcp retry` does: written aside, then renamed in. */
async function dropRequest(dir: string, id: string, request: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, `.${id}.partial`), JSON.stringify(request));
  await rename(join(dir, `.${id}.partial`), join(dir, `${id}.request.json`));
}

async function answerOf(dir: string, id: string): Promise<any> {
  return eventually(async () => {
    const names = await readdir(dir);
    if (names.includes(`${id}.request.json`)) return undefined; // the request file goes last
    return JSON.parse(await readFile(join(dir, `${id}.response.json`), 'utf8'));
  }, `the answer to ${id}`);
}

describe('the control inbox', () => {
  it('carries out a retry request once when a server dies between carrying it out and removing its file', async () => {
    const dir = await tempDir();
    const ledger = join(dir, 'ledger');
    const first = await HarnessServer.start();
    const batchId = await first.submit(oneJob(dir, [{ step_id: 'a', command: ['sh', '-c', `echo ran >> ${ledger}`] }]));
    await first.settled(batchId);
    const control = join(first.runsDir, '_system', 'queue', 'control');
    const request = { op: 'retry', batch_id: batchId, job_id: 'j', step_id: 'a' };
    await dropRequest(control, 'retry-1', request);
    const answered = await answerOf(control, 'retry-1');
    expect(answered).toMatchObject({ ok: true, result: { run_ids: [expect.any(String)] } });
    await first.settled(batchId);
    await first.stop();

    // What a SIGKILL after the retry was made and before its file was removed leaves behind:
    // the request file and the attempt it made, and no answer.
    await rm(join(control, 'retry-1.response.json'));
    await dropRequest(control, 'retry-1', request);
    const second = await HarnessServer.start({ runsDir: first.runsDir });
    const replayed = await answerOf(control, 'retry-1');
    expect(replayed).toMatchObject({ ok: true, result: answered.result });
    const board = await second.settled(batchId);
    expect(stepOf(board, 'j', 'a')).toMatchObject({ status: 'succeeded', attempts: 2, run_id: answered.result.run_ids[0] });
    expect((await readFile(ledger, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2); // the first run and the one retry

    // Another request, with an id of its own, is another retry.
    await dropRequest(control, 'retry-2', request);
    const again = await answerOf(control, 'retry-2');
    expect(again.result.run_ids[0]).not.toBe(answered.result.run_ids[0]);
    expect(stepOf(await second.settled(batchId), 'j', 'a').attempts).toBe(3);
  });
});
