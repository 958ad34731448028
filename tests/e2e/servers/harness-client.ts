import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * What a test does with a harness through an SDK Client, whichever way the server runs (a child
 * process over stdio, or this process over in-memory transports): the same calls, so a test
 * moves from one to the other by changing the line that starts it.
 */
export abstract class HarnessClient {
  protected constructor(
    readonly client: Client,
    readonly runsDir: string,
  ) {}

  call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return this.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 }) as Promise<CallToolResult>;
  }

  /** Calls a tool that must succeed and returns its structured content. */
  async ok<T = any>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await this.call(name, args);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as T;
  }

  /** Calls a tool that must fail and returns the error's code, text and machine-readable form. */
  async error(name: string, args: Record<string, unknown> = {}): Promise<ToolError> {
    const result = await this.call(name, args);
    if (!result.isError) throw new Error(`${name} was expected to fail but answered ${JSON.stringify(result.structuredContent)}`);
    return toolError(result);
  }

  async submit(table: Record<string, unknown>): Promise<string> {
    return (await this.ok<{ batch_id: string }>('submit_batch', table)).batch_id;
  }

  /** Waits for the batch to settle and returns its full scoreboard. */
  async settled(batchId: string, timeoutSeconds = 60): Promise<any> {
    const board = await this.ok('wait_for_batch', { batch_id: batchId, timeout_seconds: timeoutSeconds, detail: 'full' });
    if (board.timed_out) throw new Error(`batch ${batchId} did not settle in ${timeoutSeconds} s: ${JSON.stringify(board.counts)}`);
    return board;
  }

  /** Shuts the server down; running attempts end runner_lost. Safe to call twice. */
  abstract stop(): Promise<void>;
}

/** What a client reads of an error result: the text, and the `harness-mcp/error` entry of `_meta`. */
export interface ToolError {
  code: string | undefined;
  text: string;
  error: { code: string; message: string; problems?: { path: string; message: string }[] } | undefined;
}

export function toolError(result: CallToolResult): ToolError {
  const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
  const error = result._meta?.['harness-mcp/error'] as ToolError['error'];
  return { code: error?.code, text, error };
}
