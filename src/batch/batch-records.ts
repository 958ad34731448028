import type { DamagedFile } from '../core/index.js';
import { asDamage, unservedBatch, type StoredAttempt } from '../store/index.js';
import type { BatchRecord } from './batch-record.js';

/** An attempt found by its run id, with the batch that holds it. */
export interface FoundRun {
  record: BatchRecord;
  attempt: StoredAttempt;
}

/**
 * The batches of a runs root, wherever they are kept: held in memory by the server that runs the
 * root (HeldBatches), or read from disk by one that only reads it (DiskBatches). Answers may
 * come at once or as promises; a file that is there but cannot be read is an error naming it.
 */
export interface BatchRecords {
  /** The ids of the batches, sorted. A reader may list one whose submission is not written yet. */
  ids(): string[] | Promise<string[]>;
  /** The batch, or undefined when there is none of that id (or its submission is half-made). */
  get(batchId: string): BatchRecord | undefined | Promise<BatchRecord | undefined>;
  /** The attempt of a run id, or undefined when no batch has it. */
  findRun(runId: string): FoundRun | undefined | Promise<FoundRun | undefined>;
}

/** Every batch that can be read, in id order, and those that cannot, each naming its file. */
export interface AllRecords {
  records: BatchRecord[];
  damaged: DamagedFile[];
}

/** Every batch, in id order; one whose files cannot be read is left out and listed in `damaged`, so it hides no other. */
export async function readAllRecords(records: BatchRecords): Promise<AllRecords> {
  const all: AllRecords = { records: [], damaged: [] };
  for (const batchId of await records.ids()) {
    try {
      const record = await records.get(batchId);
      if (record) all.records.push(record);
    } catch (error) {
      const damage = asDamage(error);
      if (!damage) throw error;
      all.damaged.push(unservedBatch(batchId, damage));
    }
  }
  return all;
}
