import { describeComparison } from '../mcp/index.js';
import { openHarness, orFail, printJson, type StoreOptions } from './common.js';

/** `harness-mcp compare BATCH JOB`: the variants of a job side by side (the compare_variants tool), read from the files. */
export async function compare(batchId: string, jobId: string, options: StoreOptions & { json?: boolean }): Promise<void> {
  const harness = await openHarness(options, { readOnly: true });
  const comparison = await orFail(() => harness.compareVariants(batchId, jobId));
  await harness.close();
  if (options.json) return printJson(comparison);
  process.stdout.write(`${describeComparison(comparison)}\n`);
}
