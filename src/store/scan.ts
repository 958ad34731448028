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
import { readLandedFiles } from './landed-file.js';
import { createdAtOfDirName, runIdOfDirName, type AttemptLocation, type RunsPaths } from './paths.js';
import { readBudgetOverrides } from './budget-overrides-file.js';
import { byAttemptNumber, stepKey, type StoredAttempt, type StoredBatch } from './stored-attempt.js';

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
  const landed = await readLandedFiles(paths, meta);
  const budgetOverrides = await readBudgetOverrides(paths, batchId);
  const extra = budgetOverrides ? { budgetOverrides } : {};
  if (indexed) return { meta, attempts: indexed, fromIndex: true, landed, ...extra };
  const attempts = new Map<string, StoredAttempt[]>();
  await Promise.all(
    meta.jobs.flatMap((job) =>
      job.steps.map(async (step) => {
        const names = (await listNames(paths.stepDir(batchId, job.job_id, step.step_id)))
          .filter((n) => runIdOfDirName(n))
          .sort();
        const list: StoredAttempt[] = [];
        const unwritten: AttemptLocation[] = [];
        const damaged: { at: number; attempt: StoredAttempt }[] = [];
        for (const [index, dirName] of names.entries()) {
          const location = { batchId, jobId: job.job_id, stepId: step.step_id, dirName };
          const read = await readStateOrCollect(files, location, damagedStates);
          if (read === 'missing') unwritten.push(location);
          else if (read === 'damaged') damaged.push({ at: index, attempt: { location, state: unwrittenState(location, index) } });
          else list.push({ location, state: read });
        }
        list.sort(byAttemptNumber);
        // A state.json that cannot be read lost its attempt number with it: the directory's place stands in.
        for (const { at, attempt } of damaged) list.splice(at, 0, attempt);
        // Only the newest attempt can lack its state.json: a step gets no attempt while one is under way.
        for (const location of unwritten) list.push({ location, state: unwrittenState(location, list.length) });
        attempts.set(stepKey(job.job_id, step.step_id), list);
      }),
    ),
  );
  return { meta, attempts, fromIndex: false, landed, ...extra };
}

/** The attempt's state; `missing` when it has no state.json yet, `damaged` when it cannot be read and `damagedStates` took it. */
async function readStateOrCollect(
  files: Pick<AttemptFiles, 'readState'>,
  location: AttemptLocation,
  damagedStates: DamagedState[] | undefined,
): Promise<AttemptState | 'missing' | 'damaged'> {
  try {
    return (await files.readState(location)) ?? 'missing';
  } catch (error) {
    const damage = damagedStates && asDamage(error);
    if (!damage) throw error;
    damagedStates.push({ location, error: damage });
    return 'damaged';
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
