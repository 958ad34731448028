import { endedState } from '../core/index.js';
import type { BatchRecord } from '../batch/index.js';
import type { AttemptOrphans } from '../process/index.js';
import { damageProblem, type AttemptTransitions, type DamagedFiles, type DamagedState } from '../store/index.js';

/**
 * Ends the attempts whose state.json could not be read at start-up (docs/spec.md §4.1): each file
 * is moved aside as `state.json.damaged` and its attempt, read as queued, ends failed /
 * runner_lost saying why, which the retry policy treats like any other lost attempt. A torn
 * state.json lost the pid with the rest, so a process still running is found by the run id in
 * its environment (`orphans`) and killed before the retry can start beside it.
 */
export async function endDamagedAttempts(
  ctx: { transitions: AttemptTransitions; damagedFiles: DamagedFiles; runnerId: string },
  record: BatchRecord,
  damaged: DamagedState[],
  orphans: AttemptOrphans,
): Promise<void> {
  for (const { location, error } of damaged) {
    const aside = await ctx.damagedFiles.setAside(record.batchId, error, 'attempt_ended');
    const attempt = [...record.allAttempts()].find((a) => a.location.dirName === location.dirName && a.location.stepId === location.stepId && a.location.jobId === location.jobId);
    if (!attempt) continue;
    await orphans.kill(attempt.state.run_id, null);
    const ended = endedState(attempt.state, {
      status: 'failed',
      failureReason: 'runner_lost',
      message: `its state.json ${damageProblem(error)}; moved to ${aside}; ended at restart by ${ctx.runnerId}`,
    });
    await ctx.transitions.write(location, attempt.state, ended);
    record.updateState(ended);
  }
}
