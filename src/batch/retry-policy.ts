import type { AttemptState, FailureReason, HarnessConfig, PlannedStep } from '../core/index.js';
import type { StoredAttempt } from '../store/index.js';

export type RetryPolicy = Pick<HarnessConfig['retries'], 'retry_on_needs_attention'>;

/** The failure reasons a failed attempt is retried for by policy (docs/spec.md §5 "Retries by policy"); no other is. */
export const RETRYABLE: ReadonlySet<FailureReason> = new Set<FailureReason>(['exit_nonzero', 'timeout', 'runner_lost', 'stuck']);

// Doubling stops at a day: a retry later than that is no retry anyone waits for.
const MAX_BACKOFF_MS = 24 * 3600 * 1000;

/** Whether an attempt that ended failed or needs_attention is of a kind the policy retries. */
export function isRetryable(state: AttemptState, policy: RetryPolicy): boolean {
  if (state.status === 'needs_attention') return policy.retry_on_needs_attention;
  return state.failure_reason !== null && RETRYABLE.has(state.failure_reason);
}

/** Attempts in the current series: the newest one and the automatic retries right before it. */
export function seriesLength(list: readonly StoredAttempt[]): number {
  let n = 1;
  for (let i = list.length - 1; i > 0 && list[i]!.state.trigger === 'auto_retry'; i--) n++;
  return n;
}

/** How long after the `series`-th attempt of a series ended the next one may start, in ms: backoff_seconds, doubled each time, at most a day. */
export function backoffMs(retries: PlannedStep['retries'], series: number): number {
  return Math.min(retries.backoff_seconds * 1000 * 2 ** (series - 1), MAX_BACKOFF_MS);
}
