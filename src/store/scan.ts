import { readdir } from 'node:fs/promises';
import {
  BatchMetaSchema,
  type FileCorruptError,
  type FileUnreadableError,
  idProblem,
  queuedState,
  type AttemptState,
} from '../core/index.js';
import type { AttemptFiles } from './attempt-files.js';
import { asDamage } from './damaged-files.js';
import { readAttemptsIndex } from './attempts-index-file.js';
import { readJsonIfExists } from './json-file.js';
import { createdAtOfDirName, runIdOfDirName, type AttemptLocation, type RunsPaths } from './paths.js';
import { stepKey, type StoredAttempt, type StoredBatch } from './stored-attempt.js';

/** An attempt whose state.json is there but cannot be read. */
export interface DamagedState {
  location: AttemptLocation;
  error: FileCorruptError | FileUnreadableError;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Ids of the batches under the root (directories with a batch id's name), sorted. */
export async function listBatchIds(paths: RunsPaths): Promise<string[]> {
  const entries = await readdir(paths.root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((e) => e.isDirectory() && !idProblem(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Reads a batch back: batch_meta.json and the state.json of every attempt (or, for a batch that
 * settled, its attempts_index.json, which holds them all). A directory whose
 * state.json is missing (the server died between mkdir and the first write) reads as queued,
 * as docs/spec.md §4.1 says. Undefined when the batch has no batch_meta.json (a half-made submission).
 * A state.json that cannot be read fails the whole read, unless `damagedStates` is given: then
 * the attempt reads as queued too and is added there, for the caller to deal with.
 */
export async function readStoredBatch(
  paths: RunsPaths,
  files: Pick<AttemptFiles, 'readState'>,
  batchId: string,
  damagedStates?: DamagedState[],
): Promise<StoredBatch | undefined> {
  const meta = await readJsonIfExists(paths.batchMetaFile(batchId), BatchMetaSchema);
  if (!meta) return undefined;
  const indexed = await readAttemptsIndex(paths, meta);
  if (indexed) return { meta, attempts: indexed, fromIndex: true };
  const attempts = new Map<string, StoredAttempt[]>();
  await Promise.all(
    meta.jobs.flatMap((job) =>
      job.steps.map(async (step) => {
        const names = (await listNames(paths.stepDir(batchId, job.job_id, step.step_id)))
          .filter((n) => runIdOfDirName(n))
          .sort();
        const list: StoredAttempt[] = [];
        for (const [index, dirName] of names.entries()) {
          const location = { batchId, jobId: job.job_id, stepId: step.step_id, dirName };
          const state = (await readStateOrCollect(files, location, damagedStates)) ?? unwrittenState(location, index);
          list.push({ location, state });
        }
        attempts.set(stepKey(job.job_id, step.step_id), list);
      }),
    ),
  );
  return { meta, attempts, fromIndex: false };
}

async function readStateOrCollect(files: Pick<AttemptFiles, 'readState'>, location: AttemptLocation, damagedStates: DamagedState[] | undefined): Promise<AttemptState | undefined> {
  try {
    return await files.readState(location);
  } catch (error) {
    const damage = damagedStates && asDamage(error);
    if (!damage) throw error;
    damagedStates.push({ location, error: damage });
    return undefined;
  }
}

function unwrittenState(location: AttemptLocation, index: number): AttemptState {
  return queuedState({
    run_id: runIdOfDirName(location.dirName) as string,
    batch_id: location.batchId,
    job_id: location.jobId,
    step_id: location.stepId,
    attempt: index + 1,
    trigger: index === 0 ? 'initial' : 'auto_retry',
    cascade: false,
    created_at: createdAtOfDirName(location.dirName) as string,
  });
}
