import { rm } from 'node:fs/promises';
import { AttemptsIndexSchema, nowIso, type BatchMeta } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';
import { byAttemptNumber, stepKey, type StoredAttempt } from './stored-attempt.js';

/** Writes the attempts index of a settled batch (every attempt terminal; the caller makes sure). */
export async function writeAttemptsIndex(paths: RunsPaths, batchId: string, attempts: Iterable<StoredAttempt>): Promise<void> {
  const index = {
    batch_id: batchId,
    written_at: nowIso(),
    attempts: [...attempts].map((a) => ({ dir_name: a.location.dirName, state: a.state })),
  };
  // No fsync: a cache that a crash leaves torn is read as absent, and the directories are read instead.
  await writeJsonAtomic(paths.attemptsIndexFile(batchId), AttemptsIndexSchema.parse(index), { durable: false });
}

export async function removeAttemptsIndex(paths: RunsPaths, batchId: string): Promise<void> {
  await rm(paths.attemptsIndexFile(batchId), { force: true });
}

/**
 * The attempts of a batch from its index, oldest first per step; undefined when there is no
 * index or it does not hold together (the caller then reads the attempt directories).
 */
export async function readAttemptsIndex(paths: RunsPaths, meta: BatchMeta): Promise<Map<string, StoredAttempt[]> | undefined> {
  const index = await readJsonIfExists(paths.attemptsIndexFile(meta.batch_id), AttemptsIndexSchema).catch(() => undefined);
  if (!index) return undefined;
  const attempts = new Map<string, StoredAttempt[]>(meta.jobs.flatMap((job) => job.steps.map((step) => [stepKey(job.job_id, step.step_id), []] as [string, StoredAttempt[]])));
  for (const { dir_name: dirName, state } of index.attempts) {
    const list = attempts.get(stepKey(state.job_id, state.step_id));
    if (!list) return undefined; // names a step the batch does not have
    list.push({ location: { batchId: meta.batch_id, jobId: state.job_id, stepId: state.step_id, dirName }, state });
  }
  for (const list of attempts.values()) list.sort(byAttemptNumber);
  return attempts;
}
