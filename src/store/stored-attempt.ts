import type { AttemptState, BatchMeta, BudgetOverrides, LandedFile } from '../core/index.js';
import type { AttemptLocation } from './paths.js';

/** An attempt as the store holds it: where it is and what its state.json says. */
export interface StoredAttempt {
  location: AttemptLocation;
  state: AttemptState;
}

/** A batch as read back from disk: its meta and every attempt, oldest first per step. */
export interface StoredBatch {
  meta: BatchMeta;
  attempts: Map<string, StoredAttempt[]>;
  /** Read from attempts_index.json, which must go before the batch gets a new attempt. */
  fromIndex: boolean;
  /** landed.json of each job whose branch was landed, by job id. */
  landed: Map<string, LandedFile>;
  /** budgets.json, when set_budget changed a budget of the batch. */
  budgetOverrides?: BudgetOverrides;
}

/**
 * Oldest first: by attempt number, never by directory name. The name starts with created_at,
 * which a wall clock stepped back (NTP, a VM restored) can make sort before an older attempt's.
 */
export function byAttemptNumber(a: StoredAttempt, b: StoredAttempt): number {
  return a.state.attempt - b.state.attempt || (a.location.dirName < b.location.dirName ? -1 : a.location.dirName > b.location.dirName ? 1 : 0);
}

export function stepKey(jobId: string, stepId: string): string {
  return `${jobId}/${stepId}`;
}
