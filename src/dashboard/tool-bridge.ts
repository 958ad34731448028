import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { HarnessError, HARNESS_NAME, HARNESS_VERSION } from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { createServer, type BackgroundTasks } from '../mcp/index.js';

/** The tools a page reads with. */
export const READ_TOOLS = ['get_scoreboard', 'list_batches', 'fetch_artifact', 'tail_events', 'get_changes', 'compare_variants', 'get_harness_config'] as const;
/** The tools a page acts with: they change the runs root, so they need the CSRF token and a server that runs the root. */
export const ACTION_TOOLS = ['cancel_run', 'retry_step', 'land_job', 'set_drain'] as const;

export type DashboardTool = (typeof READ_TOOLS)[number] | (typeof ACTION_TOOLS)[number];

export class UnknownDashboardToolError extends HarnessError {
  readonly code = 'unknown_tool';
}

export function isActionTool(name: string): name is (typeof ACTION_TOOLS)[number] {
  return (ACTION_TOOLS as readonly string[]).includes(name);
}

export function dashboardTool(name: string): DashboardTool {
  if ((READ_TOOLS as readonly string[]).includes(name) || isActionTool(name)) return name as DashboardTool;
  throw new UnknownDashboardToolError(`the dashboard calls no tool \`${name}\`; it calls ${[...READ_TOOLS, ...ACTION_TOOLS].join(', ')}`);
}

// The client's default of 60 s is too short for some answers a page waits for: canceling a batch
// of 10,000 steps gives each a canceled attempt, written durably, which takes about a minute on a
// slow disk. The page shows the action working meanwhile; the bridge is in memory, so nothing else
// can hold the call up.
const CALL_TIMEOUT_MS = 15 * 60_000;

/** What a page gets of a tool call: the client's view of the result. */
export interface BridgedResult {
  structuredContent: unknown;
  text: string;
  isError: boolean;
}

/**
 * The dashboard's way into the harness: an MCP client of its own, connected in memory to a
 * server made like any other, so that every read and every action of a page goes through the
 * same tool code (and output-schema checks) as a client's call does.
 */
export class ToolBridge {
  private constructor(
    private readonly client: Client,
    private readonly server: { close(): Promise<void> },
  ) {}

  static async open(harness: Harness, tasks: BackgroundTasks | undefined): Promise<ToolBridge> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = createServer(harness, tasks, { era: 'legacy', connection: 'pinned' });
    await server.connect(serverSide);
    const client = new Client({ name: `${HARNESS_NAME}-dashboard`, version: HARNESS_VERSION });
    await client.connect(clientSide);
    // Like a real client: from here on the client checks structuredContent against the output schemas.
    await client.listTools();
    return new ToolBridge(client, server);
  }

  async call(name: DashboardTool, args: Record<string, unknown>): Promise<BridgedResult> {
    const result = await this.client.callTool({ name, arguments: args }, { timeout: CALL_TIMEOUT_MS });
    const text = (result.content as { type: string; text?: string }[] | undefined)?.flatMap((c) => (c.type === 'text' && c.text ? [c.text] : [])).join('\n') ?? '';
    return { structuredContent: result.structuredContent ?? null, text, isError: result.isError === true };
  }

  /** A harness:// resource's JSON, as the text the resource answered (sent on as it is). */
  async readText(uri: string): Promise<string> {
    const first = (await this.client.readResource({ uri })).contents[0];
    return first && 'text' in first ? first.text : 'null';
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.server.close();
  }
}
