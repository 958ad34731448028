import { FileUnreadableError, HarnessError, idProblem, NO_PRICES, type HarnessConfig, type PriceBook } from '../core/index.js';
import { asDamage, listBatchIds, readStoredBatch, runIdOfDirName, type AttemptFiles, type RunsPaths } from '../store/index.js';
import { BatchRecord } from './batch-record.js';
import type { BatchRecords, FoundRun } from './batch-records.js';

/**
 * The batches of a runs root as its files say now, read on every call: what a server that does
 * not run the root sees of the one that does. A file that does not parse is a FileCorruptError
 * and one that cannot be read a FileUnreadableError, each naming the file, never "no batch".
 */
export class DiskBatches implements BatchRecords {
  constructor(
    private readonly paths: RunsPaths,
    private readonly files: AttemptFiles,
    private readonly policy: HarnessConfig['retries'],
    private readonly prices: PriceBook = NO_PRICES,
  ) {}

  ids(): Promise<string[]> {
    return listBatchIds(this.paths);
  }

  async get(batchId: string): Promise<BatchRecord | undefined> {
    if (idProblem(batchId)) return undefined; // no batch has a name that is no id, as the scheduler says too
    const stored = await readStoredBatch(this.paths, this.files, batchId).catch((error: unknown) => {
      throw namingTheFile(error);
    });
    return stored && BatchRecord.fromStored(stored, this.policy, this.prices);
  }

  /** A batch that cannot be read hides no run of another; when no batch has the run, its damage is the answer (the run may be in it). */
  async findRun(runId: string): Promise<FoundRun | undefined> {
    let damage: Error | undefined;
    for (const batchId of await this.ids()) {
      const record = await this.get(batchId).catch((error: unknown) => {
        if (!asDamage(error)) throw error;
        damage ??= error as Error;
        return undefined;
      });
      for (const attempt of record?.allAttempts() ?? []) {
        if (runIdOfDirName(attempt.location.dirName) === runId) return { record: record!, attempt };
      }
    }
    if (damage) throw damage;
    return undefined;
  }
}

/** A system error of reading (EACCES, EIO) as a HarnessError naming its file; anything else as it is. */
function namingTheFile(error: unknown): unknown {
  if (error instanceof HarnessError) return error;
  const { code, path } = error as NodeJS.ErrnoException;
  return code && path ? new FileUnreadableError(path, code, { cause: error }) : error;
}
