import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, StepCountsSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { describeCounts } from '../../scoreboard/index.js';
import { answer, toolResult } from '../tool-result.js';
import { NoArguments, portable } from '../portable-schema.js';

export const ListBatchesOutput = z.object({
  batches: z.array(
    z.object({ batch_id: IdSchema, submitted_at: z.string(), counts: StepCountsSchema, settled: z.boolean(), steps_total: z.int() }),
  ),
});

export function registerListBatches(server: McpServer, harness: Harness): void {
  server.registerTool(
    'list_batches',
    {
      title: 'List batches',
      description: 'Every batch in the store with its step counts and whether it is settled (nothing running or ready).',
      inputSchema: portable(NoArguments),
      outputSchema: portable(ListBatchesOutput),
      annotations: { readOnlyHint: true },
    },
    () =>
      answer(async () => {
        const batches = await harness.reader.listBatches();
        const text = batches.length === 0 ? 'No batches yet.' : batches.map((b) => `${b.batch_id}: ${describeCounts(b.counts)}${b.settled ? ' (settled)' : ''}`).join('\n');
        return toolResult({ batches }, text);
      }),
  );
}
