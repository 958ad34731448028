import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { agent, eventually, HarnessServer, oneJob, tempDir, treeSnapshot } from './servers/harness-server.js';
import { REVISIONS, toolError, type HarnessClient } from './servers/harness-client.js';
import { startHttpHarness } from './servers/http-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// Issue 12: an error result must reach a client built on the official SDK whole. That Client,
// once listTools() has run, validates structuredContent against the tool's output schema even
// when isError is set, and throws the server's message away when it does not match.

/** One failing call: the code the server answers (null: the SDK refuses the arguments itself) and its message. */
type ErrorCase = [tool: string, args: () => Record<string, unknown>, code: string | null, message: RegExp];

const ajv = new Ajv({ strict: false });

/**
 * Calls a tool as a real client does and proves the server's refusal reached it: callTool did
 * not throw, the text starts with `code: message`, `_meta["harness-mcp/error"]` says the same,
 * and no structuredContent breaks the tool's published output schema.
 */
async function expectReadableError(client: Client, tools: Tool[], [tool, args, code, message]: ErrorCase) {
  let result: CallToolResult;
  try {
    result = (await client.callTool({ name: tool, arguments: args() })) as CallToolResult;
  } catch (error) {
    throw new Error(`callTool ${tool} threw instead of answering the error: ${(error as Error).message}`);
  }
  expect(result.isError, JSON.stringify(result)).toBe(true);
  const outputSchema = tools.find((t) => t.name === tool)?.outputSchema;
  if (result.structuredContent !== undefined && outputSchema) {
    const validate = ajv.compile(outputSchema);
    expect(validate(result.structuredContent), ajv.errorsText(validate.errors)).toBe(true);
  }
  const { text, error } = toolError(result);
  expect(text).toMatch(message);
  if (code === null) return { text, error };
  const [firstLine] = text.split('\n');
  expect(firstLine).toMatch(new RegExp(`^${code}: \\S`));
  expect(error).toMatchObject({ code, message: text.slice(`${code}: `.length) });
  return { text, error };
}

const RUN_NOPE = 'ffffffffffffffff';
const BATCH = 'known';
const CONFIG = { limits: { max_tail_events: 100, max_artifact_bytes: 4096 } };
const cleanups: (() => Promise<unknown>)[] = [];
let server: InProcessServer;
let tools: Tool[];
let runId: string;
let dir: string;

/** The store every case expects: batch `known`, submitted with idempotency_key `key-1`, settled. Returns its run id. */
async function seed(harness: HarnessClient): Promise<string> {
  await harness.submit(oneJob(dir, [{ step_id: 's', command: ['true'] }], { batch_id: BATCH, idempotency_key: 'key-1' }));
  return (await harness.settled(BATCH)).steps[0].run_id;
}

