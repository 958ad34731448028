import type { CreateTaskRequestHandlerExtra, ToolTaskHandler } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { AnySchema } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

// Tasks and their results are kept this long after they end, for clients that poll late.
const TASK_TTL_MS = 60 * 60 * 1000;

/**
 * A task handler for a tool: the work starts at once in the background and its CallToolResult
 * (an error result too) becomes the task's result. `pollIntervalMs` is what task clients are
 * told to poll at (plain calls are polled faster, see CancelAwareTaskStore).
 */
export function runAsTask<Args>(
  pollIntervalMs: number,
  work: (args: Args, extra: CreateTaskRequestHandlerExtra, taskId: string) => Promise<CallToolResult>,
): ToolTaskHandler<AnySchema> {
  return {
    createTask: async (args, extra) => {
      const task = await extra.taskStore.createTask({ ttl: TASK_TTL_MS, pollInterval: pollIntervalMs });
      void work(args as Args, extra, task.taskId)
        .catch((error: Error): CallToolResult => ({ isError: true, content: [{ type: 'text', text: error.message }] }))
        .then(async (result) => {
          const current = await extra.taskStore.getTask(task.taskId);
          if (current?.status === 'cancelled') return; // a canceled task keeps no result
          await extra.taskStore.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result);
        });
      return { task };
    },
    getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
    getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
  };
}
