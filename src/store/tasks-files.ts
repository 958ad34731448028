import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { McpTaskRecordSchema, TASK_ID_PATTERN, type McpTaskRecord } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

/** The MCP tasks on disk: each written whole (and fsynced unless it is only progress), so a task answered is a task kept. */
export class TaskFiles {
  constructor(private readonly paths: RunsPaths) {}

  /** `durable: false` for a change that only reports progress: losing it to a crash loses nothing. */
  async write(record: McpTaskRecord, options: { durable?: boolean } = {}): Promise<void> {
    await mkdir(this.paths.tasksDir, { recursive: true });
    await writeJsonAtomic(this.paths.taskFile(record.task_id), record, options);
    if (options.durable === false) return;
    // The rename that put the file in place is in the directory: a task answered survives a power cut only once that is on disk too.
    const dir = await open(this.paths.tasksDir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** The task, or undefined when there is none by that id (an id of the wrong form names none). */
  async read(taskId: string): Promise<McpTaskRecord | undefined> {
    if (!TASK_ID_PATTERN.test(taskId)) return undefined;
    return readJsonIfExists(this.paths.taskFile(taskId), McpTaskRecordSchema);
  }

  /** Every task that can be read; `onDamaged` hears of each file that cannot. */
  async list(onDamaged: (file: string, error: Error) => void): Promise<McpTaskRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.paths.tasksDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: McpTaskRecord[] = [];
    for (const name of names) {
      const taskId = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!TASK_ID_PATTERN.test(taskId)) continue;
      try {
        const record = await this.read(taskId);
        if (record) records.push(record);
      } catch (error) {
        onDamaged(this.paths.taskFile(taskId), error as Error);
      }
    }
    return records;
  }

  async remove(taskId: string): Promise<void> {
    await rm(this.paths.taskFile(taskId), { force: true });
  }
}
