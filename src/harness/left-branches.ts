import { InvalidArgumentError, LeftBranchesSchema, nowIso, type LeftBranches as LeftBranchesFile } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic, type RunsPaths } from '../store/index.js';
import { branchInUse, branchStatus, deleteJobBranch, type BranchStatus, type JobBranch } from '../workproduct/index.js';

/** Which branches `gc` deletes: none, the landed ones, or exactly the ones named. */
export type BranchPruning = 'none' | 'landed' | readonly string[];

export interface BranchesOutcome {
  /** The job branches of removed batches that remain, landed or not. */
  left: BranchStatus[];
  /** The branches deleted (or, in a dry run, that would be). */
  pruned: BranchStatus[];
}

type Entry = LeftBranchesFile['branches'][number];

/**
 * The job branches of the batches GC removed: they stay in their repositories with every commit
 * (docs/spec.md §9), listed in _system/branches_left.json so that a later `gc --prune-branches`
 * finds them with their batch gone. A batch's branches are listed before it is removed, so that
 * no crash between the two loses them.
 */
export class LeftBranches {
  constructor(private readonly paths: RunsPaths) {}

  /** Adds the branches of batches about to be removed; a branch listed already keeps the time it was first left. */
  async add(branches: JobBranch[]): Promise<void> {
    if (branches.length === 0) return;
    const listed = await this.read();
    const known = new Set(listed.map(key));
    const added = branches.filter((b) => !known.has(key(b))).map((b) => ({ ...b, left_at: nowIso() }));
    await this.write([...listed, ...added]);
  }

  /**
   * The listed branches as git has them now, with `pruning` done: the landed ones, or exactly
   * the ones named, deleted (with `dryRun`, only said). A name not listed is refused before
   * anything is deleted, as is one checked out in a worktree; a branch that moved since it was
   * looked at is kept. Branches gone from a repository that can be read are dropped from the
   * list; those of a repository that cannot be read now stay on it. `pending` adds what a dry
   * run would have listed.
   */
  async settle(pruning: BranchPruning, dryRun: boolean, pending: JobBranch[] = []): Promise<BranchesOutcome> {
    const listed = await this.read();
    const known = new Set(listed.map(key));
    const entries = [...listed, ...pending.filter((b) => !known.has(key(b))).map((b) => ({ ...b, left_at: nowIso() }))];
    const statuses = await Promise.all(entries.map(async (entry) => ({ entry, status: await branchStatus(jobBranchOf(entry)) })));
    const kept = statuses.filter(({ status }) => status.tip !== null || !status.reachable);
    const chosen = await this.choose(kept.filter(({ status }) => status.tip !== null), pruning);
    // A branch that moved since it was looked at is kept: the delete is a compare-and-swap.
    const pruned = dryRun ? chosen : await asyncFilter(chosen, ({ status }) => deleteJobBranch(status));
    if (!dryRun && listed.length > 0) await this.write(kept.filter((k) => !pruned.includes(k)).map(({ entry }) => entry));
    return { left: kept.filter((k) => !pruned.includes(k)).map(({ status }) => status), pruned: pruned.map(({ status }) => status) };
  }

  private async choose<T extends { status: BranchStatus }>(present: T[], pruning: BranchPruning): Promise<T[]> {
    if (pruning === 'none') return [];
    if (pruning !== 'landed') {
      const unknown = pruning.filter((name) => !present.some(({ status }) => status.branch === name));
      if (unknown.length > 0) {
        throw new InvalidArgumentError('prune_branches', `${unknown.join(', ')}: not a branch of a batch GC removed (a stored batch's branches stay while it does; \`gc\` lists the ones it left)`);
      }
    }
    const chosen = pruning === 'landed' ? present.filter(({ status }) => status.landed) : present.filter(({ status }) => pruning.includes(status.branch));
    // A branch someone checked out in a worktree of their own is theirs now: a named one is
    // refused, a landed one is passed over.
    const free: T[] = [];
    for (const candidate of chosen) {
      const inUse = await branchInUse(candidate.status);
      if (!inUse) free.push(candidate);
      else if (pruning !== 'landed') throw new InvalidArgumentError('prune_branches', `${candidate.status.branch} is not deleted: ${inUse}`);
    }
    return free;
  }

  private async read(): Promise<Entry[]> {
    return (await readJsonIfExists(this.paths.leftBranchesFile, LeftBranchesSchema))?.branches ?? [];
  }

  private async write(branches: Entry[]): Promise<void> {
    await writeJsonAtomic(this.paths.leftBranchesFile, LeftBranchesSchema.parse({ branches }));
  }
}

function key(branch: JobBranch): string {
  return `${branch.repository}\0${branch.branch}`;
}

function jobBranchOf(entry: Entry): JobBranch {
  return { repository: entry.repository, branch: entry.branch, batch_id: entry.batch_id, job_id: entry.job_id };
}

async function asyncFilter<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}
