import { LimitKindSchema, type AttemptState, type FailureReason, type HarnessConfig, type PlannedStep } from '../core/index.js';
import type { StoredAttempt } from '../store/index.js';

export type RetryPolicy = Pick<HarnessConfig['retries'], 'retry_on_needs_attention' | 'max_limit_retries'>;

/** The failure reasons a failed attempt is retried for by policy (docs/spec.md §5 "Retries by policy"); no other is. */
export const RETRYABLE: ReadonlySet<FailureReason> = new Set<FailureReason>(['exit_nonzero', 'timeout', 'runner_lost', 'stuck']);

// Doubling stops at a day: a retry later than that is no retry anyone waits for.
const MAX_BACKOFF_MS = 24 * 3600 * 1000;

/** Whether an attempt that ended failed or needs_attention is of a kind the policy retries. */
export function isRetryable(state: AttemptState, policy: RetryPolicy): boolean {
  if (state.status === 'needs_attention') return policy.retry_on_needs_attention;
  return state.failure_reason !== null && RETRYABLE.has(state.failure_reason);
}

const LIMIT_REASONS: ReadonlySet<FailureReason> = new Set<FailureReason>(LimitKindSchema.options);

/**
 * Whether a provider limit, not the step, ended the attempt (rate_limited, usage_limited,
 * overloaded). Such an attempt is retried once its pool's park is over, and does not count
 * against max_attempts: the scheduler's pools decide when it may start (docs/spec.md §5); see
 * limitRetriesLeft for when that stops.
 */
export function endedOnProviderLimit(state: AttemptState): boolean {
  return state.status === 'failed' && state.failure_reason !== null && LIMIT_REASONS.has(state.failure_reason);
}

/** Whether a step whose newest attempts ended on provider limits may be retried again: fewer than max_limit_retries in a row. */
export function limitRetriesLeft(list: readonly StoredAttempt[], policy: RetryPolicy): boolean {
  let inARow = 0;
  for (let i = list.length - 1; i >= 0 && endedOnProviderLimit(list[i]!.state); i--) inARow++;
  return inARow < policy.max_limit_retries;
}

/**
 * Attempts in the current series that count against max_attempts: the newest one and the
 * automatic retries right before it, less those a provider limit ended. At least 1.
 */
export function seriesLength(list: readonly StoredAttempt[]): number {
  let n = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    const { state } = list[i]!;
    if (!endedOnProviderLimit(state)) n++;
    if (state.trigger !== 'auto_retry') break;
  }
  return Math.max(n, 1);
}

/** How long after the `series`-th attempt of a series ended the next one may start, in ms: backoff_seconds, doubled each time, at most a day. */
export function backoffMs(retries: PlannedStep['retries'], series: number): number {
  return Math.min(retries.backoff_seconds * 1000 * 2 ** (series - 1), MAX_BACKOFF_MS);
}
