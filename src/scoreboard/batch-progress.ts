import type { StepCounts } from '../core/index.js';
import type { StepView } from '../batch/index.js';
import { countSteps, isSettled } from './batch-scoreboard.js';

/** How far a batch is, in the three kinds of step a follower asks about. */
export interface BatchProgress {
  /** Steps that ended: succeeded, failed, needs_attention or canceled. */
  ended: number;
  /** Steps blocked for good by a dependency that ended without success: they run only if a person retries. */
  willNotRun: number;
  /** Steps running, ready, or blocked on a dependency that may still succeed. */
  waiting: number;
  /** The steps that did or still can run (ended + waiting): what `ended` counts up to. */
  total: number;
  counts: StepCounts;
  settled: boolean;
}

/** A batch's progress from its step views. */
export function batchProgress(views: Iterable<StepView>): BatchProgress {
  const all = [...views];
  const counts = countSteps(all);
  const willNotRun = all.filter((v) => v.status === 'blocked' && v.blocked.forGood).length;
  const waiting = counts.running + counts.ready + counts.blocked - willNotRun;
  const ended = all.length - waiting - willNotRun;
  return { ended, willNotRun, waiting, total: ended + waiting, counts, settled: isSettled(counts) };
}

/** `2 of 6 ended (1 failed), 1 will not run, 4 waiting`: the parts that are not zero. */
export function describeProgress(progress: BatchProgress): string {
  const { counts } = progress;
  const unsuccessful = (['failed', 'needs_attention', 'canceled'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  const parts = [`${progress.ended} of ${progress.total} ended${unsuccessful.length > 0 ? ` (${unsuccessful.join(', ')})` : ''}`];
  if (progress.willNotRun > 0) parts.push(`${progress.willNotRun} will not run`);
  // Running steps count as waiting: the message changes only when progress does (MCP wants each notification's progress higher).
  if (progress.waiting > 0) parts.push(`${progress.waiting} waiting`);
  return parts.join(', ');
}
