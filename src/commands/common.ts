import { HarnessError, type BatchScoreboard } from '../core/index.js';
import { createProgressDisplay } from './progress-display.js';
import { Harness, type HarnessOptions } from '../harness.js';

/** Options every command takes. */
export interface StoreOptions {
  runsDir?: string;
  config?: string;
}

/** Prints to stderr and exits 2: the command was given something it cannot work with. */
export function fail(message: string): never {
  process.stderr.write(`harness-mcp: ${message}\n`);
  process.exit(2);
}

export function harnessOptions(options: StoreOptions): HarnessOptions {
  return {
    runsDir: options.runsDir ?? process.env.HARNESS_RUNS_DIR ?? 'runs',
    configFile: options.config ?? process.env.HARNESS_CONFIG,
  };
}

/** Opens the harness, turning a HarnessError (bad config, say) into a clear exit. */
export async function openHarness(options: StoreOptions, extra: Partial<HarnessOptions> = {}): Promise<Harness> {
  try {
    return await Harness.open({ ...harnessOptions(options), ...extra });
  } catch (error) {
    if (error instanceof HarnessError) fail(error.message);
    throw error;
  }
}

/** Runs a command's body, printing a HarnessError (unknown batch, locked store) as a clear failure. */
export async function orFail<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HarnessError) fail(error.message);
    throw error;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Shows a batch's progress until it settles, however long that takes; returns its full scoreboard. */
export async function followBatch(harness: Harness, batchId: string): Promise<BatchScoreboard> {
  const display = createProgressDisplay();
  const show = async () => display.update(await harness.batchScoreboard(batchId, { offset: 0, size: 0 }, 10));
  await show();
  while (!(await harness.waitUntilSettled(batchId, 3600 * 1000, { onChange: () => void show().catch(() => undefined) }))) {
    // a long batch outlasts one wait
  }
  const board = await harness.batchScoreboard(batchId, 'all');
  display.update(board);
  return board;
}
