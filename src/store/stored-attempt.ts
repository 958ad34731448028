import type { AttemptState, BatchMeta } from '../core/index.js';
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
}

export function stepKey(jobId: string, stepId: string): string {
  return `${jobId}/${stepId}`;
}
