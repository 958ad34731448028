import { describeParkedPools, nowIso, type PoolHealth, type RunnerHealth } from '../core/index.js';
import { CLI_LOGS, describeBatch, describeCounts, describeDamaged } from '../scoreboard/index.js';
import { openHarness, orFail, printJson, type StoreOptions } from './common.js';
import { describeSteps } from './describe-steps.js';

/** `pid 4242 on host (runner r1): 2 of 4 running`, and why new attempts are held back, if so. */
function describeRunner(runner: RunnerHealth): string {
  const held = runner.paused_reason ? `; new attempts are held back: ${runner.paused_reason}` : '';
  if (runner.mode === 'worker') {
    return `worker ${runner.runner_id} (pid ${runner.pid} on ${runner.hostname}): ${runner.running} of ${runner.capacity} running, takes ${(runner.agents ?? []).join(', ')}, last seen ${runner.updated_at}${held}`;
  }
  return `served by pid ${runner.pid} on ${runner.hostname} (runner ${runner.runner_id}): ${runner.running} of ${runner.capacity} running${held}`;
}

/** `  pool codex: 2 running, cap 4 of 8; codex parked until 03:00Z: usage limit (five_hour)` */
function describePool(pool: PoolHealth, nowMs: number): string {
  const name = pool.profile === 'default' ? pool.agent : `${pool.agent}/${pool.profile}`;
  const cap = pool.cap < pool.max_cap ? `cap ${pool.cap} of ${pool.max_cap} (halved by rate limits)` : `cap ${pool.cap}`;
  const park = describeParkedPools([pool], nowMs);
  return `  pool ${name}: ${pool.running} running, ${cap}${park ? `; ${park}` : ''}`;
}

/** `harness-mcp status [BATCH]`: the system scoreboard, or one batch's, read from the files. */
export async function status(batchId: string | undefined, options: StoreOptions & { json?: boolean }): Promise<void> {
  const harness = await openHarness(options, { readOnly: true });
  await orFail(async () => {
    if (batchId) {
      const board = await harness.reader.batchScoreboard(batchId, 'all');
      if (options.json) return printJson(board);
      const latest = new Map((await harness.reader.latestAttempts(batchId)).map(({ state }) => [`${state.job_id}/${state.step_id}`, state]));
      process.stdout.write(`${describeBatch({ ...board, next_cursor: null }, CLI_LOGS)}\n`);
      for (const line of describeSteps(board, latest, nowIso())) process.stdout.write(`${line}\n`);
      for (const l of board.landed.items) process.stdout.write(`  landed: ${l.job_id} onto ${l.onto} (${l.result.replace('_', '-')}) at ${l.commit.slice(0, 12)}, ${l.landed_at}\n`);
      if (board.dispatch_paused && !board.settled) process.stdout.write(`  new attempts are held back: ${board.dispatch_paused}\n`);
      return;
    }
    const system = await harness.reader.systemScoreboard();
    if (options.json) return printJson(system);
    process.stdout.write(`${system.batches_total} batches in ${system.runs_root}: ${describeCounts(system.counts)}\n`);
    for (const b of system.batches) process.stdout.write(`  ${b.batch_id.padEnd(40)} ${describeCounts(b.counts)}${b.settled ? ' (settled)' : ''}\n`);
    if (system.runners.length === 0) process.stdout.write('no server runs this runs root: nothing starts until one does (harness-mcp serve)\n');
    for (const runner of system.runners) {
      process.stdout.write(`${describeRunner(runner)}\n`);
      for (const pool of runner.pools) process.stdout.write(`${describePool(pool, Date.now())}\n`);
    }
    for (const line of describeDamaged(system.damaged)) process.stdout.write(`${line}\n`);
  });
  await harness.close();
}
