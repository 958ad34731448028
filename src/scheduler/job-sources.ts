import { LaunchTableInvalidError, type PlannedGit, type PlannedJob, type ValidationProblem } from '../core/index.js';
import PQueue from 'p-queue';
import { leftoverMarks, tryGit } from '../workproduct/index.js';

// Each job asks git a few questions at submit; a table of 200 jobs does not start 600 gits at once.
const RESOLVING_AT_ONCE = 8;

/** The branch an isolated job of a git repository works on. */
function jobBranch(batchId: string, jobId: string): string {
  return `harness/${batchId}/${jobId}`;
}

/**
 * Resolves where each planned job starts in git, at submit: the repository of its working
 * directory, its base_ref (default HEAD) as a commit, and for an isolated job its branch, which
 * must not exist yet. A base_ref that names no commit, one outside git, or a branch left by an
 * earlier batch of the same id refuses the table with the problem at its JSON path.
 */
export async function resolveJobSources(batchId: string, jobs: PlannedJob[], table: { jobs: { job_id: string; base_ref?: string }[] }): Promise<PlannedJob[]> {
  const problems: ValidationProblem[] = [];
  const queue = new PQueue({ concurrency: RESOLVING_AT_ONCE });
  const resolved = await Promise.all(
    jobs.map((job) => queue.add(async () => {
      const submittedId = job.variant?.of ?? job.job_id; // the variants of a job share its base_ref
      const index = table.jobs.findIndex((j) => j.job_id === submittedId);
      const baseRef = table.jobs[index]?.base_ref;
      const at = (field: string) => `jobs[${index}].${field}`;
      const git = await resolveGit(batchId, job, baseRef, (field, message) => problems.push({ path: at(field), message }));
      return { ...job, git };
    })),
  );
  if (problems.length > 0) throw new LaunchTableInvalidError(problems);
  return resolved;
}

async function resolveGit(batchId: string, job: PlannedJob, baseRef: string | undefined, problem: (field: string, message: string) => void): Promise<PlannedGit | null> {
  const dir = job.working_directory;
  const toplevel = await tryGit({ cwd: dir }, ['rev-parse', '--show-toplevel']);
  if (toplevel.exitCode !== 0) {
    if (baseRef !== undefined) problem('base_ref', `${dir} is not in a git repository, so there is no ref to start from; leave base_ref out`);
    return null;
  }
  const repository = toplevel.stdout.trim();
  const ref = baseRef ?? 'HEAD';
  const commit = await tryGit({ cwd: dir }, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (commit.exitCode !== 0) {
    const none = ref === 'HEAD' ? `the repository ${repository} has no commit yet: commit something first` : `"${ref}" names no commit in ${repository}`;
    problem(baseRef === undefined ? 'working_directory' : 'base_ref', none);
    return null;
  }
  // The refs the job's snapshots are kept under, whatever its policy, must be names git takes.
  const refs = `refs/harness/${batchId}/${job.job_id}/0000000000000000/start`;
  if ((await tryGit({ cwd: dir }, ['check-ref-format', refs])).exitCode !== 0) {
    problem('job_id', `git refuses refs named after batch \`${batchId}\` and job \`${job.job_id}\` (${refs}): no id part may end in .lock or .`);
    return null;
  }
  const branch = job.workspace_policy === 'isolated' ? jobBranch(batchId, job.job_id) : null;
  if (branch) {
    const taken = (await takenBranchName(dir, branch)) ?? (await leftoverMarksProblem(repository, batchId, job.job_id));
    if (taken) {
      problem('job_id', `the branch ${branch} cannot be made in ${repository}: ${taken}`);
      return null;
    }
  }
  return { repository, base_ref: ref, base_commit: commit.stdout.trim(), branch };
}

/** Why `branch` cannot be made: it exists (an earlier batch of the same id left it), or a branch holds a prefix of its name. */
async function takenBranchName(dir: string, branch: string): Promise<string | undefined> {
  const exists = (name: string) => tryGit({ cwd: dir }, ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`]).then((r) => r.exitCode === 0);
  if (await exists(branch)) return 'it already exists (an earlier batch with this batch_id left it): land or delete it, or choose another batch_id';
  const parts = branch.split('/');
  for (let n = 1; n < parts.length; n++) {
    const prefix = parts.slice(0, n).join('/');
    if (await exists(prefix)) return `the branch ${prefix} exists, and git keeps no branch both as a name and as a folder of names`;
  }
  return undefined;
}

/** Why the job's branch would inherit an earlier batch's marks (its branch was deleted by hand, they were not). */
async function leftoverMarksProblem(repository: string, batchId: string, jobId: string): Promise<string | undefined> {
  const marks = await leftoverMarks(repository, batchId, jobId);
  if (marks.length === 0) return undefined;
  return `an earlier batch with this batch_id left ${marks.join(' and ')}, which a new branch would inherit: delete them (git update-ref -d) or choose another batch_id`;
}
