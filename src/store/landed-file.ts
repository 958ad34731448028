import { LandedFileSchema, type BatchMeta, type LandedFile, type Landing } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

/** A job's landed.json, or undefined when its branch was never landed. */
export function readLandedFile(paths: RunsPaths, batchId: string, jobId: string): Promise<LandedFile | undefined> {
  return readJsonIfExists(paths.landedFile(batchId, jobId), LandedFileSchema);
}

/** The landed.json of every job of a batch that has one; only jobs with a branch can, so only theirs are looked for. */
export async function readLandedFiles(paths: RunsPaths, meta: BatchMeta): Promise<Map<string, LandedFile>> {
  const landed = new Map<string, LandedFile>();
  const withBranch = meta.jobs.filter((job) => job.git?.branch);
  const files = await Promise.all(withBranch.map((job) => readLandedFile(paths, meta.batch_id, job.job_id)));
  files.forEach((file, i) => file && landed.set(withBranch[i]!.job_id, file));
  return landed;
}

/**
 * Adds a landing to the job's landed.json (made at the first) and answers the file as written.
 * The caller runs one append per job at a time: it reads, then replaces the file whole.
 */
export async function appendLanding(
  paths: RunsPaths,
  job: { batchId: string; jobId: string; branch: string; repository: string },
  landing: Landing,
): Promise<LandedFile> {
  const before = await readLandedFile(paths, job.batchId, job.jobId);
  const file: LandedFile = before
    ? { ...before, landings: [...before.landings, landing] }
    : { batch_id: job.batchId, job_id: job.jobId, branch: job.branch, repository: job.repository, landings: [landing] };
  await writeJsonAtomic(paths.landedFile(job.batchId, job.jobId), file);
  return file;
}
