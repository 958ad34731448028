import type { StoredAttempt } from '../store/index.js';
import type { BatchRecord } from './batch-record.js';
import type { BatchRecords, FoundRun } from './batch-records.js';

/**
 * The batches the server that runs the root holds in memory, and every attempt of theirs by run
 * id (fetch_artifact, tail_events and cancel_run name runs alone). Only this server writes the
 * root, so what it holds is what the disk says.
 */
export class HeldBatches implements BatchRecords {
  private readonly batches = new Map<string, BatchRecord>();
  private readonly byRunId = new Map<string, FoundRun>();
  /** Each batch id by its lower case: ids that differ only by case would share a directory on some filesystems. */
  private readonly byFoldedId = new Map<string, string>();

  ids(): string[] {
    return [...this.batches.keys()].sort();
  }

  get(batchId: string): BatchRecord | undefined {
    return this.batches.get(batchId);
  }

  has(batchId: string): boolean {
    return this.batches.has(batchId);
  }

  /** The held batch id that `batchId` is, or equals but for case. */
  sameOrCaseTwin(batchId: string): string | undefined {
    return this.byFoldedId.get(batchId.toLowerCase());
  }

  findRun(runId: string): FoundRun | undefined {
    return this.byRunId.get(runId);
  }

  /** Holds a batch, loaded or just submitted, with the attempts it has. */
  hold(record: BatchRecord): void {
    this.batches.set(record.batchId, record);
    this.byFoldedId.set(record.batchId.toLowerCase(), record.batchId);
    for (const attempt of record.allAttempts()) this.byRunId.set(attempt.state.run_id, { record, attempt });
  }

  /** Adds a new attempt to a batch held. */
  addAttempt(record: BatchRecord, attempt: StoredAttempt): void {
    record.addAttempt(attempt);
    this.byRunId.set(attempt.state.run_id, { record, attempt });
  }

  /** Forgets a batch and its attempts. */
  forget(batchId: string): void {
    for (const attempt of this.batches.get(batchId)?.allAttempts() ?? []) this.byRunId.delete(attempt.state.run_id);
    this.batches.delete(batchId);
    this.byFoldedId.delete(batchId.toLowerCase());
  }
}