// The breadth runs in process (the MCP layer is the point); the built server over stdio and
// over HTTP answers a few of the same cases below, for the transport.
beforeAll(async () => {
  server = await InProcessServer.start({ shared: cleanups, config: CONFIG });
  tools = (await server.client.listTools()).tools;
  dir = await tempDir(cleanups);
  runId = await seed(server);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const badTable = () => ({ batch_goal_summary: 'too short', jobs: [{ job_id: 'j', working_directory: 'relative/dir', steps: [{ step_id: 's', command: ['true'], depends_on: ['nope'] }] }] });

const cases: ErrorCase[] = [
  ['submit_batch', badTable, 'launch_table_invalid', /The launch table has \d+ problems; nothing was written/],
  ['submit_batch', () => oneJob(dir, [{ step_id: 's', command: ['true'] }], { batch_id: BATCH }), 'launch_table_invalid', /- batch_id: `known` is already in the store/],
  ['submit_batch', () => oneJob(dir, [{ step_id: 'other', command: ['true'] }], { idempotency_key: 'key-1' }), 'idempotency_conflict', /idempotency_key `key-1` was used for batch known with a different launch table/],
  ['get_scoreboard', () => ({ batch_id: 'nope' }), 'not_found', /No batch `nope`; list_batches shows/],
  ['get_scoreboard', () => ({ batch_id: BATCH, detail: 'full', cursor: 'x' }), 'invalid_argument', /cursor: `x` is not a cursor/],
  ['get_scoreboard', () => ({ batch_id: '../x' }), null, /batch_id/],
  ['wait_for_batch', () => ({ batch_id: 'nope', timeout_seconds: 1 }), 'not_found', /No batch `nope`/],
  ['wait_for_batch', () => ({ batch_id: BATCH, timeout_seconds: -1 }), null, /timeout_seconds/],
  ['fetch_artifact', () => ({ run_id: RUN_NOPE, name: 'state' }), 'not_found', /No run `ffffffffffffffff`/],
  ['fetch_artifact', () => ({ batch_id: BATCH, job_id: 'x', step_id: 's', name: 'state' }), 'not_found', /No job `x`/],
  ['fetch_artifact', () => ({ run_id: runId, batch_id: BATCH, name: 'state' }), 'invalid_argument', /run_id: give run_id alone/],
  ['fetch_artifact', () => ({ batch_id: BATCH, name: 'state' }), 'invalid_argument', /run_id: give run_id, or all of batch_id, job_id and step_id/],
  ['fetch_artifact', () => ({ run_id: runId, name: 'state', offset: 10_000_000 }), 'invalid_argument', /offset: 10000000 is past the end of state/],
  ['fetch_artifact', () => ({ run_id: runId, name: 'state', max_bytes: 5000 }), 'invalid_argument', /max_bytes: 5000 is over the limit of 4096/],
  ['fetch_artifact', () => ({ run_id: runId, name: 'passwd' }), null, /name/],
  ['get_changes', () => ({ run_id: RUN_NOPE }), 'not_found', /No run `ffffffffffffffff`/],
  ['get_changes', () => ({ batch_id: BATCH, job_id: 'x' }), 'not_found', /No job `x`; the jobs of batch known are j/],
  ['get_changes', () => ({ batch_id: BATCH, job_id: 'j' }), 'no_job_branch', /job j has no branch of its own/],
  ['get_changes', () => ({ run_id: runId, include_patch: true, max_patch_bytes: 5000 }), 'invalid_argument', /max_patch_bytes: 5000 is over the limit of 4096/],
  ['get_changes', () => ({ run_id: runId, paths: [7] }), null, /paths/],
  ['tail_events', () => ({ run_id: RUN_NOPE }), 'not_found', /No run `ffffffffffffffff`/],
  ['tail_events', () => ({ run_id: runId, lines: 101 }), 'invalid_argument', /lines: 101 is over the limit of 100/],
  ['tail_events', () => ({ run_id: runId, cursor: '-5' }), 'invalid_argument', /cursor: `-5` is not a cursor/],
  ['tail_events', () => ({ run_id: '../x' }), null, /run_id/],
  ['cancel_run', () => ({ run_id: RUN_NOPE }), 'not_found', /No run `ffffffffffffffff`/],
  ['cancel_run', () => ({ batch_id: 'nope' }), 'not_found', /No batch `nope`/],
  ['cancel_run', () => ({}), 'invalid_argument', /batch_id: cancel needs run_id, or batch_id/],
  ['cancel_run', () => ({ batch_id: BATCH, step_id: 's' }), 'invalid_argument', /job_id: step_id needs job_id/],
  ['cancel_run', () => ({ run_id: '../state' }), null, /run_id/],
  ['retry_step', () => ({ batch_id: 'nope', job_id: 'j', step_id: 's' }), 'not_found', /No batch `nope`/],
  ['retry_step', () => ({ batch_id: BATCH, job_id: 'nope', step_id: 's' }), 'not_found', /No job `nope`/],
  ['retry_step', () => ({ batch_id: BATCH, job_id: 'j', step_id: 'nope' }), 'not_found', /No step `nope`/],
  ['retry_step', () => ({ batch_id: BATCH, job_id: 'j' }), null, /step_id/],
  ['set_drain', () => ({ drain: 'yes' }), null, /drain/],
  ['gc', () => ({ dry_run: 'no' }), null, /dry_run/],
];

describe('tool errors, as the official SDK Client sees them after listTools()', () => {
  // Titles are written before beforeAll has run, so they show no run id.
  const titled = cases.map((c) => [`${c[0]} ${JSON.stringify(c[1]())} → ${c[2] ?? 'refused by the SDK'}`, c] as const);
  it.each(titled)('%s: the client reads the server’s message, and nothing is written', async (_title, errorCase) => {
    const before = await treeSnapshot(server.runsDir);
    await expectReadableError(server.client, tools, errorCase);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });

  it('lists every problem of a refused table one per line with its path, and as data in _meta', async () => {
    const { text, error } = await expectReadableError(server.client, tools, cases[0]!);
    expect(error!.problems!.length).toBeGreaterThanOrEqual(3);
    expect(error!.problems!.map((p) => p.path)).toEqual(expect.arrayContaining(['batch_goal_summary', 'jobs[0].working_directory', 'jobs[0].steps[0].depends_on[0]']));
    const lines = text.split('\n');
    for (const problem of error!.problems!) expect(lines).toContain(`- ${problem.path}: ${problem.message}`);
  });

  it('refuses a step that is running, and an artifact not written yet, readably', async () => {
    const busyDir = await tempDir();
    const batchId = await server.submit(oneJob(busyDir, [{ step_id: 'a', command: [agent('hang.sh')] }]));
    const board = await eventually(async () => {
      const b = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
      return b.counts.running === 1 ? b : undefined;
    }, 'a to run');
    await expectReadableError(server.client, tools, ['retry_step', () => ({ batch_id: batchId, job_id: 'j', step_id: 'a' }), 'illegal_state', /running; cancel it first/]);
    await expectReadableError(server.client, tools, ['fetch_artifact', () => ({ run_id: board.steps[0].run_id, name: 'final' }), 'not_found', /No artifact `final of run/]);
    await server.ok('cancel_run', { batch_id: batchId });
  });
});

describe.each(REVISIONS)('tool errors over stdio, from the built server (%s)', (revision) => {
  const own: (() => Promise<unknown>)[] = [];
  let stdio: HarnessServer;
  let stdioTools: Tool[];
  beforeAll(async () => {
    stdio = await HarnessServer.start({ shared: own, config: CONFIG, revision });
    stdioTools = (await stdio.client.listTools()).tools;
    await seed(stdio);
  });
  afterAll(async () => {
    for (const cleanup of own.reverse()) await cleanup();
  });

  it('reach the SDK Client whole, one case of each code, and nothing is written', async () => {
    // None that names a run: this server's store has run ids of its own.
    const oneOfEachCode = cases.filter(([, args, code], i) => cases.findIndex((c) => c[2] === code) === i && !JSON.stringify(args()).includes(runId));
    expect(oneOfEachCode.map((c) => c[2])).toEqual(['launch_table_invalid', 'idempotency_conflict', 'not_found', 'invalid_argument', null, 'no_job_branch']);
    const before = await treeSnapshot(stdio.runsDir);
    for (const errorCase of oneOfEachCode) await expectReadableError(stdio.client, stdioTools, errorCase);
    expect(await treeSnapshot(stdio.runsDir)).toEqual(before);
  });

  it('answers runs_locked readably from a second server on the same runs root', async () => {
    const second = await HarnessServer.start({ runsDir: stdio.runsDir, revision });
    const secondTools = (await second.client.listTools()).tools;
    const before = await treeSnapshot(stdio.runsDir);
    const locked = /is run by another harness-mcp \(pid \d+\); this server is read-only/;
    for (const errorCase of [
      ['submit_batch', () => oneJob(dir, [{ step_id: 's', command: ['true'] }]), 'runs_locked', locked],
      ['cancel_run', () => ({ batch_id: BATCH }), 'runs_locked', locked],
      ['retry_step', () => ({ batch_id: BATCH, job_id: 'j', step_id: 's' }), 'runs_locked', locked],
      ['gc', () => ({ dry_run: false }), 'runs_locked', locked],
    ] satisfies ErrorCase[]) {
      await expectReadableError(second.client, secondTools, errorCase);
    }
    expect(await treeSnapshot(stdio.runsDir)).toEqual(before);
  });
});

describe.each(REVISIONS)('tool errors over Streamable HTTP (%s)', (revision) => {
  it('reach the SDK Client whole', async () => {
    const http = await startHttpHarness();
    const client = await http.connect(undefined, revision);
    const httpTools = (await client.listTools()).tools;
    // The cases that need nothing in the store (the HTTP server's is empty) and no limit of the test config.
    const storeFree = cases.filter(([, args, code]) => {
      const json = JSON.stringify(args());
      return !json.includes(BATCH) && !json.includes(runId) && code !== 'idempotency_conflict';
    });
    expect(storeFree.length).toBeGreaterThan(10);
    for (const errorCase of storeFree) await expectReadableError(client, httpTools, errorCase);
  });
});
