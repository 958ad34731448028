import type { JobStatus } from '../core/index.js';
import type { StepView } from '../batch/index.js';

const WORST_FIRST = ['failed', 'needs_attention', 'canceled', 'blocked'] as const;

/** Whether a step may still change without a person: it runs, may start, or waits on a step that has yet to end. */
export function isStepUnsettled(view: StepView): boolean {
  return view.status === 'running' || view.status === 'ready' || (view.status === 'blocked' && !view.blocked.forGood);
}

/** A job's steps as one status (JobStatusSchema says how). */
export function rollUpJobStatus(views: readonly StepView[]): JobStatus {
  if (views.some((v) => v.status === 'running')) return 'running';
  if (views.some(isStepUnsettled)) return 'queued';
  return WORST_FIRST.find((status) => views.some((v) => v.status === status)) ?? 'succeeded';
}
