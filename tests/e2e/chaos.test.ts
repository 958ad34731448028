import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agent, eventually, goal, HarnessServer, isProcessAlive, tempDir } from './servers/harness-server.js';

// Sized for CI; set CHAOS_JOBS and CHAOS_KILLS for a larger run by hand.
const JOBS = Number(process.env.CHAOS_JOBS ?? 6);
const STEPS_PER_JOB = 10;
const KILLS = Number(process.env.CHAOS_KILLS ?? 6);
const FAILING = { job: 'job1', step: 's3' };

/** Every file below `dir`. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('crash chaos', () => {
  it(`finishes a batch of ${JOBS * STEPS_PER_JOB} steps through ${KILLS} SIGKILLs of the server: nothing lost, nothing run twice at once`, async () => {
    const dir = await tempDir();
    const locks = join(dir, 'locks');
    await mkdir(locks);
    const ledger = join(dir, 'ledger');
    const jobs = Array.from({ length: JOBS }, (_, j) => ({
      job_id: `job${j}`,
      working_directory: dir,
      steps: Array.from({ length: STEPS_PER_JOB }, (_, i) => {
        const failing = `job${j}` === FAILING.job && `s${i}` === FAILING.step;
        const seconds = (0.05 + ((i * 7 + j * 3) % 5) * 0.05).toFixed(2);
        return {
          step_id: `s${i}`,
          command: [agent('chaos-step.sh'), locks, ledger, `job${j}-s${i}`, seconds, failing ? '1' : '0'],
          depends_on: i >= 2 ? [`s${i - 2}`] : [],
        };
      }),
    }));
    const table = { batch_id: 'chaos', batch_goal_summary: goal('chaos'), defaults: { agent: 'command', retries: { max_attempts: 10, backoff_seconds: 0 } }, jobs };

    let server = await HarnessServer.start({ maxConcurrency: 4 });
    const runsDir = server.runsDir;
    await server.submit(table);
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 900)); // a random moment mid-run
      process.kill(server.pid, 'SIGKILL');
      await eventually(async () => !(await isProcessAlive(server.pid)) || undefined, 'the server to die');
      server = await HarnessServer.start({ runsDir, maxConcurrency: 4 });
    }
    const board = await server.settled('chaos', 300);

    // Every step ended as it should: all succeed but the failing one, whose dependents never ran.
    const failingDeps = new Set(['s5', 's7', 's9']);
    for (const step of board.steps) {
      const expected = step.job_id !== FAILING.job ? 'succeeded' : step.step_id === FAILING.step ? 'failed' : failingDeps.has(step.step_id) ? 'blocked' : 'succeeded';
      expect(`${step.job_id}/${step.step_id} ${step.status}`).toBe(`${step.job_id}/${step.step_id} ${expected}`);
    }
    // No run of a step overlapped another run of it.
    const ledgerLines = (await readFile(ledger, 'utf8')).trim().split('\n');
    expect(ledgerLines.filter((l) => l.startsWith('DOUBLE'))).toEqual([]);

    // Every runner_lost attempt was retried, every JSON file parses, current.json names the newest attempt.
    let attempts = 0;
    let lost = 0;
    let jsonFiles = 0;
    for (const job of jobs) {
      const current = JSON.parse(await readFile(join(runsDir, 'chaos', job.job_id, 'current.json'), 'utf8'));
      for (const step of job.steps) {
        const stepDir = join(runsDir, 'chaos', job.job_id, step.step_id);
        const names = (await readdir(stepDir).catch(() => [])).sort();
        const states = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(stepDir, n, 'state.json'), 'utf8'))));
        attempts += states.length;
        states.forEach((s, i) => {
          if (s.failure_reason !== 'runner_lost') return;
          lost++;
          // Retried by policy: a later attempt exists, unless this one was the last allowed.
          const retried = i < states.length - 1 || states.length === table.defaults.retries.max_attempts;
          expect(retried, `${job.job_id}/${step.step_id}: runner_lost attempt ${s.run_id} (attempt ${i + 1} of ${states.length})`).toBe(true);
        });
        if (names.length) expect(current.steps[step.step_id].latest.run_id).toBe(names.at(-1)!.slice(-16));
      }
    }
    for (const file of await files(runsDir)) {
      if (!/\.json$/.test(file)) continue;
      JSON.parse(await readFile(file, 'utf8'));
      jsonFiles++;
    }
    console.log(`chaos: ${KILLS} SIGKILLs over ${JOBS * STEPS_PER_JOB} steps, ${attempts} attempts, ${lost} runner_lost (retried by policy), 0 overlapping runs, ${jsonFiles} JSON files parsed, ${ledgerLines.length} ledger lines`);
  });
});
