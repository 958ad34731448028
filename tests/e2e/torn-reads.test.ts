import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goal, HarnessServer, tempDir } from './servers/harness-server.js';

describe('torn reads', () => {
  it('never lets a concurrent reader see partial or invalid JSON in state.json, current.json or the scoreboards', async () => {
    const dir = await tempDir();
    const server = await HarnessServer.start({ maxConcurrency: 8, config: { limits: { max_steps_per_job: 100 } } });
    const jobs = Array.from({ length: 3 }, (_, j) => ({
      job_id: `j${j}`,
      working_directory: dir,
      steps: Array.from({ length: 100 }, (_, i) => ({ step_id: `s${i}`, command: ['sh', '-c', `echo ${i}`], depends_on: i > 0 && i % 10 !== 0 ? [`s${i - 1}`] : [] })),
    }));
    await server.submit({ batch_id: 'busy', batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs });
    const root = join(server.runsDir, 'busy');
    const fixed = [join(root, 'scoreboard.batch.json'), join(server.runsDir, '_system', 'scoreboard.system.json'), ...jobs.map((j) => join(root, j.job_id, 'current.json'))];

    let settled = false;
    const waiting = server.settled('busy', 120).then(() => (settled = true));
    let reads = 0;
    const torn: string[] = [];
    const read = async (path: string) => {
      const text = await readFile(path, 'utf8').catch(() => undefined); // not written yet: fine
      if (text === undefined) return;
      reads++;
      try {
        JSON.parse(text);
      } catch {
        torn.push(path);
      }
    };
    while (!settled) {
      const states: string[] = [];
      for (const entry of await readdir(root, { recursive: true }).catch(() => [] as string[])) if (entry.endsWith('state.json')) states.push(join(root, entry));
      await Promise.all([...fixed, ...states.slice(-40)].map(read));
    }
    await waiting;
    console.log(`torn reads: ${reads} reads of state.json, current.json and scoreboards during a 300-step batch, ${torn.length} torn`);
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(1000);
  });
});
