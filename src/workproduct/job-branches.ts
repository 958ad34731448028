import { git, tryGit } from './git.js';

/** An isolated job's branch in its source repository. */
export interface JobBranch {
  repository: string;
  branch: string;
  batch_id: string;
  job_id: string;
}

/** A job branch as git has it now: its tip (null once gone, or while its repository cannot be read), and whether its work was landed. */
export interface BranchStatus extends JobBranch {
  tip: string | null;
  landed: boolean;
  /** false while the repository cannot be read (moved, unmounted): the branch may still be there. */
  reachable: boolean;
}

/**
 * refs/harness-landed/<batch>/<job>: set by a landing to the tip of the job branch it landed
 * (beside refs/harness/, where a batch called `landed` would collide with it). A
 * squash or a rebase makes new commits, so ancestry alone cannot tell that a branch was landed;
 * this ref can, after the batch and its landed.json are gone.
 */
function landedRef(batchId: string, jobId: string): string {
  return `refs/harness-landed/${batchId}/${jobId}`;
}

/** Records in the repository that a job's branch was landed with its tip at `branchTip`. */
export async function markLanded(repository: string, batchId: string, jobId: string, branchTip: string): Promise<void> {
  await git({ cwd: repository }, ['update-ref', '-m', 'harness-mcp: landed', landedRef(batchId, jobId), branchTip]);
}

/**
 * Where a job branch stands. Landed: a landing recorded it, or its tip is on a branch outside
 * harness/ (merged or fast-forwarded by hand). A repository that vanished has no tip.
 */
export async function branchStatus(branch: JobBranch): Promise<BranchStatus> {
  const target = { cwd: branch.repository };
  const reachable = await tryGit(target, ['rev-parse', '--git-dir']).then((r) => r.exitCode === 0, () => false);
  if (!reachable) return { ...branch, tip: null, landed: false, reachable };
  const tip = await tryGit(target, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch.branch}`]);
  if (tip.exitCode !== 0) return { ...branch, tip: null, landed: false, reachable };
  const commit = tip.stdout.trim();
  // Landed as it is now: a branch that moved on after its landing (a retry) has unlanded work.
  const recorded = await tryGit(target, ['rev-parse', '--verify', '--quiet', landedRef(branch.batch_id, branch.job_id)]);
  if (recorded.exitCode === 0 && recorded.stdout.trim() === commit) return { ...branch, tip: commit, landed: true, reachable };
  const containing = await git(target, ['for-each-ref', '--contains', commit, '--format=%(refname)', 'refs/heads/']);
  const landed = containing.split('\n').some((ref) => ref !== '' && !ref.startsWith('refs/heads/harness/'));
  return { ...branch, tip: commit, landed, reachable };
}

/** Why a job branch may not be deleted now: checked out in a worktree someone made of it. */
export async function branchInUse(status: BranchStatus): Promise<string | undefined> {
  const listing = await git({ cwd: status.repository }, ['worktree', 'list', '--porcelain']);
  const checkout = listing.split('\n\n').find((entry) => entry.split('\n').includes(`branch refs/heads/${status.branch}`));
  return checkout && `it is checked out in ${/^worktree (.+)$/m.exec(checkout)?.[1] ?? 'a worktree'}`;
}

/**
 * Deletes a job branch if it still points where `status` saw it, with the harness's marks on it
 * (landed, last snapshot), which a later batch of the same id must not inherit. False when the
 * branch moved meanwhile: it is kept, marks and all.
 */
export async function deleteJobBranch(status: BranchStatus): Promise<boolean> {
  if (!status.tip) return false;
  const target = { cwd: status.repository };
  const deleted = await tryGit(target, ['update-ref', '-m', 'harness-mcp: gc --prune-branches', '-d', `refs/heads/${status.branch}`, status.tip]);
  if (deleted.exitCode !== 0) return false;
  for (const mark of [landedRef(status.batch_id, status.job_id), lastSnapshotRef(status.batch_id, status.job_id)]) await tryGit(target, ['update-ref', '-d', mark]);
  return true;
}

/** refs/harness/<batch>/<job>/last: the snapshot the harness last put on the job's branch, whatever an agent did to the branch since. */
export function lastSnapshotRef(batchId: string, jobId: string): string {
  return `refs/harness/${batchId}/${jobId}/last`;
}

/** The harness's marks for a job id that are still in a repository (from an earlier batch of the same id). */
export async function leftoverMarks(repository: string, batchId: string, jobId: string): Promise<string[]> {
  const marks = [landedRef(batchId, jobId), lastSnapshotRef(batchId, jobId)];
  const listing = await git({ cwd: repository }, ['for-each-ref', '--format=%(refname)', ...marks]);
  return listing.split('\n').filter(Boolean);
}
