import type { PlannedJob, VariantComparison, VariantRow } from '../core/index.js';
import type { BatchReader } from '../scoreboard/index.js';
import { branchTip, changeBetween, openRepository } from '../workproduct/index.js';

/**
 * The variants of a job submitted with `variants`, side by side (BatchReader.variantComparison),
 * with each variant's change measured as git sees it: base commit to branch tip, cumulative over
 * its steps. A variant whose repository or branch cannot be read keeps the sum of its attempts.
 */
export async function compareJobVariants(reader: BatchReader, batchId: string, jobId: string): Promise<VariantComparison> {
  const { comparison, variants } = await reader.variantComparison(batchId, jobId);
  const rows = await Promise.all(comparison.variants.map(async (row, i) => ({ ...row, changes: (await branchChanges(variants[i]!)) ?? row.changes })));
  return { ...comparison, variants: rows };
}

async function branchChanges(job: PlannedJob): Promise<VariantRow['changes'] | undefined> {
  const git = job.git;
  if (!git?.branch) return undefined;
  const branch = git.branch;
  const change = await openRepository(git.repository)
    .then(async (repo) => {
      const tip = await branchTip(repo, branch);
      return tip === null ? undefined : changeBetween(repo.target, git.base_commit, tip);
    })
    .catch(() => undefined);
  return change && { ...change.totals, source: 'branch' };
}
