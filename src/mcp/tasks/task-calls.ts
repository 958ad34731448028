import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { IllegalStateError, InvalidArgumentError, type McpTaskRecord } from '../../core/index.js';
import { clientAcceptsTasks, createTaskResult } from './task-protocol.js';

/**
 * How a tool answers a client that takes task results: it does what must happen before the
 * answer (a submission, a retry) and answers a CreateTaskResult for the wait; a refusal is an
 * error result, as the plain call's would be.
 */
export type TaskStarter = (args: unknown, ctx: ServerContext) => Promise<CallToolResult>;

type CallHandler = (request: unknown, ctx: ServerContext) => Promise<CallToolResult>;

/**
 * Routes tools/call of the tools in `starters` to them when the request's client takes tasks;
 * every other call goes to the SDK's own handler, as do all calls while this server cannot make
 * tasks (`canCreateTasks`). The SDK checks a result against the tool's
 * output schema, which a CreateTaskResult (no structuredContent) would fail, so a task answer
 * has to be made before that handler. The SDK's Server keeps its handlers in a protected
 * method's reach only; a missing handler means the SDK changed.
 */
export function offerTasks(server: McpServer, starters: Record<string, TaskStarter | undefined>, canCreateTasks: () => Promise<boolean>): void {
  const sdkCall = (server.server as unknown as { _getRequestHandler(method: string): CallHandler | undefined })._getRequestHandler('tools/call');
  if (!sdkCall) throw new IllegalStateError('tools/call has no handler yet: register the tools before offerTasks');
  server.server.setRequestHandler('tools/call', async (request, ctx) => {
    const start = starters[request.params.name];
    // A server that only reads the root (another one runs it) answers plain calls: a wait works
    // there, and a change is refused as it is without tasks.
    if (start && clientAcceptsTasks(ctx) && (await canCreateTasks())) return start(request.params.arguments ?? {}, ctx);
    return sdkCall(request, ctx);
  });
}

/** The arguments as `schema` reads them, or an invalid_argument error naming the first problem's path. */
export function parseArguments<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InvalidArgumentError(issue.path.join('.') || 'arguments', issue.message);
}

/**
 * The task's answer; or, when no task could be made after the call did its part (a submission,
 * a retry: the disk refused the task file, the server is stopping), what the plain call answers
 * at once, saying why there is no task. The batch id is never lost to a failed task.
 */
export async function taskOrPlainAnswer(created: () => Promise<McpTaskRecord>, plain: () => Promise<CallToolResult>): Promise<CallToolResult> {
  let record: McpTaskRecord;
  try {
    record = await created();
  } catch (error) {
    const answer = await plain();
    const why = { type: 'text' as const, text: `No task could be made (${(error as Error).message}); this is the answer as it stands, follow it with wait_for_batch.` };
    return { ...answer, content: [why, ...answer.content] };
  }
  return createTaskResult(record);
}
