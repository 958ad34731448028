import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { IdSchema, StepCountsSchema } from '../../core/index.js';
import type { Harness } from '../../harness.js';
import { batchAnswer, batchScoreboardPage, DetailSchema, ScoreboardOutput } from '../scoreboard-answer.js';
import { describeBatch, describeCounts } from '../../scoreboard/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { runAsTask } from '../run-as-task.js';
import type { CancelAwareTaskStore } from '../task-store.js';
import { answer, toolResult } from '../tool-result.js';

// Under the 60 s most MCP clients wait for a tool call before giving up.
const DEFAULT_WAIT_SECONDS = 50;
const PROGRESS_INTERVAL_MS = 500;

export const WaitForBatchInput = z.object({
  batch_id: IdSchema,
  timeout_seconds: z
    .number()
    .min(0)
    .max(3600)
    .optional()
    .describe(`How long to wait for the batch to settle (default ${DEFAULT_WAIT_SECONDS}); call again to keep waiting`),
  detail: DetailSchema,
});

type WaitArgs = z.infer<typeof WaitForBatchInput>;
type Extra = Pick<RequestHandlerExtra<ServerRequest, ServerNotification>, '_meta' | 'sendNotification'>;

/** Waits for the batch, with progress notifications, and answers its scoreboard. */
function waitForBatch(harness: Harness, args: WaitArgs, extra: Extra, signal: AbortSignal) {
  return answer(async () => {
    const progressToken = extra._meta?.progressToken;
    let lastSent = 0;
    let lastDone = -1;
    const settled = await harness.waitUntilSettled(args.batch_id, (args.timeout_seconds ?? DEFAULT_WAIT_SECONDS) * 1000, {
      signal,
      onChange: (progress) => {
        if (progressToken === undefined || progress.done === lastDone || Date.now() - lastSent < PROGRESS_INTERVAL_MS) return;
        lastSent = Date.now();
        lastDone = progress.done;
        void extra
          .sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: progress.done, total: progress.total, message: describeCounts(StepCountsSchema.parse(progress.counts)) },
          })
          .catch(() => undefined);
      },
    });
    const board = await batchScoreboardPage(harness, args.batch_id, args.detail, undefined);
    return toolResult({ ...batchAnswer(board, args.detail), timed_out: !settled }, `${settled ? '' : 'Still going (timed out waiting). '}${describeBatch(board)}`);
  });
}

// What task clients are told to poll at.
const WAIT_POLL_MS = 1000;

export function registerWaitForBatch(server: McpServer, harness: Harness, taskStore: CancelAwareTaskStore): void {
  server.experimental.tasks.registerToolTask(
    'wait_for_batch',
    {
      title: 'Wait for a batch',
      description:
        'Waits until the batch is settled (no step running or ready) or the timeout passes, sending progress ' +
        'notifications meanwhile, then answers its scoreboard with timed_out saying which happened. As a task ' +
        '(tasks/get, tasks/result), tasks/cancel cancels the batch.',
      inputSchema: WaitForBatchInput,
      outputSchema: ScoreboardOutput,
      annotations: { readOnlyHint: true },
      execution: { taskSupport: 'optional' },
    },
    runAsTask<WaitArgs>(WAIT_POLL_MS, async (args, extra, taskId) => {
      const canceled = new AbortController();
      taskStore.onCancel(taskId, () => {
        canceled.abort();
        void harness.cancel({ batch_id: args.batch_id }).catch(() => undefined);
      });
      return waitForBatch(harness, args, extra, AbortSignal.any([extra.signal, canceled.signal]));
    }),
  );
}
