import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { oneJob, stepOf, tempDir } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

const NOON = Date.parse('2030-01-01T12:00:00.000Z');
const HOUR = 3600_000;

/** The state.json of every attempt directory of a step, in the order of their names. */
async function statesByName(stepDir: string): Promise<any[]> {
  return Promise.all((await readdir(stepDir)).sort().map(async (d) => ({ dir: d, ...JSON.parse(await readFile(join(stepDir, d, 'state.json'), 'utf8')) })));
}

describe('attempt order under a wall clock stepped back', () => {
  it('keeps attempts in attempt order and latest right: in scoreboards, current.json, cascades, and read back from the directories or the index', async () => {
    const dir = await tempDir();
    // Only Date is fake: timers, I/O and the agents' processes keep real time.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(NOON);
      let server = await InProcessServer.start();
      const { runsDir } = server;
      const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }, { step_id: 'b', command: ['true'], depends_on: ['a'] }]));
      await server.settled(batchId);
      vi.setSystemTime(NOON - HOUR);
      await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'a' });
      await server.settled(batchId);
      vi.setSystemTime(NOON - 2 * HOUR);
      const third: string = (await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'a', cascade: true })).run_ids[0];
      const board = await server.settled(batchId);

      expect(stepOf(board, 'j', 'a')).toMatchObject({ status: 'succeeded', attempts: 3, run_id: third });
      // The cascade made after b's attempt reran b, though the clock read two hours earlier.
      expect(stepOf(board, 'j', 'b')).toMatchObject({ status: 'succeeded', attempts: 2 });
      const stepDir = join(runsDir, batchId, 'j', 'a');
      const states = await statesByName(stepDir);
      expect(states.map((s) => s.attempt)).toEqual([1, 2, 3]); // created_at, and so the names, never went back
      const currentFile = join(runsDir, batchId, 'j', 'current.json');
      expect(JSON.parse(await readFile(currentFile, 'utf8')).steps.a.latest.run_id).toBe(third);
      await server.stop();

      // As a server without the fix named them: each attempt by the wall clock, so the newest sorts first.
      let current = await readFile(currentFile, 'utf8');
      for (const [i, s] of states.entries()) {
        const stamp = new Date(NOON - i * HOUR).toISOString().replace(/[-:.]/g, '');
        const name = `${stamp}_${s.run_id}`;
        await rename(join(stepDir, s.dir), join(stepDir, name));
        current = current.replaceAll(s.dir, name);
      }
      await writeFile(currentFile, current);
      expect((await statesByName(stepDir)).map((s) => s.attempt)).toEqual([3, 2, 1]);
      const indexFile = join(runsDir, batchId, 'attempts_index.json');
      await rm(indexFile);

      // Read back from the attempt directories; the settled batch is indexed again on the way.
      server = await InProcessServer.start({ runsDir });
      expect(stepOf(await server.settled(batchId), 'j', 'a')).toMatchObject({ attempts: 3, run_id: third });
      await server.stop();

      // Read back from attempts_index.json.
      expect(JSON.parse(await readFile(indexFile, 'utf8')).attempts).toHaveLength(5);
      server = await InProcessServer.start({ runsDir });
      expect(stepOf(await server.settled(batchId), 'j', 'a')).toMatchObject({ attempts: 3, run_id: third });
      // A retry numbers on from the newest attempt, and b stays settled: nothing was reordered.
      const fourth: string = (await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'a' })).run_ids[0];
      const after = await server.settled(batchId);
      expect(stepOf(after, 'j', 'a')).toMatchObject({ attempts: 4, run_id: fourth });
      expect(stepOf(after, 'j', 'b')).toMatchObject({ attempts: 2 });
      const fourthState = (await statesByName(stepDir)).find((s) => s.run_id === fourth);
      expect(fourthState).toMatchObject({ attempt: 4, trigger: 'manual_retry' });
      await server.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
