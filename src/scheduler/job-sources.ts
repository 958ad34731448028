import { LaunchTableInvalidError, type PlannedGit, type PlannedJob, type ValidationProblem } from '../core/index.js';
import { tryGit } from '../workproduct/index.js';

/** The branch an isolated job of a git repository works on. */
export function jobBranch(batchId: string, jobId: string): string {
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
  const resolved = await Promise.all(
    jobs.map(async (job) => {
      const submittedId = job.variant?.of ?? job.job_id; // the variants of a job share its base_ref
      const index = table.jobs.findIndex((j) => j.job_id === submittedId);
      const baseRef = table.jobs[index]?.base_ref;
      const at = (field: string) => `jobs[${index}].${field}`;
      const git = await resolveGit(batchId, job, baseRef, (field, message) => problems.push({ path: at(field), message }));
      return { ...job, git };
    }),
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
  const branch = job.workspace_policy === 'isolated' ? jobBranch(batchId, job.job_id) : null;
  if (branch && (await tryGit({ cwd: dir }, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).exitCode === 0) {
    problem('job_id', `the branch ${branch} already exists in ${repository} (an earlier batch with this batch_id left it): land or delete it, or choose another batch_id`);
    return null;
  }
  return { repository, base_ref: ref, base_commit: commit.stdout.trim(), branch };
}
