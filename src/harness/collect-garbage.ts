import type { HarnessConfig } from '../core/index.js';
import { findGarbage, type GcCandidate } from '../scheduler/index.js';
import { countSteps, isSettled, type BatchReader } from '../scoreboard/index.js';
import type { CurrentIndexFiles, RunsPaths } from '../store/index.js';
import type { BranchStatus } from '../workproduct/index.js';
import { LeftBranches, type BranchPruning } from './left-branches.js';
import type { RootRole } from './root-role.js';

/** What a GC did (or would do): the batches removed, and the job branches they leave or that were pruned. */
export type GcOutcome = {
  dry_run: boolean;
  removed: GcCandidate[];
  bytes_total: number;
  branches_left: BranchStatus[];
  branches_pruned: BranchStatus[];
  /** Batches kept because what their worktrees hold could not be recorded first. */
  refused: { batch_id: string; reason: string }[];
};

export interface GcContext {
  reader: BatchReader;
  paths: RunsPaths;
  currentIndex: CurrentIndexFiles;
  config: HarnessConfig;
  /** The role the server has on the root now: only an owner removes anything. */
  root: () => RootRole;
  log: (message: string) => void;
}

/**
 * Removes the batches that are settled and idle past retention (docs/spec.md §9), their job
 * branches listed before they go, then settles the branches GC left: `pruning` deletes the
 * landed ones, or the ones named. With `dryRun` it only says what it would do.
 */
export async function collectGarbage(ctx: GcContext, dryRun: boolean, pruning: BranchPruning, forget: (batchId: string) => void): Promise<GcOutcome> {
  const records = await ctx.reader.allRecords();
  const garbage = await findGarbage(ctx.paths, ctx.currentIndex, records, (r) => isSettled(countSteps(r.views().values())), ctx.config.retention_policy.keep_closed_batches_days);
  const leftBranches = new LeftBranches(ctx.paths);
  const refused: GcOutcome['refused'] = [];
  let removed = garbage;
  if (!dryRun) {
    await ctx.root().requests(); // refuses, as every write does, on a root this server does not run
    removed = [];
    await ctx.root().removeGarbage(garbage, {
      // Listed before the batch goes, so that no crash between the two loses its branches.
      before: (candidate) => leftBranches.add(candidate.branches),
      removed: (candidate) => {
        removed.push(candidate);
        forget(candidate.batch_id);
        ctx.log(`gc removed batch ${candidate.batch_id} (${candidate.bytes} bytes)`);
      },
      refused: (candidate, reason) => {
        refused.push({ batch_id: candidate.batch_id, reason });
        ctx.log(`gc kept batch ${candidate.batch_id}: ${reason}`);
      },
    });
  }
  const settled = await leftBranches.settle(pruning, dryRun, dryRun ? garbage.flatMap((g) => g.branches) : []);
  for (const b of dryRun ? [] : settled.pruned) ctx.log(`gc deleted branch ${b.branch} in ${b.repository} (was ${b.tip})`);
  return { dry_run: dryRun, removed, bytes_total: removed.reduce((n, g) => n + g.bytes, 0), branches_left: settled.left, branches_pruned: settled.pruned, refused };
}
