#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HARNESS_VERSION, HarnessError } from './core/index.js';
import { Harness } from './harness.js';
import { checkHttpOptions, createServer, startHttpServer } from './mcp/index.js';

const USAGE = `harness-mcp ${HARNESS_VERSION}: an MCP server that runs batches of coding-agent sessions in parallel, on disk.

Usage:
  harness-mcp [options]                       serve MCP over stdio (what MCP clients start)
  harness-mcp --http [--host H] [--port N]    serve MCP over Streamable HTTP at http://H:N/mcp

Options:
  --runs-dir DIR          the store (default: $HARNESS_RUNS_DIR, else ./runs)
  --config FILE           harness config JSON (default: $HARNESS_CONFIG, else built-in defaults)
  --max-concurrency N     attempts run at once (default: runners.max_concurrency of the config, 4)
  --http                  serve over HTTP instead of stdio
  --host H                HTTP: address to listen on (default 127.0.0.1)
  --port N                HTTP: port (default 8765; 0 picks a free one)
  --token-file FILE       HTTP: require this bearer token (default: $HARNESS_MCP_TOKEN);
                          required when --host is not a loopback address
  --json-response         HTTP: answer requests with JSON instead of an SSE stream
  --version               print the version
  --help                  this text
`;

function fail(message: string): never {
  process.stderr.write(`harness-mcp: ${message}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        'runs-dir': { type: 'string' },
        config: { type: 'string' },
        'max-concurrency': { type: 'string' },
        http: { type: 'boolean' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8765' },
        'token-file': { type: 'string' },
        'json-response': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${flag} takes a whole number from ${min} to ${max}, not \`${value}\``);
  return n;
}

async function readToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return process.env.HARNESS_MCP_TOKEN || undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    fail(`--token-file ${file} cannot be read: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${HARNESS_VERSION}\n`);
  const maxConcurrency = wholeNumber('--max-concurrency', values['max-concurrency'], 1, 256);
  const port = wholeNumber('--port', values.port, 0, 65535)!;
  const token = values.http ? await readToken(values['token-file']) : undefined;
  if (values.http) {
    try {
      checkHttpOptions({ host: values.host, token });
    } catch (error) {
      fail((error as Error).message);
    }
  }

  let harness: Harness;
  try {
    harness = await Harness.open({
      runsDir: values['runs-dir'] ?? process.env.HARNESS_RUNS_DIR ?? 'runs',
      configFile: values.config ?? process.env.HARNESS_CONFIG,
      maxConcurrency,
      interfaces: values.http
        ? { mcp_stdio: { enabled: false }, mcp_http: { enabled: true, auth_mode: token ? 'token' : 'none' } }
        : undefined,
    });
  } catch (error) {
    if (error instanceof HarnessError) fail(error.message);
    throw error;
  }

  let stop: () => Promise<void>;
  if (values.http) {
    let http: Awaited<ReturnType<typeof startHttpServer>>;
    try {
      http = await startHttpServer(harness, { host: values.host, port, token, jsonResponse: values['json-response'] ?? false });
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

await main();
