import { InvalidArgumentError, LeftBranchesSchema, nowIso } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic, type RunsPaths } from '../store/index.js';
import { branchStatus, deleteJobBranch, type BranchStatus, type JobBranch } from '../workproduct/index.js';

/** Which branches `gc` deletes: none, the landed ones, or exactly the ones named. */
export type BranchPruning = 'none' | 'landed' | readonly string[];

export interface BranchesOutcome {
  /** The job branches of removed batches that remain, landed or not. */
  left: BranchStatus[];
  /** The branches deleted (or, in a dry run, that would be). */
  pruned: BranchStatus[];
}

/**
 * Keeps account of the job branches of the batches GC removed: they stay in their repositories
 * with every commit (docs/spec.md §9), listed in _system/branches_left.json so that a later
 * `gc --prune-branches` finds them with their batch gone. Pruning deletes only branches listed
 * there: landed ones, or the ones named; a branch moved since it was looked at is kept, and a
 * name that is not listed is refused before anything is deleted.
 */
export async function accountForBranches(paths: RunsPaths, removed: JobBranch[], pruning: BranchPruning, dryRun: boolean): Promise<BranchesOutcome> {
  const listed = (await readJsonIfExists(paths.leftBranchesFile, LeftBranchesSchema))?.branches ?? [];
  const known = new Map<string, JobBranch & { left_at: string }>();
  for (const entry of [...listed, ...removed.map((b) => ({ ...b, left_at: nowIso() }))]) {
    const key = `${entry.repository}\0${entry.branch}`;
    if (!known.has(key)) known.set(key, entry); // listed first: a branch keeps the time it was first left
  }
  const statuses = await Promise.all(
    [...known.values()].map(async (entry) => ({ entry, status: await branchStatus({ repository: entry.repository, branch: entry.branch, batch_id: entry.batch_id, job_id: entry.job_id }) })),
  );
  const present = statuses.filter(({ status }) => status.tip !== null);

  let chosen: typeof present = [];
  if (pruning === 'landed') chosen = present.filter(({ status }) => status.landed);
  else if (pruning !== 'none') {
    const unknown = pruning.filter((name) => !present.some(({ status }) => status.branch === name));
    if (unknown.length > 0) {
      throw new InvalidArgumentError('prune_branches', `${unknown.join(', ')}: not a branch of a batch GC removed (a stored batch's branches stay while it does; \`gc\` lists the ones it left)`);
    }
    chosen = present.filter(({ status }) => pruning.includes(status.branch));
  }
  if (!dryRun) {
    for (const { status } of chosen) await deleteJobBranch(status);
    const kept = present.filter((p) => !chosen.includes(p)).map(({ entry }) => entry);
    if (kept.length > 0 || listed.length > 0) await writeJsonAtomic(paths.leftBranchesFile, LeftBranchesSchema.parse({ branches: kept }));
  }
  return { left: present.filter((p) => !chosen.includes(p)).map(({ status }) => status), pruned: chosen.map(({ status }) => status) };
}
