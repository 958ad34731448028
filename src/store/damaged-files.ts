import { rename } from 'node:fs/promises';
import { FileCorruptError, FileUnreadableError, type DamagedFile } from '../core/index.js';
import type { RunsPaths } from './paths.js';

/**
 * A failure to read a file of the runs root, as readJsonIfExists raises it: FileCorruptError when
 * it does not parse, FileUnreadableError when the system refuses it; undefined for any other
 * error, which is no damage of a file (EMFILE, a bug).
 */
export function asDamage(error: unknown): FileCorruptError | FileUnreadableError | undefined {
  return error instanceof FileCorruptError || error instanceof FileUnreadableError ? error : undefined;
}

/** What a damage error says is wrong with its file, without the path, which goes beside it. */
export function damageProblem(error: FileCorruptError | FileUnreadableError): string {
  return error instanceof FileUnreadableError ? `cannot be read (${error.errorCode})` : error.message.slice(error.path.length + 1);
}

/** A damaged batch as the system scoreboard lists it: every read of it fails naming the file. */
export function unservedBatch(batchId: string, error: FileCorruptError | FileUnreadableError): DamagedFile {
  return { batch_id: batchId, path: error.path, problem: damageProblem(error), outcome: 'batch_not_served' };
}

/**
 * The files this server found it could not read and moved out of the way, so that one torn
 * file never keeps the rest of the root from being served. Each stays beside its old place as
 * `<name>.damaged` for a person to look at; the system scoreboard lists them and the log says so.
 */
export class DamagedFiles {
  private readonly entries: DamagedFile[] = [];

  constructor(
    private readonly paths: RunsPaths,
    private readonly log: (message: string) => void,
  ) {}

  /** Renames the file of `error` to `<name>.damaged` (replacing an older copy) and records it; returns the new path. */
  async setAside(batchId: string, error: FileCorruptError | FileUnreadableError, outcome: Exclude<DamagedFile['outcome'], 'batch_not_served'>): Promise<string> {
    const aside = this.paths.setAsideFile(error.path);
    await rename(error.path, aside);
    const entry: DamagedFile = { batch_id: batchId, path: error.path, problem: damageProblem(error), outcome };
    this.entries.push(entry);
    this.log(`${error.path} ${entry.problem}; moved to ${aside} (${outcome === 'attempt_ended' ? 'its attempt ends failed/runner_lost' : 'it is rebuilt'})`);
    return aside;
  }

  list(): DamagedFile[] {
    return [...this.entries];
  }
}
