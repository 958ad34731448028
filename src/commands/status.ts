import { describeBatch, describeCounts } from '../scoreboard/index.js';
import { openHarness, orFail, printJson, type StoreOptions } from './common.js';

/** `harness-mcp status [BATCH]`: the system scoreboard, or one batch's, read from the files. */
export async function status(batchId: string | undefined, options: StoreOptions & { json?: boolean }): Promise<void> {
  const harness = await openHarness(options, { readOnly: true });
  await orFail(async () => {
    if (batchId) {
      const board = await harness.batchScoreboard(batchId, 'all');
      if (options.json) return printJson(board);
      process.stdout.write(`${describeBatch({ ...board, next_cursor: null })}\n`);
      for (const step of board.steps) {
        const why = step.blocked_reasons.length ? `  (${step.blocked_reasons.join('; ')})` : '';
        process.stdout.write(`  ${`${step.job_id}/${step.step_id}`.padEnd(32)} ${step.status.padEnd(15)} ${step.run_id ?? ''}${why}\n`);
      }
      if (board.dispatch_paused) process.stdout.write(`  new attempts are held back: ${board.dispatch_paused}\n`);
      return;
    }
    const system = await harness.systemScoreboard();
    if (options.json) return printJson(system);
    process.stdout.write(`${system.batches_total} batches in ${system.runs_root}: ${describeCounts(system.counts)}\n`);
    for (const b of system.batches) process.stdout.write(`  ${b.batch_id.padEnd(40)} ${describeCounts(b.counts)}${b.settled ? ' (settled)' : ''}\n`);
  });
  await harness.close();
}
