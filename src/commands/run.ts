import { readFile, writeFile } from 'node:fs/promises';
import { CLI_LOGS, describeBatch } from '../scoreboard/index.js';
import { EXIT, fail, followBatch, openHarness, orFail, type StoreOptions } from './common.js';
import { junitReport, readStepRuns } from './junit.js';

/**
 * `harness-mcp run FILE [--junit PATH]`: runs a launch table to the end without an MCP client
 * (for CI), printing progress, and exits 0 only when every step succeeded.
 */
export async function run(file: string, options: StoreOptions & { junit?: string; maxConcurrency?: number }): Promise<number> {
  let table: unknown;
  try {
    table = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    fail(`${file} is not a readable JSON launch table: ${(error as Error).message}`);
  }
  const harness = await openHarness(options, { maxConcurrency: options.maxConcurrency });
  if (harness.mode !== 'active') {
    await harness.close();
    fail(`another harness-mcp runs ${harness.paths.root}; run needs the runs root to itself (give a different --runs-dir, or \`harness-mcp submit\` to that server)`, EXIT.noServer);
  }
  const { meta } = await orFail(() => harness.submit(table));
  process.stderr.write(`running ${meta.batch_id} in ${harness.paths.root}\n`);
  const board = await followBatch(harness, meta.batch_id);
  process.stdout.write(`${describeBatch(board, CLI_LOGS)}\n`);
  if (options.junit) await writeFile(options.junit, junitReport(board, await readStepRuns(harness, meta.batch_id)));
  await harness.close();
  return board.counts.succeeded === board.steps_total ? EXIT.ok : EXIT.stepsFailed;
}
