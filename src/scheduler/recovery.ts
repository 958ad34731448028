import { endedState, isTerminal } from '../core/index.js';
import { killOrphanedGroup } from '../process/index.js';
import type { AttemptTransitions } from '../store/index.js';
import type { BatchRecord } from '../batch/index.js';

/**
 * Ends the attempts a dead server left queued or running (docs/spec.md §5 "restart recovery"): their
 * process group is killed if it still runs, so the retry never overlaps it, and they end
 * failed / runner_lost, which the retry policy then treats like any other failure.
 */
export async function recoverBatch(ctx: { transitions: AttemptTransitions; runnerId: string; log: (m: string) => void }, record: BatchRecord): Promise<number> {
  let recovered = 0;
  for (const attempt of [...record.allAttempts()]) {
    const { state } = attempt;
    if (isTerminal(state.status)) continue;
    if (state.pid !== null && (await killOrphanedGroup(state.pid, state.run_id))) {
      ctx.log(`killed process group ${state.pid} left running by attempt ${state.run_id}`);
    }
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
