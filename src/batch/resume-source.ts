import { isTerminal, type PlannedStep } from '../core/index.js';
import type { StoredAttempt } from '../store/index.js';

/**
 * The attempt a resume_from picks among its source step's attempts (docs/spec.md §6): the newest that
 * succeeded, the newest that ended, or the one named by run id; or why there is none.
 */
export function selectResumeSource(
  resumeFrom: NonNullable<PlannedStep['resume_from']>,
  sourceAttempts: readonly StoredAttempt[],
): StoredAttempt | { missing: string } {
  const ended = sourceAttempts.filter((a) => isTerminal(a.state.status));
  let chosen: StoredAttempt | undefined;
  switch (resumeFrom.selector) {
    case 'latest_successful':
      chosen = ended.filter((a) => a.state.status === 'succeeded').at(-1);
      return chosen ?? { missing: `step \`${resumeFrom.step_id}\` has no succeeded attempt to resume` };
    case 'latest':
      chosen = ended.at(-1);
      return chosen ?? { missing: `step \`${resumeFrom.step_id}\` has no finished attempt to resume` };
    case 'run_id':
      chosen = sourceAttempts.find((a) => a.state.run_id === resumeFrom.run_id);
      if (!chosen) return { missing: `run ${resumeFrom.run_id} is not an attempt of step \`${resumeFrom.step_id}\`` };
      return isTerminal(chosen.state.status) ? chosen : { missing: `run ${resumeFrom.run_id} has not ended` };
  }
}
