import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InMemoryTransport, type Client } from '@modelcontextprotocol/client';
import { Harness } from '../../../src/harness/index.js';
import { openBackgroundTasks, serveConnection } from '../../../src/mcp/index.js';
import type { BackgroundTasks } from '../../../src/mcp/tasks/background-tasks.js';
import { HarnessClient, newClient } from './harness-client.js';
import { TEST_CONFIG, tempDir, whenDone, type StartOptions } from './harness-server.js';

/** As HarnessServer.start takes them, but no environment: this process's is the server's. */
export type InProcessOptions = Omit<StartOptions, 'env'>;

/**
 * A real transport carries JSON text, so what JSON drops (an undefined field) or changes (a Date)
 * never reaches the client. InMemoryTransport hands the object itself over; this makes it a copy
 * through JSON, as the wire would.
 */
function overJson(transport: InMemoryTransport): InMemoryTransport {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(JSON.parse(JSON.stringify(message)), options);
  return transport;
}

/**
 * harness-mcp's Harness and MCP server created in this process (from src/, as the CLI's stdio
 * mode builds them), driven by the SDK Client over linked in-memory transports. For breadth at
 * the MCP layer, where the process boundary is not the point; agents still run as real
 * processes. HarnessServer (the built server over stdio) stays the truth for the process and the
 * transport. The server logs to this process's stderr.
 */
export class InProcessServer extends HarnessClient {
  private constructor(
    client: Client,
    runsDir: string,
    private readonly harness: Harness,
  ) {
    super(client, runsDir);
  }

  static async start(options: InProcessOptions = {}): Promise<InProcessServer> {
    const dir = await tempDir(options.shared);
    const runsDir = options.runsDir ?? join(dir, 'runs');
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ ...TEST_CONFIG, ...options.config }));
    const harness = await Harness.open({ runsDir, configFile, maxConcurrency: options.maxConcurrency });
    const client = newClient(options.revision, undefined, options.clientCapabilities);
    const server = new InProcessServer(client, runsDir, harness);
    // Registered before connecting, so that a failed connect still closes the harness.
    whenDone(() => server.stop(), options.shared);
    const tasks = await openBackgroundTasks(harness);
    server.tasks = tasks;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    serveConnection(harness, tasks, overJson(serverSide));
    await client.connect(overJson(clientSide));
    // Like every real client: from here on the SDK validates structuredContent against the output schemas.
    await client.listTools();
    return server;
  }

  private tasks: BackgroundTasks | undefined;

  /** Closes the client (and with it the server's transport), the tasks' waits, then the harness. */
  async stop(): Promise<void> {
    await this.client.close().catch(() => undefined);
    this.tasks?.close();
    await this.harness.close();
  }
}
