import { z } from 'zod';
import {
  BatchScoreboardSchema,
  InvalidArgumentError,
  SystemScoreboardSchema,
  type BatchScoreboard,
  type SystemScoreboard,
} from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { compactJson, omittable } from './compact-answer.js';

// Every list of a summary answer is cut to this: a model polling a batch of 10,000 steps reads
// a few examples of each kind and the totals; `detail: "full"` pages through the rest.
const SUMMARY_LIST_LIMIT = 5;
// A failure's message can carry 2,000 characters of output; a summary keeps its start (what
// ended) and its end (the last lines of output), and fetch_artifact has the whole of it.
const SUMMARY_MESSAGE_HEAD = 60;
const SUMMARY_MESSAGE_TAIL = 180;

export const DetailSchema = z
  .enum(['summary', 'full'])
  .optional()
  .describe(
    `summary (default): counts, failures grouped by cause, each list cut to ${SUMMARY_LIST_LIMIT} entries and each message to ` +
      `${SUMMARY_MESSAGE_HEAD + SUMMARY_MESSAGE_TAIL} characters, without the goal summary, the runs root, nulls and empty lists; ` +
      'full: every field, the lists as configured and one page of `steps` (next_cursor for more)',
  );
export type Detail = z.infer<typeof DetailSchema>;

/**
 * What get_scoreboard and wait_for_batch answer: a batch scoreboard or the system scoreboard,
 * full or summarized. One object schema holds both (every field optional), since MCP output
 * schemas are objects.
 */
export const ScoreboardOutput = z.object({
  ...omittable(BatchScoreboardSchema).partial().shape,
  ...omittable(SystemScoreboardSchema).partial().shape,
  timed_out: z.boolean().optional().describe('wait_for_batch: the timeout passed before the batch settled'),
});

/** A batch scoreboard as a tool answers it: the summary, or one page of the full view (`cursor` from the page before). */
export async function batchScoreboardPage(
  harness: Harness,
  batchId: string,
  detail: Detail,
  cursor: string | undefined,
): Promise<BatchScoreboard> {
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError('cursor', `\`${cursor}\` is not a cursor this server gave out`);
  if (detail !== 'full') {
    const board = await harness.reader.batchScoreboard(batchId, { offset: 0, size: 0 }, SUMMARY_LIST_LIMIT);
    return { ...board, next_cursor: null };
  }
  return harness.reader.batchScoreboard(batchId, { offset, size: harness.configFile.scoreboard.steps_page_size });
}

const CAPPED_LISTS = ['attention', 'running', 'blocked', 'failures', 'resumes', 'job_changes'] as const;

function clipMessage(message: string | null): string | null {
  if (message === null || message.length <= SUMMARY_MESSAGE_HEAD + SUMMARY_MESSAGE_TAIL) return message;
  return `${message.slice(0, SUMMARY_MESSAGE_HEAD)} … ${message.slice(-SUMMARY_MESSAGE_TAIL)}`;
}

/**
 * The structured answer of a batch scoreboard at `detail`. The summary leaves out what the
 * caller has (the goal it wrote) or does not need (the runs root, nulls, empty lists, lists of
 * none); `failures` keeps its total, since failure_groups and attention name the failed steps.
 * Messages are clipped (a group's is its first line already).
 */
export function batchAnswer(board: BatchScoreboard, detail: Detail): Record<string, unknown> {
  if (detail === 'full') return board;
  const { batch_goal_summary: _goal, runs_root: _root, ...rest } = board;
  const summary: Partial<typeof rest> = {
    ...rest,
    attention: { ...board.attention, items: board.attention.items.map((a) => ({ ...a, message: clipMessage(a.message) })) },
    failures: { total: board.failures.total, items: [] },
  };
  for (const list of CAPPED_LISTS) if (board[list].total === 0) delete summary[list];
  return compactJson(summary);
}

/** The structured answer of the system scoreboard at `detail`: the summary without the runs root, nulls and empty lists. */
export function systemAnswer(system: SystemScoreboard, detail: Detail): Record<string, unknown> {
  if (detail === 'full') return system;
  const { runs_root: _root, ...rest } = system;
  return compactJson(rest);
}
