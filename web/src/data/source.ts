// Where a view's data comes from: the dashboard's own API (http-source.ts) or, inside an MCP
// host, the host's tool calls (the MCP App). Views see only this interface.

/** What a tool call answers: the structured result as the MCP client got it, its text, and whether it is an error result. */
export interface ToolAnswer<T = unknown> {
  structuredContent: T;
  text: string;
  isError: boolean;
}

export interface HarnessSource {
  callTool<T = unknown>(name: string, args: Record<string, unknown>): Promise<ToolAnswer<T>>;
  /** A harness:// resource's JSON (scoreboards, batch meta). */
  readResource<T = unknown>(uri: string): Promise<T>;
  /** Called with each harness:// URI that changed, and with BATCHES_CHANGED when a batch appears. Returns what unhooks it. */
  onChange(listener: (uri: string) => void): () => void;
  /** false: a read-only viewer; views offer no actions. */
  readonly canAct: boolean;
}

export const BATCHES_CHANGED = 'harness://batches';
export const SYSTEM_SCOREBOARD = 'harness://scoreboard';

export function batchScoreboardUri(batchId: string): string {
  return `harness://batches/${batchId}/scoreboard`;
}

export function batchMetaUri(batchId: string): string {
  return `harness://batches/${batchId}/meta`;
}

/** Calls an action tool: its text when it did what it was asked, its error text thrown when it refused. */
export async function act(source: HarnessSource, name: string, args: Record<string, unknown>): Promise<string> {
  const answer = await source.callTool(name, args);
  if (answer.isError) throw new Error(answer.text || `${name} failed`);
  return answer.text;
}
