import { openHarness, orFail, printJson, runsPathsOf, type StoreOptions } from './common.js';

/**
 * `harness-mcp gc [--dry-run] [--prune-branches [BRANCH...]]`: removes settled batches past
 * retention and says which job branches they leave (the gc tool, from a terminal).
 */
export async function gc(options: StoreOptions & { dryRun?: boolean; json?: boolean; pruneBranches?: boolean | string[] }): Promise<void> {
  await runsPathsOf(options); // a mistyped --runs-dir is refused, not made
  // Holding the runs root to remove files is fine; starting other batches' attempts is not.
  const harness = await openHarness(options, { dispatch: false, readOnly: options.dryRun ?? false });
  const pruning = options.pruneBranches === true ? 'landed' : Array.isArray(options.pruneBranches) ? options.pruneBranches : 'none';
  const result = await orFail(() => harness.collectGarbage(options.dryRun ?? false, pruning));
  await harness.close();
  if (options.json) return printJson(result);
  for (const r of result.removed) process.stdout.write(`${result.dry_run ? 'would remove' : 'removed'} ${r.path} (${r.bytes} bytes)\n`);
  for (const r of result.refused) process.stdout.write(`kept ${r.batch_id}: ${r.reason}\n`);
  for (const b of result.branches_pruned) process.stdout.write(`${result.dry_run ? 'would delete' : 'deleted'} branch ${b.branch} in ${b.repository}\n`);
  for (const b of result.branches_left) process.stdout.write(`left branch ${b.branch} in ${b.repository}${b.landed ? ' (landed)' : ' (not landed)'}\n`);
  process.stdout.write(`${result.removed.length} batches, ${result.bytes_total} bytes${result.dry_run ? ' (dry run: nothing removed)' : ''}\n`);
}
