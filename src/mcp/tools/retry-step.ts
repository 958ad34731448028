import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, RunIdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const RetryStepInput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema,
  step_id: IdSchema,
  cascade: z.boolean().optional().describe('Also run again every step that depends on it, once it succeeds'),
});

export const RetryStepOutput = z.object({
  run_ids: z.array(RunIdSchema).describe('The attempts queued'),
  cascade_steps: z.array(IdSchema).describe('Steps of the job that will run again after it (cascade)'),
});

export function registerRetryStep(server: McpServer, harness: Harness): void {
  server.registerTool(
    'retry_step',
    {
      title: 'Retry a step',
      description:
        'Queues a new attempt of a step, whatever its status (not while it is queued or running). With cascade, the ' +
        'steps that depend on it run again once it succeeds.',
      inputSchema: portable(RetryStepInput),
      outputSchema: portable(RetryStepOutput),
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      answer(async () => {
        const result = await harness.retry(args.batch_id, args.job_id, args.step_id, args.cascade ?? false);
        const more = result.cascade_steps.length ? `; then again: ${result.cascade_steps.join(', ')}` : '';
        return toolResult(result, `Queued ${result.run_ids.join(', ')}${more}.`);
      }),
  );
}
