import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agent, eventually, goal, HarnessServer, isProcessAlive, tempDir } from './servers/harness-server.js';

// Sized for CI; set SPAWN_CHAOS_KILLS and SPAWN_CHAOS_JOBS for a larger run by hand.
const KILLS = Number(process.env.SPAWN_CHAOS_KILLS ?? 16);
const JOBS = Number(process.env.SPAWN_CHAOS_JOBS ?? 8);
const STEPS_PER_JOB = 4;
const STEP_SECONDS = '0.5';
// How long a step that killed its server works on: an orphan must outlast the restart to be caught.
const ORPHAN_SECONDS = '10';

/** How many servers a step has killed: marks that say `fired` (written right after the kill). */
async function killsFired(chaos: string): Promise<number> {
  const marks = (await readdir(chaos)).filter((n) => n.startsWith('server.'));
  const contents = await Promise.all(marks.map((n) => readFile(join(chaos, n), 'utf8')));
  return contents.filter((c) => c.includes('fired')).length;
}

describe('crash chaos around spawn', () => {
  it(`runs no step twice at once through ${KILLS} SIGKILLs of the server timed around the spawn of an attempt`, async () => {
    const dir = await tempDir();
    const locks = join(dir, 'locks');
    const ledger = join(dir, 'ledger');
    const chaos = join(dir, 'chaos');
    await Promise.all([mkdir(locks), mkdir(chaos)]);
    const jobs = Array.from({ length: JOBS }, (_, j) => ({
      job_id: `job${j}`,
      working_directory: dir,
      steps: Array.from({ length: STEPS_PER_JOB }, (_, i) => ({
        step_id: `s${i}`,
        command: [agent('spawn-chaos-step.sh'), locks, ledger, `job${j}-s${i}`, STEP_SECONDS, chaos, String(KILLS), ORPHAN_SECONDS],
        depends_on: i > 0 ? [`s${i - 1}`] : [],
      })),
    }));
    const table = { batch_id: 'spawn-chaos', batch_goal_summary: goal('chaos'), defaults: { agent: 'command', retries: { max_attempts: KILLS + 5, backoff_seconds: 0 } }, jobs };

    // Every kill costs each running step an attempt (runner_lost), hence KILLS + 5 attempts a step.
    // A step may kill the server while it starts or answers the submission: start again then.
    const dataDir = await tempDir();
    const runsDir = join(dataDir, 'runs');
    const start = async (): Promise<HarnessServer> => {
      for (;;) {
        const server = await HarnessServer.start({ runsDir, maxConcurrency: 4 }).catch(() => undefined);
        if (server) return server;
      }
    };
    let server = await start();
    await server.submit(table).catch(async (error) => {
      if (!(await readdir(join(runsDir, 'spawn-chaos')).catch(() => undefined))) throw error; // not accepted
    });
    // The first step of each of the first KILLS servers kills it; the test only restarts it.
    for (;;) {
      const next = await eventually(
        async () => {
          // The kills are counted before the server is looked at: the other way round, a step
          // could fire between the two reads and the dead server pass for done.
          const used = (await killsFired(chaos)) === KILLS;
          if (!(await isProcessAlive(server.pid))) return 'restart';
          return used ? 'done' : undefined;
        },
        'a step to kill the server, or all the kills to be done',
        120_000,
      );
      if (next === 'done') break;
      server = await start();
    }
    const board = await server.settled('spawn-chaos', 300);

    const ledgerLines = (await readFile(ledger, 'utf8')).trim().split('\n');
    const overlaps = ledgerLines.filter((l) => l.startsWith('DOUBLE'));
    let attempts = 0;
    for (const job of jobs) for (const step of job.steps) attempts += (await readdir(join(runsDir, 'spawn-chaos', job.job_id, step.step_id)).catch(() => [])).length;
    const kills = ledgerLines.filter((l) => l.startsWith('kill ')).length;
    console.log(`spawn chaos: ${kills} SIGKILLs of the server timed around spawn, ${JOBS * STEPS_PER_JOB} steps, ${attempts} attempts, ${overlaps.length} overlapping runs`);
    expect(overlaps).toEqual([]);
    expect(kills).toBe(KILLS);
    expect(board.steps.filter((s: any) => s.status !== 'succeeded').map((s: any) => [s.job_id, s.step_id, s.status, s.attempts])).toEqual([]);
  }, 600_000);
});
