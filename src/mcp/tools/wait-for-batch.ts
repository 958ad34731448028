import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { batchAnswer, batchScoreboardPage, DetailSchema, ScoreboardOutput } from '../scoreboard-answer.js';
import { describeBatch, describeProgress, MCP_LOGS, type BatchProgress } from '../../scoreboard/index.js';
import type { ProgressToken, ServerContext } from '@modelcontextprotocol/server';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';
import { createTrailingThrottle } from '../trailing-throttle.js';

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
type Request = Pick<ServerContext['mcpReq'], '_meta' | 'notify'>;

/**
 * Waits for the batch and answers its scoreboard. With a progress token, the client hears the
 * progress at the start, at most every PROGRESS_INTERVAL_MS while it changes (the last change
 * of a burst is sent when the interval ends, not dropped), and once more right before the
 * answer, so the last notification tells what the answer does.
 */
function waitForBatch(harness: Harness, args: WaitArgs, request: Request, signal: AbortSignal) {
  return answer(async () => {
    const progressToken = request._meta?.progressToken;
    const throttle =
      progressToken === undefined ? undefined : createTrailingThrottle((p: BatchProgress) => notifyProgress(request, progressToken, p), PROGRESS_INTERVAL_MS, sameProgress);
    try {
      throttle?.offer(await harness.reader.progress(args.batch_id));
      const settled = await harness.reader.waitUntilSettled(args.batch_id, (args.timeout_seconds ?? DEFAULT_WAIT_SECONDS) * 1000, {
        signal,
        onChange: (progress) => throttle?.offer(progress),
      });
      // Read right before the board: a settled batch says the same in both; one still going may move in between.
      await throttle?.end(await harness.reader.progress(args.batch_id));
      const board = await batchScoreboardPage(harness, args.batch_id, args.detail, undefined);
      return toolResult({ ...batchAnswer(board, args.detail), timed_out: !settled }, `${settled ? '' : 'Still going (timed out waiting). '}${describeBatch(board, MCP_LOGS)}`);
    } finally {
      throttle?.stop();
    }
  });
}

function notifyProgress(request: Request, progressToken: ProgressToken, progress: BatchProgress): Promise<void> {
  return request
    .notify({
      method: 'notifications/progress',
      params: { progressToken, progress: progress.ended, total: progress.total, message: describeProgress(progress) },
    })
    .catch(() => undefined); // the client has gone; its answer will not arrive either
}

// The message holds every number a notification carries, so equal messages tell the same.
function sameProgress(a: BatchProgress, b: BatchProgress): boolean {
  return describeProgress(a) === describeProgress(b);
}

export function registerWaitForBatch(server: McpServer, harness: Harness): void {
  server.registerTool(
    'wait_for_batch',
    {
      title: 'Wait for a batch',
      description:
        'Waits until the batch is settled (no step running or ready) or the timeout passes, sending progress ' +
        'notifications meanwhile (steps ended, of the steps that did or still can run; the last one before the answer ' +
        'tells what it does), then answers its scoreboard with timed_out saying which happened.',
      inputSchema: portable(WaitForBatchInput),
      outputSchema: portable(ScoreboardOutput),
      annotations: { readOnlyHint: true },
    },
    (args, ctx) => waitForBatch(harness, args, ctx.mcpReq, ctx.mcpReq.signal),
  );
}
