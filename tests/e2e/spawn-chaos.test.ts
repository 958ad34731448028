import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agent, eventually, goal, HarnessServer, isProcessAlive, tempDir } from './servers/harness-server.js';

// Sized for CI; set SPAWN_CHAOS_KILLS and SPAWN_CHAOS_JOBS for a larger run by hand.
const KILLS = Number(process.env.SPAWN_CHAOS_KILLS ?? 16);
const JOBS = Number(process.env.SPAWN_CHAOS_JOBS ?? 8);
const STEPS_PER_JOB = 4;
// How long after the step's exec the server is killed: from before its pid can be on disk to well after.
const DELAYS_S = ['0', '0', '0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '0.3'];
// Long enough that an orphan still holds its lock when the restarted server runs the retry.
const STEP_SECONDS = '2';

/** Whether every claimed kill token has fired or lost its step (the pid its name ends with is gone). */
async function claimsSettled(tokens: string): Promise<boolean> {
  for (const name of await readdir(join(tokens, 'claimed'))) {
    if (await isProcessAlive(Number(name.slice(name.lastIndexOf('.') + 1)))) return false;
  }
  return true;
}

describe('crash chaos around spawn', () => {
  it(`runs no step twice at once through ${KILLS} SIGKILLs of the server timed around the spawn of an attempt`, async () => {
    const dir = await tempDir();
    const locks = join(dir, 'locks');
    const ledger = join(dir, 'ledger');
    const tokens = join(dir, 'tokens');
    await Promise.all([mkdir(locks), mkdir(join(tokens, 'pending'), { recursive: true }), mkdir(join(tokens, 'claimed'), { recursive: true }), mkdir(join(tokens, 'servers'), { recursive: true })]);
    await Promise.all(Array.from({ length: KILLS }, (_, i) => writeFile(join(tokens, 'pending', `${String(i).padStart(3, '0')}_${DELAYS_S[i % DELAYS_S.length]}`), '')));
    const jobs = Array.from({ length: JOBS }, (_, j) => ({
      job_id: `job${j}`,
      working_directory: dir,
      steps: Array.from({ length: STEPS_PER_JOB }, (_, i) => ({
        step_id: `s${i}`,
        command: [agent('spawn-chaos-step.sh'), locks, ledger, `job${j}-s${i}`, STEP_SECONDS, tokens],
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
    // Each claimed token kills the server that runs the step; the test only restarts it.
    for (;;) {
      const next = await eventually(
        async () => {
          // Whether the tokens are used up is read before whether the server lives: the other way
          // round, a step could fire between the two reads and the dead server pass for done.
          const used = (await readdir(join(tokens, 'pending'))).length === 0 && (await claimsSettled(tokens));
          if (!(await isProcessAlive(server.pid))) return 'restart';
          return used ? 'done' : undefined;
        },
        'a step to kill the server, or every kill token to be used',
        120_000,
      );
      if (next === 'done') break;
      server = await start();
    }
    const board = await server.settled('spawn-chaos', 300);
    expect(board.steps.filter((s: any) => s.status !== 'succeeded').map((s: any) => [s.job_id, s.step_id, s.status, s.attempts, s.failure_reason, s.message])).toEqual([]);

    const ledgerLines = (await readFile(ledger, 'utf8')).trim().split('\n');
    const overlaps = ledgerLines.filter((l) => l.startsWith('DOUBLE'));
    let attempts = 0;
    for (const job of jobs) for (const step of job.steps) attempts += (await readdir(join(runsDir, 'spawn-chaos', job.job_id, step.step_id))).length;
    const kills = ledgerLines.filter((l) => l.startsWith('kill ')).length;
    console.log(`spawn chaos: ${kills} SIGKILLs of the server timed around spawn, ${JOBS * STEPS_PER_JOB} steps, ${attempts} attempts, ${overlaps.length} overlapping runs`);
    expect(overlaps).toEqual([]);
    expect(kills).toBe(KILLS);
  }, 600_000);
});
