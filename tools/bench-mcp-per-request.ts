// What the stateless 2026-07-28 HTTP path costs beyond a connection's server, in one process with
// no HTTP between: the same client and calls against a server bound to one in-memory connection
// (as stdio and a 2025-11-25 HTTP session have), against createMcpHandler answering each request
// with a server made for it (as /mcp does for 2026-07-28), and the making of that server alone.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { Harness } from '../src/harness/index.js';
import { createServer, openBackgroundTasks, serveConnection } from '../src/mcp/index.js';
import type { BackgroundTasks } from '../src/mcp/tasks/background-tasks.js';
import { median, percentile } from './bench-stats.js';

const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';
const WARM_UP_CALLS = 30;

interface Part {
  name: string;
  /** ms of each of `n` timed operations. */
  time(n: number): Promise<number[]>;
  ms: number[];
}

async function timed(n: number, operation: () => unknown): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await operation();
    ms.push(performance.now() - started);
  }
  return ms;
}

/**
 * ms of the first get_scoreboard each of `n` new servers answers, each on a connection of its
 * own; what the SDK works out once per server (and keeps on it) is in this time. These clients
 * do not list the tools: a client compiles the validators of every output schema on its first
 * call after listTools, once per connection, which would be counted here and is not the server's.
 */
async function firstCalls(harness: Harness, tasks: BackgroundTasks, batchId: string, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    serveConnection(harness, tasks, serverSide);
    const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(clientSide);
    ms.push(...(await timed(1, () => client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId } }))));
    await client.close();
  }
  return ms;
}

/**
 * The Markdown of the measure, over a copy of `seed` (a runs root holding the settled batch
 * `batchId`); each part takes `rounds` turns of calls / rounds operations, in a changing order.
 */
export async function perRequestCost(seed: string, batchId: string, calls: number, rounds: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-per-request-'));
  const clients: Client[] = [];
  let harness: Harness | undefined;
  let tasks: BackgroundTasks | undefined;
  let handler: ReturnType<typeof createMcpHandler> | undefined;
  try {
    await cp(seed, join(dir, 'runs'), { recursive: true });
    harness = await Harness.open({ runsDir: join(dir, 'runs') });
    const open = harness;
    tasks = await openBackgroundTasks(open);
    const openTasks = tasks;
    const scoreboard = (client: Client) => () => client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId } });
    const parts: Part[] = [];
    for (const revision of [LEGACY, MODERN]) {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      serveConnection(open, openTasks, serverSide);
      const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: revision === MODERN ? { pin: MODERN } : 'legacy' } });
      await client.connect(clientSide);
      clients.push(client);
      parts.push({ name: `one server for the connection (in memory), ${revision}`, time: (n) => timed(n, scoreboard(client)), ms: [] });
    }
    // The handler as src/mcp/http/http-server.ts makes it; the client's fetch hands it each request.
    const perRequest = createMcpHandler(() => createServer(open, openTasks, { era: 'modern', connection: 'per-request' }), { legacy: 'reject' });
    handler = perRequest;
    const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: (url, init) => perRequest.fetch(new Request(url, init)) }));
    clients.push(client);
    parts.push({ name: `a server for each request (createMcpHandler, no HTTP), ${MODERN}`, time: (n) => timed(n, scoreboard(client)), ms: [] });
    parts.push({ name: 'making that server alone (createServer: 16 tools, resources, prompts)', time: (n) => timed(n, () => createServer(open, openTasks, { era: 'modern', connection: 'per-request' })), ms: [] });
    parts.push({ name: `the first call a new connection's server answers (in memory, the client checks no output schema), ${MODERN}`, time: (n) => firstCalls(open, openTasks, batchId, n), ms: [] });

    for (const c of clients) await c.listTools();
    for (const part of parts) await part.time(WARM_UP_CALLS);
    const perRound = Math.ceil(calls / rounds);
    for (let round = 0; round < rounds; round++) {
      const order = parts.map((_, i) => parts[(i + round) % parts.length]!);
      if (round % 2 === 1) order.reverse();
      for (const part of order) part.ms.push(...(await part.time(perRound)));
    }
    const rows = parts.map((p) => `| ${p.name} | ${p.ms.length} | ${median(p.ms).toFixed(2)} | ${percentile(p.ms, 99).toFixed(2)} |`);
    return `### Where a 2026-07-28 HTTP round trip goes: one process, no HTTP

The same client and \`get_scoreboard\` calls in the bench's own process, over a copy of the same runs root, ${rounds} turns in a changing order.

| what | times | p50 ms | p99 ms |
|---|---|---|---|
${rows.join('\n')}
`;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await handler?.close();
    tasks?.close();
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
