import { isTerminal, type AttemptTrigger, type PlannedJob, type PlannedStep, type StepStatus } from '../core/index.js';
import { stepKey, type StoredAttempt } from '../store/index.js';
import { backoffMs, endedOnProviderLimit, isRetryable, limitRetriesLeft, seriesLength, type RetryPolicy } from './retry-policy.js';
import { selectResumeSource } from './resume-source.js';

/** What every step view holds, whatever the step's status. */
interface StepViewBase {
  jobId: string;
  stepId: string;
  step: PlannedStep;
  /** The newest attempt, if any. */
  latest: StoredAttempt | null;
  attempts: number;
}

/** The attempt the scheduler should create for a ready step that has no queued one. */
export interface NextAttempt {
  trigger: AttemptTrigger;
  cascade: boolean;
  /** When a retry's backoff ends (ISO-8601); null when the attempt may start at once. */
  notBefore: string | null;
}

/** A step that may start: its queued attempt, or the attempt `next` says to create. */
export interface ReadyStepView extends StepViewBase {
  status: 'ready';
  /** When the step waits for a retry's backoff, until when. */
  retryAt: string | null;
  /** null when the step has a queued attempt already. */
  next: NextAttempt | null;
}

/** A step that may not start, and why. */
export interface BlockedStepView extends StepViewBase {
  status: 'blocked';
  blocked: {
    reasons: string[];
    /** A dependency ended (or its resume base is missing) and nothing but a person's retry will change that. */
    forGood: boolean;
    /** Held though it could start: a budget over it is spent (a reason says which), until set_budget raises it. */
    hold?: 'budget_exhausted';
  };
}

/** Why a step that could start is held instead (a spent budget), or null; see deriveJobViews. */
export type StepHold = (jobId: string, stepId: string) => string | null;

/** A step whose latest attempt runs, or ended with no retry due. */
export interface SettledStepView extends StepViewBase {
  status: Exclude<StepStatus, 'ready' | 'blocked'>;
}

/** A step as the scheduler and the scoreboards see it, derived from the files alone. */
export type StepView = ReadyStepView | BlockedStepView | SettledStepView;

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
  hold?: StepHold,
): Map<string, StepView> {
  const views = new Map<string, StepView>();
  // Steps are stored in dependency order, so every dependency's view exists already.
  for (const step of job.steps) {
    const list = attempts.get(stepKey(job.job_id, step.step_id)) ?? [];
    const deps = step.depends_on.map((d) => views.get(stepKey(job.job_id, d))!);
    const view = deriveOne(job.job_id, step, list, deps, attempts, policy);
    const held = view.status === 'ready' && hold ? hold(job.job_id, step.step_id) : null;
    views.set(stepKey(job.job_id, step.step_id), held ? heldView(view as ReadyStepView, held) : view);
  }
  return views;
}

/** A step that could start, held by a spent budget: blocked, not for good. */
function heldView(view: ReadyStepView, reason: string): BlockedStepView {
  const { jobId, stepId, step, latest, attempts } = view;
  return { jobId, stepId, step, latest, attempts, status: 'blocked', blocked: { reasons: [reason], forGood: false, hold: 'budget_exhausted' } };
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
  const stepId = step.step_id;
  const attemptCount = list.length;
  const unmet = deps.filter((d) => d.status !== 'succeeded');
  // Each kind of view is one object literal, never a spread: a scoreboard walks 10,000 views
  // several times, and spread-made objects made every walk about five times slower.
  const settledAs = (status: SettledStepView['status']): SettledStepView => ({ jobId, stepId, step, latest, attempts: attemptCount, status });
  const blockedBy = (reasons: string[], forGood: boolean): BlockedStepView => ({ jobId, stepId, step, latest, attempts: attemptCount, status: 'blocked', blocked: { reasons, forGood } });
  const blocked = (): BlockedStepView => blockedBy(unmet.map(blockedReason), unmet.some(endedForGood));
  const ready = (next: NextAttempt | null): ReadyStepView => ({ jobId, stepId, step, latest, attempts: attemptCount, status: 'ready', retryAt: next?.notBefore ?? null, next });

  const stale = latest !== null && isTerminal(latest.state.status) && isStaleByCascade(latest, deps, attempts);
  if (latest === null || stale) {
    if (unmet.length > 0) return blocked();
    const source = step.resume_from ? selectResumeSource(step.resume_from, attempts.get(stepKey(jobId, step.resume_from.step_id)) ?? []) : null;
    if (source && 'missing' in source) return blockedBy([`missing resume base: ${source.missing}`], true);
    return ready({ trigger: stale ? 'cascade' : 'initial', cascade: stale, notBefore: null });
  }

  const { state } = latest;
  switch (state.status) {
    case 'queued':
      return unmet.length > 0 ? blocked() : ready(null);
    case 'running':
    case 'succeeded':
    case 'canceled':
      return settledAs(state.status);
    case 'failed':
    case 'needs_attention': {
      if (endedOnProviderLimit(state)) {
        if (!limitRetriesLeft(list, policy)) return settledAs(state.status);
        return unmet.length > 0 ? blocked() : ready({ trigger: 'auto_retry', cascade: state.cascade, notBefore: null });
      }
      const series = seriesLength(list);
      if (!isRetryable(state, policy) || series >= step.retries.max_attempts) return settledAs(state.status);
      if (unmet.length > 0) return blocked();
      const retryAt = new Date(Date.parse(state.ended_at!) + backoffMs(step.retries, series)).toISOString();
      return ready({ trigger: 'auto_retry', cascade: state.cascade, notBefore: retryAt });
    }
  }
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
  return dep.status === 'failed' || dep.status === 'needs_attention' || dep.status === 'canceled' || (dep.status === 'blocked' && dep.blocked.forGood);
}

function blockedReason(dep: StepView): string {
  if (dep.status === 'blocked' && dep.blocked.forGood) return `dependency \`${dep.stepId}\` is blocked for good; this step will not run`;
  if (endedForGood(dep)) {
    const why = dep.latest?.state.failure_reason ? ` (${dep.latest.state.failure_reason})` : '';
    return `dependency \`${dep.stepId}\` ended ${dep.status}${why}; this step will not run unless \`${dep.stepId}\` is retried`;
  }
  return `waiting for dependency \`${dep.stepId}\` (${dep.status})`;
}
