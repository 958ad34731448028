import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { LaunchTableSchema } from '../../core/index.js';
import { batchScoreboardUri } from '../../scoreboard/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

/**
 * The launch table's own fields at the top level of the arguments. Each is advertised with its
 * real JSON Schema but accepted as anything here, because the SDK would otherwise reject a bad
 * table on the first structural error; planBatch reports every problem at once, with its path.
 */
export const advertisedShape = Object.fromEntries(
  Object.entries(LaunchTableSchema.shape).map(([key, field]) => {
    const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return [key, z.unknown().optional().meta(jsonSchema)];
  }),
);
// planBatch refuses unknown keys, so the advertised schema says so too.
export const SubmitBatchInput = z.looseObject(advertisedShape).meta({ required: ['batch_goal_summary', 'jobs'], additionalProperties: false });

export const SubmitBatchOutput = z.object({
  batch_id: z.string(),
  jobs_total: z.int(),
  steps_total: z.int(),
  scoreboard_uri: z.string(),
  deduplicated: z.boolean().describe('true: the idempotency_key named an earlier submission of this table, which is returned'),
});

export function registerSubmitBatch(server: McpServer, harness: Harness): void {
  server.registerTool(
    'submit_batch',
    {
      title: 'Submit a batch',
      description:
        'Submit a launch table: jobs (each with a working_directory) of steps run by an agent CLI or a plain command, ' +
        'wired by depends_on and resume_from. The whole table is validated first; on rejection every problem comes back ' +
        'with its JSON path and nothing is written. Returns at once; follow the batch with get_scoreboard or wait_for_batch.',
      inputSchema: portable(SubmitBatchInput),
      outputSchema: portable(SubmitBatchOutput),
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (args) =>
      answer(async () => {
        const { meta, deduplicated } = await harness.submit(args);
        const stepsTotal = meta.jobs.reduce((n, j) => n + j.steps.length, 0);
        const result = { batch_id: meta.batch_id, jobs_total: meta.jobs.length, steps_total: stepsTotal, scoreboard_uri: batchScoreboardUri(meta.batch_id), deduplicated };
        const verb = deduplicated ? 'Already submitted as' : 'Submitted';
        return toolResult(result, `${verb} ${meta.batch_id}: ${meta.jobs.length} jobs, ${stepsTotal} steps. Scoreboard: ${result.scoreboard_uri}`);
      }),
  );
}
