import type { AttemptTrigger, HarnessConfig, PlannedJob, PlannedStep, StepStatus } from '../core/index.js';
import { stepKey, type StoredAttempt } from '../store/index.js';

/** A step as the scheduler and the scoreboards see it, derived from the files alone. */
export interface StepView {
  jobId: string;
  stepId: string;
  step: PlannedStep;
  status: StepStatus;
  /** The newest attempt, if any. */
  latest: StoredAttempt | null;
  attempts: number;
  blockedReasons: string[];
  /** Blocked for good: a dependency ended and nothing will change that but a person's retry. */
  blockedFinal: boolean;
  /** When the step is ready but waits for a retry's backoff. */
  retryAt: string | null;
  /** The attempt the scheduler should create for a ready step that has no queued one. */
  next: { trigger: AttemptTrigger; cascade: boolean; notBefore: string | null } | null;
}

export type RetryPolicy = Pick<HarnessConfig['retries'], 'retry_on_needs_attention'>;

const RETRYABLE = new Set(['exit_nonzero', 'timeout', 'runner_lost', 'stuck']);
// Doubling stops at a day: a retry later than that is no retry anyone waits for.
const MAX_BACKOFF_MS = 24 * 3600 * 1000;

/**
 * Every step's status in one job (docs/spec.md §5, §7). A step is ready when every dependency's latest
 * attempt succeeded, blocked otherwise; a failed attempt with attempts left is ready again once
 * its backoff is over; a step whose dependency was retried with cascade runs again.
 * Dependencies never leave a job, so a job is derived alone.
 */
export function deriveJobViews(
  job: PlannedJob,
  attempts: ReadonlyMap<string, readonly StoredAttempt[]>,
  policy: RetryPolicy,
): Map<string, StepView> {
  const views = new Map<string, StepView>();
  // Steps are stored in dependency order, so every dependency's view exists already.
  for (const step of job.steps) {
    const list = attempts.get(stepKey(job.job_id, step.step_id)) ?? [];
    const deps = step.depends_on.map((d) => views.get(stepKey(job.job_id, d))!);
    views.set(stepKey(job.job_id, step.step_id), deriveOne(job.job_id, step, list, deps, attempts, policy));
  }
  return views;
}

function deriveOne(
  jobId: string,
  step: PlannedStep,
  list: readonly StoredAttempt[],
  deps: StepView[],
  attempts: ReadonlyMap<string, readonly StoredAttempt[]>,
  policy: RetryPolicy,
): StepView {
  const latest = list.at(-1) ?? null;
  const view: StepView = {
    jobId,
    stepId: step.step_id,
    step,
    status: 'blocked',
    latest,
    attempts: list.length,
    blockedReasons: [],
    blockedFinal: false,
    retryAt: null,
    next: null,
  };
  const unmet = deps.filter((d) => d.status !== 'succeeded');
  const block = () => {
    view.status = 'blocked';
    view.blockedReasons = unmet.map(blockedReason);
    view.blockedFinal = unmet.some(endedForGood);
    return view;
  };

  const stale = latest !== null && isTerminalStatus(latest.state.status) && isStaleByCascade(latest, deps, attempts);
  if (latest === null || stale) {
    if (unmet.length > 0) return block();
    const source = step.resume_from ? selectResumeSource(step.resume_from, attempts.get(stepKey(jobId, step.resume_from.step_id)) ?? []) : null;
    if (source && 'missing' in source) {
      view.blockedReasons = [`missing resume base: ${source.missing}`];
      view.blockedFinal = true;
      return view;
    }
    view.status = 'ready';
    view.next = { trigger: stale ? 'cascade' : 'initial', cascade: stale, notBefore: null };
    return view;
  }

  const { state } = latest;
  switch (state.status) {
    case 'queued':
      if (unmet.length > 0) return block();
      view.status = 'ready';
      return view;
    case 'running':
    case 'succeeded':
    case 'canceled':
      view.status = state.status;
      return view;
    case 'failed':
    case 'needs_attention': {
      const retryable = state.status === 'failed' ? RETRYABLE.has(state.failure_reason ?? '') : policy.retry_on_needs_attention;
      const series = seriesLength(list);
      if (!retryable || series >= step.retries.max_attempts) {
        view.status = state.status;
        return view;
      }
      if (unmet.length > 0) return block();
      const backoffMs = Math.min(step.retries.backoff_seconds * 1000 * 2 ** (series - 1), MAX_BACKOFF_MS);
      view.status = 'ready';
      view.retryAt = new Date(Date.parse(state.ended_at!) + backoffMs).toISOString();
      view.next = { trigger: 'auto_retry', cascade: state.cascade, notBefore: view.retryAt };
      return view;
    }
  }
}

function isTerminalStatus(status: string): boolean {
  return status !== 'queued' && status !== 'running';
}

/** Attempts in the current series: the newest one and the automatic retries right before it. */
function seriesLength(list: readonly StoredAttempt[]): number {
  let n = 1;
  for (let i = list.length - 1; i > 0 && list[i]!.state.trigger === 'auto_retry'; i--) n++;
  return n;
}

/** A dependency was retried with cascade after this step's newest attempt was made. */
function isStaleByCascade(latest: StoredAttempt, deps: StepView[], attempts: ReadonlyMap<string, readonly StoredAttempt[]>): boolean {
  return deps.some((dep) =>
    (attempts.get(stepKey(dep.jobId, dep.stepId)) ?? []).some(
      (a) => a.state.cascade && a.state.created_at >= latest.state.created_at,
    ),
  );
}

function endedForGood(dep: StepView): boolean {
  return dep.status === 'failed' || dep.status === 'needs_attention' || dep.status === 'canceled' || (dep.status === 'blocked' && dep.blockedFinal);
}

function blockedReason(dep: StepView): string {
  if (dep.status === 'blocked' && dep.blockedFinal) return `dependency \`${dep.stepId}\` is blocked for good; this step will not run`;
  if (endedForGood(dep)) {
    const why = dep.latest?.state.failure_reason ? ` (${dep.latest.state.failure_reason})` : '';
    return `dependency \`${dep.stepId}\` ended ${dep.status}${why}; this step will not run unless \`${dep.stepId}\` is retried`;
  }
  return `waiting for dependency \`${dep.stepId}\` (${dep.status})`;
}

/**
 * The attempt a resume_from picks among its source step's attempts (docs/spec.md §6): the newest that
 * succeeded, the newest that ended, or the one named by run id; or why there is none.
 */
export function selectResumeSource(
  resumeFrom: NonNullable<PlannedStep['resume_from']>,
  sourceAttempts: readonly StoredAttempt[],
): StoredAttempt | { missing: string } {
  const ended = sourceAttempts.filter((a) => isTerminalStatus(a.state.status));
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
      return isTerminalStatus(chosen.state.status) ? chosen : { missing: `run ${resumeFrom.run_id} has not ended` };
  }
}
