import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server';
import { HarnessError, LaunchTableInvalidError } from '../core/index.js';

/** Where an error result carries its code, message and problems for programs to branch on. */
const ERROR_META_KEY = 'harness-mcp/error';

/** A successful tool result: the structured answer and a short text rendering of it. */
export function toolResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

/**
 * Runs a tool handler and turns a HarnessError (a caller's mistake or a refused request) into
 * an `isError` result: `code: message` as text (a LaunchTableInvalidError's message lists its
 * problems one per line with their paths) and the same as data in `_meta`. Not in
 * structuredContent: the SDK Client validates that against the tool's output schema even on an
 * error, and throws away the message when it does not match. Anything else is an internal
 * failure and is left to the SDK, which reports it as such. A tool that asks the client for
 * input answers its InputRequiredResult through here too.
 */
export async function answer<R extends CallToolResult | InputRequiredResult>(handler: () => Promise<R>): Promise<R | CallToolResult> {
  try {
    return await handler();
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    const problems = error instanceof LaunchTableInvalidError ? { problems: error.problems } : {};
    return {
      isError: true,
      content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
      _meta: { [ERROR_META_KEY]: { code: error.code, message: error.message, ...problems } },
    };
  }
}
