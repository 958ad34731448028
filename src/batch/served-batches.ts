import type { HarnessError } from '../core/index.js';
import type { BatchRecord } from './batch-record.js';
import type { BatchRecords, FoundRun } from './batch-records.js';
import type { HeldBatches } from './held-batches.js';

/**
 * What the server that runs the root serves: the batches it holds, and those it could not read
 * at start-up, listed among the others but answering every read with the error that names
 * their file (a batch that is there is never "not found").
 */
export class ServedBatches implements BatchRecords {
  constructor(
    private readonly held: HeldBatches,
    private readonly unserved: ReadonlyMap<string, HarnessError>,
  ) {}

  ids(): string[] {
    return [...new Set([...this.held.ids(), ...this.unserved.keys()])].sort();
  }

  get(batchId: string): BatchRecord | undefined {
    const damage = this.unserved.get(batchId);
    if (damage) throw damage;
    return this.held.get(batchId);
  }

  /** A run no held batch has may be in one that could not be read: then that batch's error is the answer, as on a read-only server. */
  findRun(runId: string): FoundRun | undefined {
    const found = this.held.findRun(runId);
    const [damage] = this.unserved.values();
    if (!found && damage) throw damage;
    return found;
  }
}
