// MCP round trips (`get_scoreboard` summary of a settled 100-step batch) for every revision and
// transport this server speaks, beside the server as it was on the SDK's v1 line (issue 17),
// driven by one client library, all in one run. Every row has its own server process and its own
// copy of one runs root, so each answers about byte-identical files; the rows take turns in
// rounds, each round in another order, so that the drift of a shared machine falls on all alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { builtServer } from './bench-baseline.js';
import { perRequestCost } from './bench-mcp-per-request.js';
import { median, percentile } from './bench-stats.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';
// Calls each row makes before any is counted: the server's first reads, the JIT, the client's validators.
const WARM_UP_CALLS = 30;

export interface McpBenchOptions {
  /** Counted round trips per row. */
  calls: number;
  /** How many turns the rows take; each turn is calls / rounds round trips per row. */
  rounds: number;
  /** The commit whose server (SDK v1) is measured beside today's; undefined measures today's alone. */
  baseline: string | undefined;
}

type Revision = typeof LEGACY | typeof MODERN;

interface RowSpec {
  server: 'v1' | 'v2';
  transport: 'stdio' | 'http';
  revision: Revision;
  /** Clients polling at once, each one call after another. */
  clients: number;
}

interface Row extends RowSpec {
  /** Round trips of `calls` in all, spread over the row's clients; ms of each. */
  run(calls: number): Promise<number[]>;
  stop(): Promise<void>;
  ms: number[];
  roundP50s: number[];
  /** Calls sent again after the server had closed the idle keep-alive connection they went out on. */
  resent: number;
}

function scoreboard(client: Client, batchId: string) {
  return client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId } });
}

/**
 * Node's HTTP server closes a keep-alive connection idle for 5 s; a client whose own timer for it
 * ran late (a loaded machine, rows idle while the others take their turn) may send on it as it
 * closes, and fetch fails before the server read anything.
 */
function isKeepAliveRace(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return error instanceof TypeError && cause?.code === 'UND_ERR_SOCKET';
}

/** An SDK (v2) client that speaks `revision`: 2025-11-25 opens with `initialize`, 2026-07-28 is pinned. */
function newClient(revision: Revision): Client {
  return new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: revision === MODERN ? { pin: MODERN } : 'legacy' } });
}

/** The bytes a model reads of an answer: its structuredContent as JSON. */
function answerBytes(result: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(result.structuredContent ?? null));
}

/**
 * A runs root holding a settled 100-step batch and a settled one-step batch, made by today's
 * server over stdio; and the size of each tool's answer on them.
 */
async function seedRunsRoot(dir: string): Promise<{ runs: string; batchId: string; bytes: [string, number][] }> {
  const runs = join(dir, 'seed', 'runs');
  // A working directory may not hold the runs root.
  const work = join(dir, 'work');
  await mkdir(work);
  const client = newClient(LEGACY);
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', runs] }));
  await client.listTools(); // as a real client does: every answer is checked against its output schema
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args }, { timeout: 200_000 });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result;
  };
  const goal = Array(150).fill('word').join(' ');
  const steps = Array.from({ length: 100 }, (_, i) => ({ step_id: `s${i}`, command: ['true'] }));
  const submitted = await call('submit_batch', { batch_goal_summary: goal, defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: work, steps }] });
  const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
  const waited = await call('wait_for_batch', { batch_id: batchId, timeout_seconds: 120 });
  const one = await call('submit_batch', { batch_goal_summary: goal, defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: work, steps: [{ step_id: 'a', command: ['true'] }] }] });
  const oneId = (one.structuredContent as { batch_id: string }).batch_id;
  const bytes: [string, number][] = [
    ['`submit_batch`, one step', answerBytes(one)],
    ['`wait_for_batch`, settled one-step batch (budget ≤ 600)', answerBytes(await call('wait_for_batch', { batch_id: oneId, timeout_seconds: 60 }))],
    ['`wait_for_batch` `detail: "full"`, settled one-step batch', answerBytes(await call('wait_for_batch', { batch_id: oneId, detail: 'full' }))],
    ['`submit_batch`, 100 steps', answerBytes(submitted)],
    ['`wait_for_batch`, settled 100-step batch', answerBytes(waited)],
    ['`get_scoreboard`, 100-step batch', answerBytes(await call('get_scoreboard', { batch_id: batchId }))],
    ['`get_scoreboard` `detail: "full"`, 100-step batch (first page of steps)', answerBytes(await call('get_scoreboard', { batch_id: batchId, detail: 'full' }))],
    ['`list_batches`, two batches', answerBytes(await call('list_batches', {}))],
    ['`get_scoreboard` (system), two batches', answerBytes(await call('get_scoreboard', {}))],
  ];
  await client.close(); // the rows' servers take copies of the root over
  return { runs, batchId, bytes };
}

