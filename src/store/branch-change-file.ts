import { BranchChangeSchema, type BranchChange } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

/** branch.json of a job, or undefined before its first snapshot (and for a job with no branch). */
export function readBranchChange(paths: RunsPaths, batchId: string, jobId: string): Promise<BranchChange | undefined> {
  return readJsonIfExists(paths.branchChangeFile(batchId, jobId), BranchChangeSchema);
}

/** Replaces branch.json of a job; the caller writes in the order the branch moved (one snapshot at a time). */
export async function writeBranchChange(paths: RunsPaths, change: BranchChange): Promise<void> {
  await writeJsonAtomic(paths.branchChangeFile(change.batch_id, change.job_id), BranchChangeSchema.parse(change));
}
