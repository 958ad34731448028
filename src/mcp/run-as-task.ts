import type { CreateTaskRequestHandlerExtra, ToolTaskHandler } from '@modelcontextprotocol/sdk/experimental/tasks';
import { isTerminal } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { AnySchema } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HarnessTaskStore } from './task-store.js';

/**
 * A task handler for a tool: the work starts at once in the background and its CallToolResult
 * (an error result too) becomes the task's result. `pollIntervalMs` is what task clients are
 * told to poll at; the ttl is the client's, as `tasks` grants it (see HarnessTaskStore).
 */
export function runAsTask<Args>(
  tasks: HarnessTaskStore,
  pollIntervalMs: number,
  work: (args: Args, extra: CreateTaskRequestHandlerExtra, taskId: string) => Promise<CallToolResult>,
): ToolTaskHandler<AnySchema> {
  return {
    createTask: async (args, extra) => {
      const task = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl, pollInterval: pollIntervalMs });
      void work(args as Args, extra, task.taskId)
        .catch((error: Error): CallToolResult => ({ isError: true, content: [{ type: 'text', text: error.message }] }))
        .then(async (result) => {
          const current = await tasks.getTask(task.taskId);
          // A canceled task keeps no result; a task of a closed session is gone.
          if (!current || isTerminal(current.status)) return;
          const status = result.isError ? 'failed' : 'completed';
          // The SDK's request-scoped store announces the end with notifications/tasks/status. The
          // client of a plain call asked for no task and knows no task id, so its task ends quietly.
          if (tasks.isPlainCall(task.taskId)) await tasks.storeTaskResult(task.taskId, status, result);
          else await extra.taskStore.storeTaskResult(task.taskId, status, result);
        })
        // What can still fail is telling a client whose session has gone.
        .catch(() => undefined);
      return { task };
    },
    getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
    getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
  };
}
