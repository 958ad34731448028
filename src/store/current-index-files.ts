import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CurrentIndexSchema, nowIso, type CurrentIndex, type KeyedSerial } from '../core/index.js';
import { asDamage, type DamagedFiles } from './damaged-files.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';

import type { RunsPaths } from './paths.js';

/** current.json of each job: read-modify-write, one update at a time per file. */
export class CurrentIndexFiles {
  constructor(
    private readonly paths: RunsPaths,
    private readonly serial: KeyedSerial,
    private readonly damaged: DamagedFiles,
  ) {}

  async update(batchId: string, jobId: string, change: (index: CurrentIndex) => void): Promise<CurrentIndex> {
    const path = this.paths.currentFile(batchId, jobId);
    return this.serial.run(path, async () => {
      const index = (await this.readOrSetAside(batchId, path)) ?? {
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

  /**
   * The index to update; undefined when there is none, or it could not be read and was moved
   * aside: it only points at attempts, so a fresh one serves, each step's pointer coming back
   * at that step's next change. Refusing instead would stop every change of the job.
   */
  private async readOrSetAside(batchId: string, path: string): Promise<CurrentIndex | undefined> {
    try {
      return await readJsonIfExists(path, CurrentIndexSchema);
    } catch (error) {
      const damage = asDamage(error);
      if (!damage) throw error;
      await this.damaged.setAside(batchId, damage, 'set_aside');
      return undefined;
    }
  }

  read(batchId: string, jobId: string): Promise<CurrentIndex | undefined> {
    return readJsonIfExists(this.paths.currentFile(batchId, jobId), CurrentIndexSchema);
  }
}
