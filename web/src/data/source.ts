// Where a view's data comes from: the dashboard's own API (http-source.ts) or, inside an MCP
// host, the host's tool calls (the MCP App). Views see only this interface.

/**
 * The fields of an attempt's state.json (src/core/attempt-state.ts) the step page reads; written
 * out because that module pulls in node's crypto, which the page's type check has no types for.
 */
export interface AttemptSummary {
  run_id: string;
  attempt: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'needs_attention';
  trigger: string;
  created_at: string;
  started_at?: string;
  ended_at?: string;
  exit_code: number | null;
  signal: string | null;
  failure_reason: string | null;
  message: string | null;
  agent_outcome: { status: string | null; summary: string | null } | null;
  current_item: string | null;
  last_heartbeat_at: string | null;
}

/** The logs of an attempt a page can follow. */
export type FollowedLog = 'stdout' | 'stderr' | 'events';

/** Hears a followed log: its size each time it grows, then once that the attempt has ended. */
export interface LogListener {
  grew(size: number): void;
  ended(): void;
}

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
  /** Every attempt of a step, oldest first. Absent where no tool lists them: the step page shows the latest only. */
  stepAttempts?(batchId: string, jobId: string, stepId: string): Promise<AttemptSummary[]>;
  /** Tells `listener` as an attempt's log grows; returns what stops it. Absent: a page re-reads logs on change events only. */
  followLog?(runId: string, name: FollowedLog, listener: LogListener): () => void;
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
