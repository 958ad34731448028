import { secondsBetween, type AttemptState, type BatchScoreboard } from '../core/index.js';

// A terminal line holds the first line of a summary, cut to this.
const SUMMARY_CHARS = 100;

/** `0.4 s`, `12.0 s`, `3m 05s`, `2h 07m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${two(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h ${two(Math.floor((whole % 3600) / 60))}m`;
}

/** What a step's latest attempt says of itself: what it is doing while it runs, then its report's summary, else why it ended. */
function summaryOf(state: AttemptState): string {
  const text = (state.status === 'running' ? state.current_item : (state.agent_outcome?.summary ?? state.message)) ?? '';
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS - 1)}…` : line;
}

/**
 * One line per step for `status BATCH`: status, attempts, how long the latest attempt ran (or
 * has been running), its run id and its report's summary, or why the step is blocked.
 */
export function describeSteps(board: BatchScoreboard, latest: Map<string, AttemptState>, now: string): string[] {
  return board.steps.map((step) => {
    const state = latest.get(`${step.job_id}/${step.step_id}`);
    const attempts = `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}`;
    const duration = state?.started_at ? formatDuration(secondsBetween(state.started_at, state.ended_at ?? now)) : '';
    const said =
      step.blocked_reasons.length > 0
        ? `(${step.blocked_reasons.join('; ')})`
        : [state ? summaryOf(state) : '', step.retry_at ? `(retry due at ${step.retry_at})` : ''].filter(Boolean).join(' ');
    const columns = [`${step.job_id}/${step.step_id}`.padEnd(32), step.status.padEnd(15), attempts.padEnd(11), duration.padEnd(8), (step.run_id ?? '').padEnd(16), said];
    return `  ${columns.join(' ').trimEnd()}`;
  });
}
