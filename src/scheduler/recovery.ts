import { endedState, isTerminal } from '../core/index.js';
import type { AttemptOrphans } from '../process/index.js';
import type { AttemptTransitions } from '../store/index.js';
import type { BatchRecord } from '../batch/index.js';

/**
 * Ends the attempts a dead server left queued or running (docs/spec.md §5 "restart recovery"),
 * after killing whatever of them still runs: the group of the recorded pid, and every process
 * that carries the attempt's HARNESS_RUN_ID, which finds one spawned before its pid reached
 * state.json (still `queued`, `pid: null`). So a retry never runs beside the attempt it
 * replaces. They end failed / runner_lost, which the retry policy treats like any other failure.
 * Those `handedOut` (a worker of the distributed mode runs them, or will) are left to go on.
 */
export async function recoverBatch(
  ctx: { transitions: AttemptTransitions; runnerId: string; log: (m: string) => void },
  record: BatchRecord,
  orphans: AttemptOrphans,
  handedOut: ReadonlySet<string>,
): Promise<number> {
  let recovered = 0;
  for (const attempt of [...record.allAttempts()]) {
    const { state } = attempt;
    if (isTerminal(state.status) || handedOut.has(state.run_id)) continue;
    const killed = await orphans.kill(state.run_id, state.pid);
    if (killed.length > 0) ctx.log(`killed process${killed.length > 1 ? 'es' : ''} ${killed.join(', ')} left running by attempt ${state.run_id}`);
    const ended = endedState(state, {
      status: 'failed',
      failureReason: 'runner_lost',
      message: `the server that ${state.status === 'running' ? 'ran' : 'queued'} it (${state.runner_id ?? 'unknown runner'}) is gone; ended at restart by ${ctx.runnerId}`,
    });
    await ctx.transitions.write(attempt.location, state, ended);
    record.updateState(ended);
    recovered++;
  }
  return recovered;
}
