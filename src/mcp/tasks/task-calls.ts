import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { IllegalStateError, InvalidArgumentError } from '../../core/index.js';
import { clientAcceptsTasks } from './task-protocol.js';

/**
 * How a tool answers a client that takes task results: it does what must happen before the
 * answer (a submission, a retry) and answers a CreateTaskResult for the wait; a refusal is an
 * error result, as the plain call's would be.
 */
export type TaskStarter = (args: unknown, ctx: ServerContext) => Promise<CallToolResult>;

type CallHandler = (request: unknown, ctx: ServerContext) => Promise<CallToolResult>;

/**
 * Routes tools/call of the tools in `starters` to them when the request's client takes tasks;
 * every other call goes to the SDK's own handler. The SDK checks a result against the tool's
 * output schema, which a CreateTaskResult (no structuredContent) would fail, so a task answer
 * has to be made before that handler. The SDK's Server keeps its handlers in a protected
 * method's reach only; a missing handler means the SDK changed.
 */
export function offerTasks(server: McpServer, starters: Record<string, TaskStarter | undefined>): void {
  const sdkCall = (server.server as unknown as { _getRequestHandler(method: string): CallHandler | undefined })._getRequestHandler('tools/call');
  if (!sdkCall) throw new IllegalStateError('tools/call has no handler yet: register the tools before offerTasks');
  server.server.setRequestHandler('tools/call', (request, ctx) => {
    const start = starters[request.params.name];
    if (start && clientAcceptsTasks(ctx)) return start(request.params.arguments ?? {}, ctx);
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
