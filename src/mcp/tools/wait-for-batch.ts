import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { BATCH_APP_TOOL_META } from '../batch-app.js';
import { DEFAULT_WAIT_SECONDS, progressNotifications, settledAnswer, waitWithProgress, withRequestedLog } from '../batch-wait.js';
import { DetailSchema, ScoreboardOutput } from '../scoreboard-answer.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { parseArguments, type TaskStarter } from '../tasks/task-calls.js';
import { createTaskResult } from '../tasks/task-protocol.js';
import { answer } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const WaitForBatchInput = z.object({
  batch_id: IdSchema,
  timeout_seconds: z
    .number()
    .min(0)
    .max(3600)
    .optional()
    .describe(`How long to wait for the batch to settle (default ${DEFAULT_WAIT_SECONDS}; a task: as long as it runs); call again to keep waiting`),
  detail: DetailSchema,
});

type WaitArgs = z.infer<typeof WaitForBatchInput>;

const DESCRIPTION =
  'Waits until the batch is settled (no step running or ready) or the timeout passes, sending progress ' +
  'notifications meanwhile (steps ended, of the steps that did or still can run; the last one before the answer ' +
  'tells what it does), then answers its scoreboard with timed_out saying which happened. To a client that takes ' +
  'tasks (2026-07-28, io.modelcontextprotocol/tasks) it answers a task at once, which completes with that ' +
  'answer; without timeout_seconds the task waits for as long as the batch runs. Cancelling the task stops the ' +
  'wait, never the batch (cancel_run does that).';

export function registerWaitForBatch(server: McpServer, harness: Harness, tasks: BackgroundTasks | undefined): TaskStarter | undefined {
  server.registerTool(
    'wait_for_batch',
    {
      title: 'Wait for a batch',
      description: DESCRIPTION,
      inputSchema: portable(WaitForBatchInput),
      outputSchema: portable(ScoreboardOutput),
      annotations: { readOnlyHint: true },
      _meta: BATCH_APP_TOOL_META,
    },
    (args, ctx) =>
      answer(() =>
        withRequestedLog(harness, ctx, async () => {
          const settled = await waitWithProgress(harness, args.batch_id, {
            timeoutMs: (args.timeout_seconds ?? DEFAULT_WAIT_SECONDS) * 1000,
            signal: ctx.mcpReq.signal,
            listener: progressNotifications(ctx.mcpReq),
          });
          return settledAnswer(harness, args.batch_id, args.detail, settled);
        }),
      ),
  );
  if (!tasks) return undefined;
  return (input) =>
    answer(async () => {
      const args: WaitArgs = parseArguments(WaitForBatchInput, input);
      await harness.reader.progress(args.batch_id); // an unknown batch is refused now, not as a failed task
      const until = args.timeout_seconds === undefined ? null : new Date(Date.now() + args.timeout_seconds * 1000).toISOString();
      return createTaskResult(await tasks.create({ tool: 'wait_for_batch', batch_id: args.batch_id, detail: args.detail ?? 'summary', until }));
    });
}
