import { HarnessError, IllegalStateError, nowIso, type JobStatus, type LandedFile, type Landing, type PlannedJob } from '../core/index.js';
import type { BatchReader } from '../scoreboard/index.js';
import { isStepUnsettled } from '../scoreboard/index.js';
import { landBranch, markLanded, type GitIdentity, type LandOutcome, type LandStrategy } from '../workproduct/index.js';

export interface LandJobRequest {
  batch_id: string;
  job_id: string;
  onto: string;
  strategy: LandStrategy;
  message?: string | undefined;
  dry_run: boolean;
  create: boolean;
}

/** What land_job answers: the landing (or, in a dry run, what it would be) and the job it was of. */
export interface LandJobAnswer extends Omit<LandOutcome, 'dry_run'> {
  batch_id: string;
  job_id: string;
  branch: string;
  dry_run: boolean;
  /** The job's steps rolled up: a job whose steps failed may be landed, and the answer says so. */
  job_status: JobStatus;
  /** `onto` did not exist and was (or would be) made at the job's base commit. */
  created: boolean;
  /** When it was recorded in landed.json; null for a dry run, which records nothing. */
  landed_at: string | null;
}

/** Writes a landing into the job's landed.json and the batch's views; only the server that runs the root has one. */
export interface LandingRecorder {
  record(job: { batchId: string; jobId: string; branch: string; repository: string }, landing: Landing): Promise<LandedFile>;
}

/** A job whose work is not on a branch of its own: a shared or non-git workspace, or a batch planned before branches. */
export class JobNotLandableError extends HarnessError {
  readonly code = 'land_no_branch';
  constructor(
    readonly batchId: string,
    readonly jobId: string,
    why: string,
  ) {
    super(`job ${jobId} of batch ${batchId} has no branch to land: ${why}; nothing changed`);
  }
}

export interface LandJobContext {
  reader: BatchReader;
  identity: GitIdentity;
  /** Asked first for a real landing, so a server that does not run the root refuses before git is touched. */
  recorder: () => Promise<LandingRecorder>;
}

/**
 * Lands a job's branch onto a branch of its source repository (landBranch, docs/spec.md §9.1)
 * and records it in the job's landed.json. Refused, with nothing changed, while any step of the
 * job may still run, and for a job without a branch.
 */
export async function landJob(req: LandJobRequest, context: LandJobContext): Promise<LandJobAnswer> {
  const recorder = req.dry_run ? undefined : await context.recorder();
  const { job, views, status } = await context.reader.job(req.batch_id, req.job_id);
  const unsettled = views.filter(isStepUnsettled);
  if (unsettled.length > 0) {
    const steps = unsettled.map((v) => `${v.stepId} (${v.status})`).join(', ');
    throw new IllegalStateError(`job ${req.job_id} of batch ${req.batch_id} is still ${status}: ${steps}; land it once no step can run (wait_for_batch, or cancel_run). Nothing changed`);
  }
  const git = gitOf(req, job);
  const outcome = await landBranch({
    repo: git.repository,
    branch: git.branch,
    onto: req.onto,
    strategy: req.strategy,
    ...(req.message === undefined ? {} : { message: req.message }),
    dryRun: req.dry_run,
    create: req.create,
    base: git.base_commit,
    identity: context.identity,
  });
  const created = outcome.old_commit === null;
  let landedAt: string | null = null;
  if (recorder) {
    landedAt = nowIso();
    // In the repository too, where `gc --prune-branches` finds it once the batch is gone.
    await markLanded(git.repository, req.batch_id, req.job_id, outcome.branch_commit);
    const { dry_run: _, ...landing } = outcome;
    await recorder.record({ batchId: req.batch_id, jobId: req.job_id, branch: git.branch, repository: git.repository }, { ...landing, created, landed_at: landedAt });
  }
  return { batch_id: req.batch_id, job_id: req.job_id, branch: git.branch, job_status: status, ...outcome, created, landed_at: landedAt };
}

function gitOf(req: LandJobRequest, job: PlannedJob): { repository: string; branch: string; base_commit: string } {
  const why = (text: string) => new JobNotLandableError(req.batch_id, req.job_id, text);
  if (job.git === undefined) throw why('its batch was planned before jobs had branches (batch_meta.json records no `git`)');
  if (job.git === null) throw why(`its working directory ${job.working_directory} is not in a git repository`);
  if (job.git.branch === null) throw why(`it ran with workspace_policy "${job.workspace_policy}" in the repository itself, so its changes were never on a branch (they are under refs/harness/)`);
  return { repository: job.git.repository, branch: job.git.branch, base_commit: job.git.base_commit };
}
