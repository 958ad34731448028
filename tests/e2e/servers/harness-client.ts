import { Client, type CallToolResult, type ClientCapabilities } from '@modelcontextprotocol/client';

/**
 * The MCP revision a test's client speaks: `legacy` opens with `initialize` at 2025-11-25 (codex,
 * Claude Code with MCP_PROTOCOL_NEGOTIATION=legacy, the Inspector's legacy mode), `modern` is
 * pinned to 2026-07-28 (Claude Code's first choice), as the SDK client negotiates each.
 */
export type Revision = 'legacy' | 'modern';
export const REVISIONS: Revision[] = ['legacy', 'modern'];
export const MODERN_REVISION = '2026-07-28';
export const LEGACY_REVISION = '2025-11-25';

/** An SDK (v2) client that speaks `revision`. */
export function newClient(revision: Revision = 'legacy', name = 'harness-tests', capabilities: ClientCapabilities = {}): Client {
  return new Client({ name, version: '0.0.0' }, { capabilities, versionNegotiation: { mode: revision === 'modern' ? { pin: MODERN_REVISION } : 'legacy' } });
}

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
    return this.client.callTool({ name, arguments: args }, { timeout: 120_000 });
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
