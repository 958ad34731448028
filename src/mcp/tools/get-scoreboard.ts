import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { BATCH_APP_TOOL_META } from '../batch-app.js';
import { batchAnswer, batchScoreboardPage, DetailSchema, ScoreboardOutput, systemAnswer } from '../scoreboard-answer.js';
import { describeBatch, describeCounts, describeDamaged, MCP_LOGS } from '../../scoreboard/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const GetScoreboardInput = z.object({
  batch_id: IdSchema.optional().describe('Omit for the system scoreboard (every batch)'),
  detail: DetailSchema,
  cursor: z.string().optional().describe('next_cursor of the previous page of steps'),
});

export function registerGetScoreboard(server: McpServer, harness: Harness): void {
  server.registerTool(
    'get_scoreboard',
    {
      title: 'Scoreboard',
      description:
        'The scoreboard of a batch (counts by step status; attention, running, blocked and failure lists; steps paged ' +
        'with next_cursor), or of every batch when batch_id is omitted. Computed from the files under runs/.',
      inputSchema: portable(GetScoreboardInput),
      outputSchema: portable(ScoreboardOutput),
      annotations: { readOnlyHint: true },
      _meta: BATCH_APP_TOOL_META,
    },
    (args) =>
      answer(async () => {
        if (!args.batch_id) {
          const system = await harness.reader.systemScoreboard();
          const text = [
            `${system.batches_total} batches: ${describeCounts(system.counts)}`,
            ...system.batches.map((b) => `- ${b.batch_id}: ${describeCounts(b.counts)}${b.settled ? ' (settled)' : ''}`),
            ...describeDamaged(system.damaged),
          ];
          return toolResult(systemAnswer(system, args.detail), text.join('\n'));
        }
        const board = await batchScoreboardPage(harness, args.batch_id, args.detail, args.cursor);
        return toolResult(batchAnswer(board, args.detail), describeBatch(board, MCP_LOGS));
      }),
  );
}
