import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CurrentIndexSchema, nowIso, type CurrentIndex } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { KeyedSerial } from './keyed-serial.js';
import type { RunsPaths } from './paths.js';

/** current.json of each job: read-modify-write, one update at a time per file. */
export class CurrentIndexFiles {
  constructor(
    private readonly paths: RunsPaths,
    private readonly serial: KeyedSerial,
  ) {}

  async update(batchId: string, jobId: string, change: (index: CurrentIndex) => void): Promise<CurrentIndex> {
    const path = this.paths.currentFile(batchId, jobId);
    return this.serial.run(path, async () => {
      const index = (await readJsonIfExists(path, CurrentIndexSchema)) ?? {
        batch_id: batchId,
        job_id: jobId,
        updated_at: nowIso(),
        steps: {},
      };
      change(index);
      index.updated_at = nowIso();
      await mkdir(dirname(path), { recursive: true });
      await writeJsonAtomic(path, CurrentIndexSchema.parse(index));
      return index;
    });
  }

  read(batchId: string, jobId: string): Promise<CurrentIndex | undefined> {
    return readJsonIfExists(this.paths.currentFile(batchId, jobId), CurrentIndexSchema);
  }
}
