import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { newClient, type Revision } from './harness-client.js';
import { CLI, TEST_CONFIG, tempDir, whenDone } from './harness-server.js';

/** harness-mcp --http started as a child process on 127.0.0.1 at a free port. */
export interface HttpHarness {
  url: string;
  runsDir: string;
  child: ChildProcess;
  stderr: () => string;
  /** Stops the server (SIGTERM) and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
  /** An SDK client connected over Streamable HTTP, closed when the test ends. */
  connect(token?: string, revision?: Revision): Promise<Client>;
}

export async function startHttpHarness(options: { env?: Record<string, string>; args?: string[]; runsDir?: string; config?: Record<string, unknown> } = {}): Promise<HttpHarness> {
  const dir = await tempDir();
  const runsDir = options.runsDir ?? join(dir, 'runs');
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ ...TEST_CONFIG, ...options.config }));
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0', '--runs-dir', runsDir, '--config', config, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const clients: Client[] = [];
  // Clients first: a client whose server vanished under its open stream reports the dead socket as an error.
  const stop = async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
    child.kill('SIGTERM');
    await exited;
  };
  whenDone(stop);
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving MCP at (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`harness-mcp --http exited ${code}: ${stderr}`)));
  });
  return {
    url,
    runsDir,
    child,
    stderr: () => stderr,
    stop,
    async connect(token?: string, revision?: Revision) {
      const client = newClient(revision, 'http-test');
      const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : undefined);
      await client.connect(transport);
      clients.push(client);
      // Like every real client: from here on the SDK validates structuredContent against the output schemas.
      await client.listTools();
      return client;
    },
  };
}
