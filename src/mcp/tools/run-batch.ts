import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Harness } from '../../harness/index.js';
import { BATCH_APP_TOOL_META } from '../batch-app.js';
import { DEFAULT_WAIT_SECONDS, progressNotifications, settledAnswer, waitWithProgress, withRequestedLog } from '../batch-wait.js';
import { ScoreboardOutput } from '../scoreboard-answer.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { parseArguments, taskOrPlainAnswer, type TaskStarter } from '../tasks/task-calls.js';
import { answer } from '../tool-result.js';
import { portable } from '../portable-schema.js';
import { advertisedShape } from './submit-batch.js';

const TimeoutSeconds = z
  .number()
  .min(0)
  .max(3600)
  .optional()
  .describe(`A plain call: how long to wait for the batch to settle (default ${DEFAULT_WAIT_SECONDS}); a task waits for as long as the batch runs`);

const TimeoutArgument = z.object({ timeout_seconds: TimeoutSeconds });

// The launch table's fields, as submit_batch takes them, and the wait's.
export const RunBatchInput = z
  .looseObject({ ...advertisedShape, timeout_seconds: TimeoutSeconds })
  .meta({ required: ['batch_goal_summary', 'jobs'], additionalProperties: false });

export const RunBatchOutput = ScoreboardOutput.extend({
  deduplicated: z.boolean().describe('true: the idempotency_key named an earlier submission of this table, whose batch this is'),
});

const DESCRIPTION =
  'Submits a launch table (as submit_batch) and answers when the batch settles, with its summary scoreboard. To ' +
  'a client that takes tasks (2026-07-28, io.modelcontextprotocol/tasks) it answers a task at once: the task ' +
  'stays working while the batch runs, its status message saying how far it is, and completes with the summary; ' +
  'cancelling the task cancels the batch. A plain call waits up to timeout_seconds and answers the state so far ' +
  '(timed_out: true while it runs; follow it with wait_for_batch). A refused table comes back with every problem ' +
  'and its JSON path, and nothing is written.';

/** The table without the wait's own argument, which planBatch would refuse as unknown. */
function tableOf(args: Record<string, unknown>): { table: Record<string, unknown>; timeoutSeconds: number | undefined } {
  const { timeout_seconds, ...table } = args;
  return { table, timeoutSeconds: parseArguments(TimeoutArgument, { timeout_seconds }).timeout_seconds };
}

export function registerRunBatch(server: McpServer, harness: Harness, tasks: BackgroundTasks | undefined): TaskStarter | undefined {
  server.registerTool(
    'run_batch',
    {
      title: 'Run a batch',
      description: DESCRIPTION,
      inputSchema: portable(RunBatchInput),
      outputSchema: portable(RunBatchOutput),
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
      _meta: BATCH_APP_TOOL_META,
    },
    (args, ctx) =>
      answer(() =>
        withRequestedLog(harness, ctx, async () => {
          const { table, timeoutSeconds } = tableOf(args);
          const { meta, deduplicated } = await harness.submit(table);
          const settled = await waitWithProgress(harness, meta.batch_id, {
            timeoutMs: (timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
            signal: ctx.mcpReq.signal,
            listener: progressNotifications(ctx.mcpReq),
          });
          return settledAnswer(harness, meta.batch_id, 'summary', settled, { deduplicated });
        }),
      ),
  );
  if (!tasks) return undefined;
  return (input) =>
    answer(async () => {
      const { table } = tableOf(typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {});
      const { meta, deduplicated } = await harness.submit(table);
      return taskOrPlainAnswer(
        () => tasks.create({ tool: 'run_batch', batch_id: meta.batch_id, deduplicated }),
        () => settledAnswer(harness, meta.batch_id, 'summary', false, { deduplicated }),
      );
    });
}
