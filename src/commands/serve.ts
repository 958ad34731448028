import { readFile } from 'node:fs/promises';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HarnessError } from '../core/index.js';
import { checkHttpOptions, createServer, startHttpServer } from '../mcp/index.js';
import { fail, openHarness, type StoreOptions } from './common.js';

export interface ServeOptions extends StoreOptions {
  maxConcurrency?: number;
  http?: boolean;
  host: string;
  port: number;
  tokenFile?: string;
  jsonResponse?: boolean;
}

async function readToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return process.env.HARNESS_MCP_TOKEN || undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    fail(`--token-file ${file} cannot be read: ${(error as Error).message}`);
  }
}

/** The MCP server: over stdio (what MCP clients start), or Streamable HTTP with --http. */
export async function serve(options: ServeOptions): Promise<void> {
  const token = options.http ? await readToken(options.tokenFile) : undefined;
  if (options.http) {
    try {
      checkHttpOptions({ host: options.host, token });
    } catch (error) {
      fail((error as Error).message);
    }
  }
  const harness = await openHarness(options, {
    maxConcurrency: options.maxConcurrency,
    interfaces: options.http ? { mcp_stdio: { enabled: false }, mcp_http: { enabled: true, auth_mode: token ? 'token' : 'none' } } : undefined,
  });

  let stop: () => Promise<void>;
  if (options.http) {
    let http: Awaited<ReturnType<typeof startHttpServer>>;
    try {
      http = await startHttpServer(harness, { host: options.host, port: options.port, token, jsonResponse: options.jsonResponse ?? false });
    } catch (error) {
      await harness.close();
      if (error instanceof HarnessError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail((error as Error).message);
      throw error;
    }
    process.stderr.write(`harness-mcp: serving MCP at ${http.url}${token ? ' (bearer token required)' : ''}\n`);
    stop = http.close;
  } else {
    // In stdio mode stdout belongs to the MCP transport; everything else goes to stderr.
    const server = createServer(harness);
    const transport = new StdioServerTransport();
    transport.onclose = () => void shutdown(0);
    process.stdin.on('end', () => void shutdown(0));
    await server.connect(transport);
    stop = () => server.close();
  }

  let closing = false;
  async function shutdown(code: number): Promise<void> {
    if (closing) return;
    closing = true;
    await stop().catch(() => undefined);
    await harness.close();
    process.exit(code);
  }
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));
  // SIGUSR2 toggles drain mode, for a person at the machine: kill -USR2 <pid>.
  process.on('SIGUSR2', () => void harness.refreshHealth().then((health) => harness.setDrain(!health.drain)));
}
