import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { IdSchema, RunIdSchema, StepCountsSchema, type McpTaskWork } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { describeCounts } from '../../scoreboard/index.js';
import { DEFAULT_WAIT_SECONDS, progressNotifications, waitWithProgress, type ProgressListener } from '../batch-wait.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { parseArguments, taskOrPlainAnswer, type TaskStarter } from '../tasks/task-calls.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

export const RetryStepInput = z.object({
  batch_id: IdSchema,
  job_id: IdSchema,
  step_id: IdSchema,
  cascade: z.boolean().optional().describe('Also run again every step that depends on it, once it succeeds'),
  wait: z.boolean().optional().describe('Answer once the retried steps (the step and its cascade) have settled, or timeout_seconds passes'),
  timeout_seconds: z
    .number()
    .min(0)
    .max(3600)
    .optional()
    .describe(`With wait, in a plain call: how long to wait (default ${DEFAULT_WAIT_SECONDS}); a task waits for as long as they run`),
});
type RetryArgs = z.infer<typeof RetryStepInput>;

export const RetryStepOutput = z.object({
  run_ids: z.array(RunIdSchema).describe('The attempts queued'),
  cascade_steps: z.array(IdSchema).describe('Steps of the job that will run again after it (cascade)'),
  timed_out: z.boolean().optional().describe('wait: the timeout passed before the retried steps settled'),
  counts: StepCountsSchema.optional().describe('wait: the retried steps by status when the answer was made'),
});

type RetryWork = Extract<McpTaskWork, { tool: 'retry_step' }>;

/** What a wait on retried steps answers: what was queued, and how those steps stand. */
export async function retriedAnswer(harness: Harness, work: RetryWork, settled: boolean) {
  const { counts } = await harness.reader.progress(work.batch_id, { jobId: work.job_id, stepIds: work.step_ids });
  const result = { run_ids: work.run_ids, cascade_steps: work.step_ids.slice(1), timed_out: !settled, counts };
  return toolResult(result, `${settled ? 'Settled' : 'Still going (timed out waiting)'}: ${work.step_ids.join(', ')}: ${describeCounts(counts)}.`);
}

/** Waits for retried steps to settle: for `timeoutMs` (Infinity: as long as they run). */
export function waitForRetried(harness: Harness, work: RetryWork, timeoutMs: number, signal: AbortSignal, listener: ProgressListener | undefined): Promise<boolean> {
  return waitWithProgress(harness, work.batch_id, { timeoutMs, signal, listener, steps: { jobId: work.job_id, stepIds: work.step_ids } });
}

async function retry(harness: Harness, args: RetryArgs): Promise<RetryWork> {
  const { run_ids, cascade_steps } = await harness.retry(args.batch_id, args.job_id, args.step_id, args.cascade ?? false);
  return { tool: 'retry_step', batch_id: args.batch_id, job_id: args.job_id, step_ids: [args.step_id, ...cascade_steps], run_ids };
}

function queuedAnswer(work: RetryWork) {
  const more = work.step_ids.length > 1 ? `; then again: ${work.step_ids.slice(1).join(', ')}` : '';
  return toolResult({ run_ids: work.run_ids, cascade_steps: work.step_ids.slice(1) }, `Queued ${work.run_ids.join(', ')}${more}.`);
}

export function registerRetryStep(server: McpServer, harness: Harness, tasks: BackgroundTasks | undefined): TaskStarter | undefined {
  server.registerTool(
    'retry_step',
    {
      title: 'Retry a step',
      description:
        'Queues a new attempt of a step, whatever its status (not while it is queued or running). With cascade, the ' +
        'steps that depend on it run again once it succeeds. With wait, answers once they have settled (their counts ' +
        'by status), sending progress meanwhile; to a client that takes tasks (2026-07-28, ' +
        'io.modelcontextprotocol/tasks) a wait is a task, and cancelling it stops the wait, not the steps.',
      inputSchema: portable(RetryStepInput),
      outputSchema: portable(RetryStepOutput),
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    (args, ctx) =>
      answer(async () => {
        const work = await retry(harness, args);
        if (!args.wait) return queuedAnswer(work);
        const settled = await waitForRetried(harness, work, (args.timeout_seconds ?? DEFAULT_WAIT_SECONDS) * 1000, ctx.mcpReq.signal, progressNotifications(ctx.mcpReq));
        return retriedAnswer(harness, work, settled);
      }),
  );
  if (!tasks) return undefined;
  // Only a wait is worth a task; a retry without one answers as the plain call does.
  return (input) =>
    answer(async () => {
      const args = parseArguments(RetryStepInput, input);
      const work = await retry(harness, args);
      return args.wait ? taskOrPlainAnswer(() => tasks.create(work), async () => queuedAnswer(work)) : queuedAnswer(work);
    });
}
