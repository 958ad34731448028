import { z } from 'zod';
import {
  BatchScoreboardSchema,
  InvalidArgumentError,
  SystemScoreboardSchema,
  type BatchScoreboard,
  type StepCounts,
} from '../core/index.js';
import type { Harness } from '../harness.js';

export const DetailSchema = z
  .enum(['summary', 'full'])
  .optional()
  .describe('full (default): counts, lists and one page of `steps`; summary: the same without `steps`');

/**
 * What get_scoreboard and wait_for_batch answer: a batch scoreboard or the system scoreboard.
 * One object schema holds both (every field optional), since MCP output schemas are objects.
 */
export const ScoreboardOutput = z.object({
  ...BatchScoreboardSchema.partial().shape,
  ...SystemScoreboardSchema.partial().shape,
  timed_out: z.boolean().optional().describe('wait_for_batch: the timeout passed before the batch settled'),
});

/** One page of a batch scoreboard, `cursor` being the next_cursor of the page before. */
export async function batchScoreboardPage(
  harness: Harness,
  batchId: string,
  detail: 'summary' | 'full' | undefined,
  cursor: string | undefined,
): Promise<BatchScoreboard> {
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError('cursor', `\`${cursor}\` is not a cursor this server gave out`);
  const size = detail === 'summary' ? 0 : harness.configFile.scoreboard.steps_page_size;
  const board = await harness.batchScoreboard(batchId, { offset, size });
  return detail === 'summary' ? { ...board, next_cursor: null } : board;
}

export function describeCounts(counts: StepCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return parts.join(', ') || 'no steps';
}

export function describeBatch(board: BatchScoreboard): string {
  const lines = [`${board.batch_id}: ${describeCounts(board.counts)}${board.settled ? ' (settled)' : ''}`];
  for (const item of board.attention.items.slice(0, 5)) {
    lines.push(`- ${item.kind}: ${item.job_id}/${item.step_id} (run ${item.run_id})${item.message ? `: ${item.message.slice(0, 200)}` : ''}`);
  }
  if (board.attention.total > 5) lines.push(`- … ${board.attention.total - 5} more in attention`);
  if (board.next_cursor) lines.push(`More steps: cursor ${board.next_cursor}`);
  return lines.join('\n');
}
