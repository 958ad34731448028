import type { PlannedJob, VariantComparison, VariantRow } from '../core/index.js';
import type { BatchReader } from '../scoreboard/index.js';
import { diffCommits, tryGit } from '../workproduct/index.js';

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
  const target = { cwd: git.repository };
  const tip = await tryGit(target, ['rev-parse', '--verify', '--quiet', `refs/heads/${git.branch}^{commit}`]).catch(() => undefined);
  if (tip?.exitCode !== 0) return undefined;
  const diff = await diffCommits(target, git.base_commit, tip.stdout.trim()).catch(() => undefined);
  return diff && { ...diff.totals, source: 'branch' };
}
