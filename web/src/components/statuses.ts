import type { StepCounts, StepStatus } from '../../../src/core/scoreboard.js';

/** Every step status in the order a person reads a batch: what needs them first, then what moves, then what is done. */
export const STATUSES: readonly StepStatus[] = ['failed', 'needs_attention', 'running', 'ready', 'blocked', 'succeeded', 'canceled'];

/** "needs attention" for needs_attention: the words a legend or a count shows. */
export function statusLabel(status: StepStatus): string {
  return status.replace('_', ' ');
}

/** The steps of `counts` that wait on a person: failed or needing attention. */
export function attentionCount(counts: StepCounts): number {
  return counts.failed + counts.needs_attention;
}

export function countsOf(statuses: Iterable<StepStatus>): StepCounts {
  const counts: StepCounts = { blocked: 0, ready: 0, running: 0, succeeded: 0, failed: 0, needs_attention: 0, canceled: 0 };
  for (const status of statuses) counts[status] += 1;
  return counts;
}

/** "3 succeeded, 1 failed": the non-zero counts in STATUSES order. */
export function describeCounts(counts: StepCounts): string {
  const parts = STATUSES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${statusLabel(s)}`);
  return parts.length ? parts.join(', ') : 'no steps';
}
