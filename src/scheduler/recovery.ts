import { endedState, isTerminal } from '../core/index.js';
import type { AttemptOrphans } from '../process/index.js';
import type { AttemptTransitions } from '../store/index.js';
import type { BatchRecord } from '../batch/index.js';

/**
 * Ends the attempts a dead server left queued or running (docs/spec.md §5 "restart recovery"), and
 * first kills whatever of any attempt still runs: the group of its recorded pid, and every process
 * that carries its HARNESS_RUN_ID, which finds one spawned before its pid reached state.json (still
 * `queued`, `pid: null`). So a retry never runs beside the attempt it replaces. The unfinished end
 * failed / runner_lost, which the retry policy then treats like any other failure.
 */
export async function recoverBatch(
  ctx: { transitions: AttemptTransitions; runnerId: string; log: (m: string) => void },
  record: BatchRecord,
  orphans: AttemptOrphans,
): Promise<number> {
  let recovered = 0;
  for (const attempt of [...record.allAttempts()]) {
    const { state } = attempt;
    // An ended attempt may still have stragglers: its server died before their kill escalated.
    const killed = await orphans.kill(state.run_id, isTerminal(state.status) ? null : state.pid);
    if (killed.length > 0) ctx.log(`killed process${killed.length > 1 ? 'es' : ''} ${killed.join(', ')} left running by attempt ${state.run_id}`);
    if (isTerminal(state.status)) continue;
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
