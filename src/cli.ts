#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HARNESS_VERSION, HarnessError } from './core/index.js';
import { Harness } from './harness.js';
import { createServer } from './mcp/index.js';

const USAGE = `harness-mcp ${HARNESS_VERSION}: an MCP server that runs batches of coding-agent sessions in parallel, on disk.

Usage: harness-mcp [options]        serve MCP over stdio (what MCP clients start)

Options:
  --runs-dir DIR          the store (default: $HARNESS_RUNS_DIR, else ./runs)
  --config FILE           harness config JSON (default: $HARNESS_CONFIG, else built-in defaults)
  --max-concurrency N     attempts run at once (default: runners.max_concurrency of the config, 4)
  --version               print the version
  --help                  this text
`;

function fail(message: string): never {
  process.stderr.write(`harness-mcp: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'runs-dir': { type: 'string' },
        config: { type: 'string' },
        'max-concurrency': { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${HARNESS_VERSION}\n`);
  const concurrency = values['max-concurrency'];
  const maxConcurrency = concurrency === undefined ? undefined : Number(concurrency);
  if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 256)) {
    fail(`--max-concurrency takes a whole number from 1 to 256, not \`${concurrency}\``);
  }

  let harness: Harness;
  try {
    harness = await Harness.open({
      runsDir: values['runs-dir'] ?? process.env.HARNESS_RUNS_DIR ?? 'runs',
      configFile: values.config ?? process.env.HARNESS_CONFIG,
      maxConcurrency,
    });
  } catch (error) {
    if (error instanceof HarnessError) fail(error.message);
    throw error;
  }

  // In stdio mode stdout belongs to the MCP transport; everything else goes to stderr.
  const server = createServer(harness);
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    await harness.close();
    await server.close().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));
  const transport = new StdioServerTransport();
  transport.onclose = () => void shutdown(0);
  process.stdin.on('end', () => void shutdown(0));
  await server.connect(transport);
}

await main();
