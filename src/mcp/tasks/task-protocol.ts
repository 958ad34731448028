import { CLIENT_CAPABILITIES_META_KEY, ProtocolError, ProtocolErrorCode, type CallToolResult, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { StoreLockedError, type McpTaskRecord } from '../../core/index.js';
import { envelopeOf } from '../request-envelope.js';
import type { BackgroundTasks } from './background-tasks.js';

/** The tasks extension of MCP 2026-07-28 (SEP-2663). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** Whether the request's client said it takes task results (its per-request capabilities name the extension). */
export function clientAcceptsTasks(ctx: ServerContext): boolean {
  const capabilities = envelopeOf(ctx)[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** A task as the extension's Task shape has it (camelCase on the wire, snake_case on disk). */
function wireTask(record: McpTaskRecord) {
  return {
    taskId: record.task_id,
    status: record.status,
    ...(record.status_message === undefined ? {} : { statusMessage: record.status_message }),
    createdAt: record.created_at,
    lastUpdatedAt: record.last_updated_at,
    ttlMs: record.ttl_ms,
    pollIntervalMs: record.poll_interval_ms,
  };
}

/**
 * What a tools/call answers when it made a task: a CreateTaskResult. The SDK's types know only
 * CallToolResult; the `resultType` tells the client which it got.
 */
export function createTaskResult(record: McpTaskRecord): CallToolResult {
  return { resultType: 'task', ...wireTask(record) } as unknown as CallToolResult;
}

/** tasks/get's DetailedTask: the task, with its result once completed or its error once failed. */
function detailedTask(record: McpTaskRecord) {
  return {
    ...wireTask(record),
    ...(record.status === 'completed' && record.result ? { result: record.result } : {}),
    ...(record.status === 'failed' && record.error ? { error: record.error } : {}),
  };
}

const TaskParams = z.object({ taskId: z.string() });
const UpdateParams = z.object({ taskId: z.string(), inputResponses: z.record(z.string(), z.unknown()).optional() });

function requireTasksCapability(ctx: ServerContext): void {
  if (clientAcceptsTasks(ctx)) return;
  throw new ProtocolError(ProtocolErrorCode.MissingRequiredClientCapability, `Missing required client capability: declare the ${TASKS_EXTENSION} extension in the request's client capabilities`, {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
}

function notFound(taskId: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Failed to retrieve task: no task \`${taskId}\` (it never was, or it ended more than its ttlMs after it was created and was removed)`);
}

/**
 * tasks/get, tasks/update and tasks/cancel on a 2026-07-28 server. Each answers from disk, so
 * any server process of the runs root can answer it, and the answer is the same after a restart.
 */
export function registerTaskMethods(server: McpServer, tasks: BackgroundTasks): void {
  server.server.setRequestHandler('tasks/get', { params: TaskParams }, async ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    const record = await tasks.get(taskId);
    if (!record) throw notFound(taskId);
    return detailedTask(record);
  });
  // No task of this server asks for input yet, so there is never an outstanding request to answer:
  // the spec has a server ignore responses to keys it did not issue.
  server.server.setRequestHandler('tasks/update', { params: UpdateParams }, async ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    if (!(await tasks.get(taskId))) throw notFound(taskId);
    return {};
  });
  server.server.setRequestHandler('tasks/cancel', { params: TaskParams }, async ({ taskId }, ctx) => {
    requireTasksCapability(ctx);
    let cancelled;
    try {
      cancelled = await tasks.cancel(taskId);
    } catch (error) {
      // Another server runs the root: the caller's to read, not an internal error.
      if (error instanceof StoreLockedError) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `${error.code}: ${error.message}`, { code: error.code });
      throw error;
    }
    if (!cancelled) throw notFound(taskId);
    return {};
  });
}