/** Starts `harness-mcp --http` on an ephemeral port and resolves with its URL once it says it serves. */
async function startHttp(serverCli: string, runs: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [serverCli, '--http', '--port', '0', '--runs-dir', runs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /serving MCP at (\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${serverCli} --http exited ${code} before serving: ${text}`)));
  });
  return { url, child };
}

/** Connects a row's clients to its own server (over a copy of `seed`) and warms them up. */
async function startRow(spec: RowSpec, serverCli: string, seed: string, dir: string, batchId: string): Promise<Row> {
  const runs = join(dir, 'runs');
  await cp(seed, runs, { recursive: true });
  let child: ChildProcess | undefined;
  const clients: Client[] = [];
  const stop = async () => {
    for (const client of clients) await client.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  // tools/call results are never served from the client's response cache (only lists and
  // resources/read are), so each call is a round trip to the server.
  const oneClient = async (client: Client, calls: number) => {
    const ms: number[] = [];
    for (let i = 0; i < calls; i++) {
      let started = performance.now();
      const result = await scoreboard(client, batchId).catch((error: unknown) => {
        if (!isKeepAliveRace(error)) throw error;
        // The call never reached the server: time the one sent again.
        row.resent++;
        started = performance.now();
        return scoreboard(client, batchId);
      });
      ms.push(performance.now() - started);
      if (result.isError) throw new Error(`get_scoreboard failed: ${JSON.stringify(result.content)}`);
    }
    return ms;
  };
  const row: Row = {
    ...spec,
    ms: [],
    roundP50s: [],
    resent: 0,
    run: async (calls) => (await Promise.all(clients.map((c) => oneClient(c, Math.ceil(calls / clients.length))))).flat(),
    stop,
  };
  try {
    if (spec.transport === 'stdio') {
      const client = newClient(spec.revision);
      clients.push(client);
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [serverCli, '--runs-dir', runs] }));
    } else {
      const http = await startHttp(serverCli, runs);
      child = http.child;
      for (let i = 0; i < spec.clients; i++) {
        const client = newClient(spec.revision);
        clients.push(client);
        await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      }
    }
    for (const client of clients) {
      // As a real client does: every answer is checked against the tool's output schema.
      await client.listTools();
      const version = client.getNegotiatedProtocolVersion();
      if (version !== spec.revision) throw new Error(`a ${spec.revision} client of ${label(spec)} negotiated ${version}`);
    }
    await row.run(WARM_UP_CALLS);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return row;
}

function label(row: RowSpec): string {
  const transport = row.transport === 'stdio' ? 'stdio' : row.clients === 1 ? 'Streamable HTTP, one client' : `Streamable HTTP, ${row.clients} clients polling at once`;
  return `${transport} | ${row.server === 'v1' ? 'v1 (SDK 1.32)' : 'v2 (SDK 2.4)'} | ${row.revision}`;
}

/** The rows: every revision of today's server and the baseline's one, over each transport. */
function rowSpecs(withBaseline: boolean): RowSpec[] {
  const specs: RowSpec[] = [];
  for (const [transport, clients] of [['stdio', 1], ['http', 1], ['http', 8]] as const) {
    if (withBaseline) specs.push({ server: 'v1', transport, revision: LEGACY, clients });
    specs.push({ server: 'v2', transport, revision: LEGACY, clients }, { server: 'v2', transport, revision: MODERN, clients });
  }
  return specs;
}

/** Runs the MCP section and returns its Markdown. */
export async function mcpBench(options: McpBenchOptions): Promise<string> {
  const baseline = options.baseline === undefined ? undefined : await builtServer(options.baseline);
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-rtt-'));
  const rows: Row[] = [];
  try {
    const seed = await seedRunsRoot(dir);
    const specs = rowSpecs(baseline !== undefined);
    for (const [i, spec] of specs.entries()) {
      rows.push(await startRow(spec, spec.server === 'v1' ? baseline!.cli : cli, seed.runs, join(dir, `row-${i}`), seed.batchId));
    }
    const measured = [...rows];
    const perRound = Math.ceil(options.calls / options.rounds);
    const started = new Date();
    const loadBefore = loadavg()[0]!;
    for (let round = 0; round < options.rounds; round++) {
      // Each round starts one row later, and every other round goes backwards.
      const order = rows.map((_, i) => rows[(i + round) % rows.length]!);
      if (round % 2 === 1) order.reverse();
      for (const row of order) {
        const ms = await row.run(perRound);
        row.ms.push(...ms);
        row.roundP50s.push(median(ms));
      }
      process.stdout.write(`mcp round ${round + 1}/${options.rounds}: ${rows.map((r) => median(r.roundP50s.slice(-1)).toFixed(2)).join(' ')} ms\n`);
    }
    const loadAfter = loadavg()[0]!;
    const resent = rows.reduce((n, r) => n + r.resent, 0);
    // The rows' servers are stopped first, so that they take nothing from the measure in this process.
    for (const row of rows.splice(0)) await row.stop();
    const perRequest = await perRequestCost(seed.runs, seed.batchId, options.calls, options.rounds);
    return report(measured, seed.bytes, options, baseline?.sha, started, [loadBefore, loadAfter], perRequest, resent);
  } finally {
    for (const row of rows) await row.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function report(rows: Row[], bytes: [string, number][], options: McpBenchOptions, baselineSha: string | undefined, started: Date, load: [number, number], perRequest: string, resent: number): string {
  const fmt = (x: number) => x.toFixed(2);
  const table = rows
    .map((r) => `| ${label(r)} | ${r.ms.length} | ${fmt(median(r.ms))} | ${fmt(percentile(r.ms, 99))} | ${fmt(Math.min(...r.roundP50s))}–${fmt(Math.max(...r.roundP50s))} |`)
    .join('\n');
  const ratios = rows
    .filter((r) => r.server === 'v2' && baselineSha !== undefined)
    .map((r) => {
      const v1 = rows.find((b) => b.server === 'v1' && b.transport === r.transport && b.clients === r.clients)!;
      return `| ${label(r)} | ${(median(r.ms) / median(v1.ms)).toFixed(2)}× | ${(percentile(r.ms, 99) / percentile(v1.ms, 99)).toFixed(2)}× |`;
    })
    .join('\n');
  const command = `npm run bench -- --only mcp --rtt-calls ${options.calls} --rtt-rounds ${options.rounds}${baselineSha === undefined ? ' --mcp-baseline none' : ` --mcp-baseline ${options.baseline}`}`;
  return `## MCP round trip: \`get_scoreboard\` (summary) of a settled 100-step batch

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load[0].toFixed(1)} before, ${load[1].toFixed(1)} after.
Command: \`${command}\`.
${baselineSha === undefined ? '' : `v1 is the server at ${baselineSha.slice(0, 7)} (the commit before the move to SDK v2, @modelcontextprotocol/sdk 1.32), built once into the OS temp dir and reused; it speaks 2025-11-25 only. `}Every row is driven by @modelcontextprotocol/client 2.4, which has called \`listTools()\` first (so it checks each answer against the output schema) and made ${WARM_UP_CALLS} uncounted calls; each row has its own server process over its own copy of one runs root. The rows take ${options.rounds} turns of ${Math.ceil(options.calls / options.rounds)} calls, each turn in another order.${resent === 0 ? '' : ` ${resent} calls were sent again, and timed from then, after the server had closed the idle keep-alive connection they went out on.`}

| transport | server | revision | calls | p50 ms | p99 ms | p50 of each turn, ms |
|---|---|---|---|---|---|---|
${table}
${
  ratios === ''
    ? ''
    : `
v2 against v1 over the same transport (below 1× is faster):

| transport | server | revision | p50 v2/v1 | p99 v2/v1 |
|---|---|---|---|---|
${ratios}
`
}
${perRequest}
Answer sizes: bytes of \`structuredContent\` as JSON, what a client such as Claude Code hands the model.

| answer | bytes |
|---|---|
${bytes.map(([name, n]) => `| ${name} | ${n} |`).join('\n')}
`;
}
