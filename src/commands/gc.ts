import { openHarness, orFail, printJson, runsPathsOf, type StoreOptions } from './common.js';

/** `harness-mcp gc [--dry-run]`: removes settled batches past retention (the gc tool, from a terminal). */
export async function gc(options: StoreOptions & { dryRun?: boolean; json?: boolean }): Promise<void> {
  await runsPathsOf(options); // a mistyped --runs-dir is refused, not made
  // Holding the runs root to remove files is fine; starting other batches' attempts is not.
  const harness = await openHarness(options, { dispatch: false, readOnly: options.dryRun ?? false });
  const result = await orFail(() => harness.collectGarbage(options.dryRun ?? false));
  await harness.close();
  if (options.json) return printJson(result);
  for (const r of result.removed) process.stdout.write(`${result.dry_run ? 'would remove' : 'removed'} ${r.path} (${r.bytes} bytes)\n`);
  process.stdout.write(`${result.removed.length} batches, ${result.bytes_total} bytes${result.dry_run ? ' (dry run: nothing removed)' : ''}\n`);
}
