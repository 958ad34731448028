import { z } from 'zod';
import {
  BatchScoreboardSchema,
  InvalidArgumentError,
  SystemScoreboardSchema,
  type BatchScoreboard,
} from '../core/index.js';
import type { Harness } from '../harness.js';

// Every list of a summary answer is cut to this: an answer stays far below a client's token limit.
const SUMMARY_LIST_LIMIT = 20;

export const DetailSchema = z
  .enum(['summary', 'full'])
  .optional()
  .describe(`summary (default): counts, failures grouped by cause, and each list cut to ${SUMMARY_LIST_LIMIT} entries; full: the lists as configured and one page of \`steps\` (next_cursor for more)`);

/**
 * What get_scoreboard and wait_for_batch answer: a batch scoreboard or the system scoreboard.
 * One object schema holds both (every field optional), since MCP output schemas are objects.
 */
export const ScoreboardOutput = z.object({
  ...BatchScoreboardSchema.partial().shape,
  ...SystemScoreboardSchema.partial().shape,
  timed_out: z.boolean().optional().describe('wait_for_batch: the timeout passed before the batch settled'),
});

/** A batch scoreboard as a tool answers it: the summary, or one page of the full view (`cursor` from the page before). */
export async function batchScoreboardPage(
  harness: Harness,
  batchId: string,
  detail: 'summary' | 'full' | undefined,
  cursor: string | undefined,
): Promise<BatchScoreboard> {
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError('cursor', `\`${cursor}\` is not a cursor this server gave out`);
  if (detail !== 'full') {
    const board = await harness.batchScoreboard(batchId, { offset: 0, size: 0 }, SUMMARY_LIST_LIMIT);
    return { ...board, next_cursor: null };
  }
  return harness.batchScoreboard(batchId, { offset, size: harness.configFile.scoreboard.steps_page_size });
}
