import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, RunIdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const CancelRunInput = z.object({
  run_id: RunIdSchema.optional().describe('One attempt; or give batch_id (and optionally job_id, step_id)'),
  batch_id: IdSchema.optional(),
  job_id: IdSchema.optional(),
  step_id: IdSchema.optional(),
});

export const CancelRunOutput = z.object({
  canceled: z.array(RunIdSchema),
  already_terminal: z.array(RunIdSchema),
});

export function registerCancelRun(server: McpServer, harness: Harness): void {
  server.registerTool(
    'cancel_run',
    {
      title: 'Cancel',
      description:
        'Cancels an attempt (run_id), or every unfinished step of a batch, a job or a step. Running attempts have their ' +
        'process group killed; queued and not-yet-started steps end canceled; dependents do not start.',
      inputSchema: portable(CancelRunInput),
      outputSchema: portable(CancelRunOutput),
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    (args) =>
      answer(async () => {
        const result = await harness.cancel(args);
        return toolResult(result, `Canceled ${result.canceled.length}; already over ${result.already_terminal.length}.`);
      }),
  );
}
