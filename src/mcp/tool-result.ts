import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { HarnessError, LaunchTableInvalidError } from '../core/index.js';

/** A successful tool result: the structured answer and a short text rendering of it. */
export function toolResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

/**
 * Runs a tool handler and turns a HarnessError (a caller's mistake or a refused request) into
 * an `isError` result carrying its code and message. Anything else is an internal failure and
 * is left to the SDK, which reports it as such.
 */
export async function answer(handler: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await handler();
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    const problems = error instanceof LaunchTableInvalidError ? { problems: error.problems } : {};
    return {
      isError: true,
      content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
      structuredContent: { error: { code: error.code, message: error.message, ...problems } },
    };
  }
}
