import { git, tryGit } from './git.js';

/** An isolated job's branch in its source repository. */
export interface JobBranch {
  repository: string;
  branch: string;
  batch_id: string;
  job_id: string;
}

/** A job branch as git has it now: its tip (null once gone), and whether its work was landed. */
export interface BranchStatus extends JobBranch {
  tip: string | null;
  landed: boolean;
}

/**
 * refs/harness/landed/<batch>/<job>: set by a landing to the commit it put on the target. A
 * squash or a rebase makes new commits, so ancestry alone cannot tell that a branch was landed;
 * this ref can, after the batch and its landed.json are gone.
 */
export function landedRef(batchId: string, jobId: string): string {
  return `refs/harness/landed/${batchId}/${jobId}`;
}

/** Records in the repository that a job's branch was landed, as `commit` on the target. */
export async function markLanded(repository: string, batchId: string, jobId: string, commit: string): Promise<void> {
  await git({ cwd: repository }, ['update-ref', '-m', 'harness-mcp: landed', landedRef(batchId, jobId), commit]);
}

/**
 * Where a job branch stands. Landed: a landing recorded it, or its tip is on a branch outside
 * harness/ (merged or fast-forwarded by hand). A repository that vanished has no tip.
 */
export async function branchStatus(branch: JobBranch): Promise<BranchStatus> {
  const target = { cwd: branch.repository };
  const tip = await tryGit(target, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch.branch}`]).catch(() => undefined);
  if (!tip || tip.exitCode !== 0) return { ...branch, tip: null, landed: false };
  const commit = tip.stdout.trim();
  const recorded = await tryGit(target, ['rev-parse', '--verify', '--quiet', landedRef(branch.batch_id, branch.job_id)]);
  if (recorded.exitCode === 0) return { ...branch, tip: commit, landed: true };
  const containing = await git(target, ['for-each-ref', '--contains', commit, '--format=%(refname)', 'refs/heads/']);
  const landed = containing.split('\n').some((ref) => ref !== '' && !ref.startsWith('refs/heads/harness/'));
  return { ...branch, tip: commit, landed };
}

/** Deletes a job branch if it still points where `status` saw it (a branch moved meanwhile is kept). */
export async function deleteJobBranch(status: BranchStatus): Promise<void> {
  if (!status.tip) return;
  await git({ cwd: status.repository }, ['update-ref', '-m', 'harness-mcp: gc --prune-branches', '-d', `refs/heads/${status.branch}`, status.tip]);
}
