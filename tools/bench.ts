// `npm run bench`: side by side in one run, and written to BENCHMARKS.md:
// - throughput of no-op command steps through harness-mcp (MCP over stdio, every file of docs/spec.md §4
//   written) against a bare loop spawning the same commands with execa under p-queue;
// - one codex attempt through harness-mcp against bare `codex exec`, both against the same
//   scripted model server;
// - MCP round trips for each revision and transport, beside the last SDK v1 server (bench-mcp.ts);
// - provider limits: one-turn codex steps in more slots than a scripted provider serves at once (bench-limits.ts);
// - the dashboard: bundle size, first paint of 10,000 steps, throughput with 50 dashboards open (bench-dashboard.ts);
// - the distributed mode: no-op steps through 1, 2 and 3 workers over Redis against the embedded mode, and dispatch latency (bench-distributed.ts).
// `--only mcp` (or any list of sections) measures just those and replaces only their sections.
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import PQueue from 'p-queue';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { existsSync } from 'node:fs';
import { byMarker, codexConfigToml, startResponsesServer } from './model-servers/responses-server.js';
import { synthesizeStore } from './synthesize-store.js';
import { snapshotBench } from './bench-snapshot.js';
import { limitsBench } from './bench-limits.js';
import { mcpBench } from './bench-mcp.js';
import { dashboardBench } from './bench-dashboard.js';
import { distributedBench } from './bench-distributed.js';
import { median, percentile } from './bench-stats.js';
import { spliceSections } from './bench-report.js';

const ALL_SECTIONS = ['throughput', 'codex', 'mcp', 'scale', 'memory', 'snapshot', 'limits', 'dashboard', 'distributed'];

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '2000' },
    slots: { type: 'string', default: '8' },
    reps: { type: 'string', default: '3' },
    'codex-reps': { type: 'string', default: '7' },
    'rtt-calls': { type: 'string', default: '300' },
    'rtt-rounds': { type: 'string', default: '10' },
    // The server the MCP section measures today's beside: the last commit on SDK v1 (issue 17); `none` skips it.
    'mcp-baseline': { type: 'string', default: '16dbfbe' },
    only: { type: 'string', default: ALL_SECTIONS.join(',') },
    'recovery-attempts': { type: 'string', default: '100000' },
    'snapshot-reps': { type: 'string', default: '15' },
    'limits-reps': { type: 'string', default: '3' },
    'dashboard-reps': { type: 'string', default: '5' },
    'distributed-reps': { type: 'string', default: '3' },
    'distributed-steps': { type: 'string', default: '1000' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const STEPS = Number(values.steps);
const SLOTS = Number(values.slots);
const REPS = Number(values.reps);
const STEPS_PER_JOB = 200;
const CODEX_REPS = Number(values['codex-reps']);
const RTT_CALLS = Number(values['rtt-calls']);
const ONLY = new Set(values.only.split(','));
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const codex = fileURLToPath(new URL('../node_modules/.bin/codex', import.meta.url));

/** Steps per second of a bare execa + p-queue loop: what the machine does with no harness at all. */
async function bareLoop(): Promise<number> {
  const queue = new PQueue({ concurrency: SLOTS });
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) void queue.add(() => execa('true', [], { reject: false }));
  await queue.onIdle();
  return STEPS / ((performance.now() - started) / 1000);
}

/** Steps per second of GNU parallel running the same commands with --joblog; null when it is not installed. */
async function gnuParallel(): Promise<number | null> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-parallel-'));
  try {
    const started = performance.now();
    const input = Array.from({ length: STEPS }, (_, i) => String(i)).join('\n');
    const result = await execa('parallel', ['-j', String(SLOTS), '--joblog', join(dir, 'joblog'), 'true'], { input, reject: false });
    if (result.failed && (result as { code?: string }).code === 'ENOENT') return null;
    if (result.exitCode !== 0) throw new Error(`GNU parallel failed: ${result.stderr}`);
    return STEPS / ((performance.now() - started) / 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Steps per second through the whole server: submit over stdio, wait until settled. With
 * BENCH_PROFILE set, the server writes a V8 CPU profile to /tmp/prof for `node --cpu-prof` readers.
 */
async function harness(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-'));
  try {
    const jobs = Math.ceil(STEPS / STEPS_PER_JOB);
    // A working directory may not hold the runs root.
    const work = join(dir, 'work');
    await mkdir(work);
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ limits: { max_jobs_per_batch: jobs, max_steps_per_job: STEPS_PER_JOB, min_goal_summary_words: 1 } }));
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), cli, '--runs-dir', join(dir, 'runs'), '--config', config, '--max-concurrency', String(SLOTS)] }));
    const table = {
      batch_goal_summary: 'throughput benchmark of no-op steps',
      defaults: { agent: 'command' },
      jobs: Array.from({ length: jobs }, (_, j) => ({
        job_id: `j${j}`,
        working_directory: work,
        steps: Array.from({ length: Math.min(STEPS_PER_JOB, STEPS - j * STEPS_PER_JOB) }, (_, s) => ({ step_id: `s${s}`, command: ['true'] })),
      })),
    };
    const started = performance.now();
    const submitted = await client.callTool({ name: 'submit_batch', arguments: table });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    for (;;) {
      const board = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 600, detail: 'summary' } }, { timeout: 700_000 });
      const { timed_out, counts } = board.structuredContent as { timed_out: boolean; counts: { succeeded: number } };
      if (!timed_out) {
        if (counts.succeeded !== STEPS) throw new Error(`only ${counts.succeeded} of ${STEPS} steps succeeded`);
        break;
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    await client.close();
    return STEPS / elapsed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A harness server with codex pointed at the scripted model; `attempt()` times one codex step, submit to settled. */
async function startCodexHarness(configToml: string, workdir: string) {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-codex-'));
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ agents: { codex: { command: codex, config_toml: configToml } }, limits: { min_goal_summary_words: 1 } }));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', join(dir, 'runs'), '--config', config] }));
  return {
    async attempt(): Promise<number> {
      const started = performance.now();
      const submitted = await client.callTool({
        name: 'submit_batch',
        arguments: { batch_goal_summary: 'codex overhead', defaults: { agent: 'codex' }, jobs: [{ job_id: 'j', working_directory: workdir, steps: [{ step_id: 's', prompt: 'BENCH' }] }] },
      });
      const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
      const board = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, detail: 'summary' } });
      if ((board.structuredContent as { counts: { succeeded: number } }).counts.succeeded !== 1) throw new Error('the codex step did not succeed');
      return (performance.now() - started) / 1000;
    },
    async close(): Promise<void> {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Seconds for one bare `codex exec` with the same config, in a fresh CODEX_HOME. */
async function codexBare(configToml: string, workdir: string): Promise<number> {
  const home = await mkdtemp(join(tmpdir(), 'bench-codex-home-'));
  try {
    await writeFile(join(home, 'config.toml'), await readFile(configToml));
    const started = performance.now();
    const result = await execa(codex, ['exec', '--json', '--skip-git-repo-check', '-C', workdir, '--', 'BENCH'], { env: { CODEX_HOME: home }, stdin: 'ignore', reject: false });
    if (result.exitCode !== 0) throw new Error(`bare codex exec failed: ${result.stderr}`);
    return (performance.now() - started) / 1000;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** A stdio client of a server started on `runs`, and how long it took to answer its first call. */
async function startOn(runs: string): Promise<{ client: Client; startMs: number }> {
  const started = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', runs] }));
  await client.callTool({ name: 'list_batches', arguments: {} });
  return { client, startMs: performance.now() - started };
}

async function latencies(client: Client, args: Record<string, unknown>, calls = 30): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await client.callTool({ name: 'get_scoreboard', arguments: args }, { timeout: 120_000 });
    ms.push(performance.now() - t);
  }
  return ms;
}

/** Peak resident memory of a process, from /proc (Linux), in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const GIB = 1024 ** 3;
const HISTORY_HEADING = '## Profiling and fixes';

/** Writes `bytes` of well-formed events to `path`, in large chunks. */
async function writeEvents(path: string, bytes: number): Promise<void> {
  const line = `${JSON.stringify({ ts: new Date().toISOString(), type: 'agent.item.completed', event: { type: 'item.completed', item: { type: 'command_execution', command: 'npm test -- --reporter dot', exit_code: 0 } } })}\n`;
  const chunk = Buffer.from(line.repeat(Math.floor((8 * 1024 * 1024) / line.length)));
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

/** Server peak RSS while a step writes 1 GiB to stdout, and tail_events of the last 50 events of a 1 GiB events.jsonl. */
async function memory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-memory-'));
  try {
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', join(dir, 'runs')] });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    const work = join(dir, 'work');
    await mkdir(work);
    const flood = { batch_goal_summary: 'memory benchmark '.repeat(80), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: work, steps: [{ step_id: 'warm', command: ['true'] }, { step_id: 'flood', command: ['sh', '-c', `head -c ${GIB} /dev/zero | tr '\\0' x`], depends_on: ['warm'] }] }] };
    const submitted = await client.callTool({ name: 'submit_batch', arguments: flood });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    // The baseline is taken once the server has run one step, so it counts only what the flood adds.
    let before = 0;
    for (;;) {
      const board = (await client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId, detail: 'full' } })).structuredContent as { steps: { step_id: string; status: string }[] };
      if (board.steps.find((x) => x.step_id === 'warm')!.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    before = await peakRssMiB(transport.pid!);
    const waited = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 600, detail: 'full' } }, { timeout: 700_000 });
    const after = await peakRssMiB(transport.pid!);
    const floodRun = (waited.structuredContent as { steps: { step_id: string; run_id: string; status: string }[] }).steps.find((x) => x.step_id === 'flood')!;
    if (floodRun.status !== 'succeeded') throw new Error(`the flood step ended ${floodRun.status}`);

    // The flood step's events.jsonl grows to 1 GiB; tail_events reads from its end.
    const stepDir = join(dir, 'runs', batchId, 'j', 'flood');
    const attempt = (await readdir(stepDir))[0]!;
    await writeEvents(join(stepDir, attempt, 'events.jsonl'), GIB);
    const ms: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      const tail = await client.callTool({ name: 'tail_events', arguments: { run_id: floodRun.run_id, lines: 50 } });
      ms.push(performance.now() - t);
      if ((tail.structuredContent as { events: unknown[] }).events.length !== 50) throw new Error('tail_events did not answer 50 events');
    }
    await client.close();
    return `## Memory and large files

| measure | value | goal |
|---|---|---|
| server peak RSS while a step writes 1 GiB to stdout | ${before.toFixed(0)} → ${after.toFixed(0)} MiB (**+${(after - before).toFixed(0)} MiB**) | growth ≤ 50 MiB |
| \`tail_events\` of the last 50 events of a 1 GiB events.jsonl, over stdio, 30 calls | p50 **${median(ms).toFixed(2)} ms**, p99 ${percentile(ms, 99).toFixed(2)} ms | ≤ 5 ms |
`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Scoreboard latency by batch size, the system scoreboard over 100 batches, and start-up over many attempts. */
async function scale(): Promise<string> {
  const rows: string[] = [];
  for (const steps of [100, 1000, 10000]) {
    const dir = await mkdtemp(join(tmpdir(), 'harness-bench-scale-'));
    // Jobs of 100 steps, as limits.max_steps_per_job allows.
    await synthesizeStore(join(dir, 'runs'), 1, steps / 100, 100, dir);
    const { client, startMs } = await startOn(join(dir, 'runs'));
    const summary = await latencies(client, { batch_id: 'scale-0000' });
    const full = await latencies(client, { batch_id: 'scale-0000', detail: 'full' });
    rows.push(`| ${steps} | ${median(summary).toFixed(1)} | ${percentile(summary, 99).toFixed(1)} | ${median(full).toFixed(1)} | ${startMs.toFixed(0)} |`);
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
  const sysDir = await mkdtemp(join(tmpdir(), 'harness-bench-system-'));
  await synthesizeStore(join(sysDir, 'runs'), 100, 1, 100, sysDir);
  const sys = await startOn(join(sysDir, 'runs'));
  const system = await latencies(sys.client, {});
  await sys.client.close();
  await rm(sysDir, { recursive: true, force: true });

  const recoveryAttempts = Number(values['recovery-attempts']);
  const recDir = await mkdtemp(join(tmpdir(), 'harness-bench-recovery-'));
  const batches = Math.max(1, Math.round(recoveryAttempts / 1000));
  const written = await synthesizeStore(join(recDir, 'runs'), batches, 10, 100, recDir);
  // The first start reads every attempt directory (and indexes each settled batch); the second
  // reads the indexes, as any restart of a store a server has run does.
  const unindexed = await startOn(join(recDir, 'runs'));
  const indexed = async () => (await readdir(join(recDir, 'runs'))).every((b) => b.startsWith('_') || existsSync(join(recDir, 'runs', b, 'attempts_index.json')));
  while (!(await indexed())) await new Promise((r) => setTimeout(r, 100));
  await unindexed.client.close();
  const recovery = await startOn(join(recDir, 'runs'));
  await recovery.client.close();
  await rm(recDir, { recursive: true, force: true });

  return `## Scale: \`get_scoreboard\` over stdio by batch size (every step finished), ms

| steps in the batch | summary p50 | summary p99 | full (first page of 200) p50 | server start with the batch loaded, ms |
|---|---|---|---|---|
${rows.join('\n')}

System scoreboard over 100 batches of 100 steps: p50 **${median(system).toFixed(1)} ms**, p99 ${percentile(system, 99).toFixed(1)} ms (goal ≤ 50 ms).
Start-up (read every batch back and recover) over ${written.toLocaleString('en')} attempts in ${batches} settled batches: **${(recovery.startMs / 1000).toFixed(1)} s** (goal ≤ 5 s)
from the attempts indexes a server writes when a batch settles; ${(unindexed.startMs / 1000).toFixed(1)} s when every attempt directory is read (no index yet, as after an upgrade).
`;
}

const sections: string[] = [];

const bare: number[] = [];
const harnessed: number[] = [];
const parallelRuns: number[] = [];
let parallelMissing = false;
for (let rep = 0; rep < (ONLY.has('throughput') ? REPS : 0); rep++) {
  // Alternate the order so that neither side always runs on a warmer machine.
  if (rep % 2 === 0) {
    bare.push(await bareLoop());
    harnessed.push(await harness());
  } else {
    harnessed.push(await harness());
    bare.push(await bareLoop());
  }
  const viaParallel = await gnuParallel();
  if (viaParallel === null) parallelMissing = true;
  else parallelRuns.push(viaParallel);
  process.stdout.write(`rep ${rep + 1}: bare ${bare.at(-1)!.toFixed(1)} steps/s, harness ${harnessed.at(-1)!.toFixed(1)} steps/s, GNU parallel ${viaParallel?.toFixed(1) ?? '(not installed)'}\n`);
}

const codexBareSeconds: number[] = [];
const codexHarnessSeconds: number[] = [];
const runCodex = ONLY.has('codex');
let codexVersion = '';
if (runCodex) {
  const model = await startResponsesServer(byMarker([{ when: 'BENCH', turns: [{ kind: 'message', text: '{"status":"success","summary":"ok"}' }] }]));
  const codexDir = await mkdtemp(join(tmpdir(), 'harness-bench-model-'));
  const configToml = join(codexDir, 'config.toml');
  await writeFile(configToml, codexConfigToml(model.baseUrl));
  // The harness side runs its attempts one after another in one server, as it would in use; a
  // first attempt, not counted, pays for the server's one-time `codex --version`.
  codexVersion = (await execa(codex, ['--version'])).stdout.trim();
  const codexHarness = await startCodexHarness(configToml, codexDir);
  await codexHarness.attempt();
  for (let rep = 0; rep < CODEX_REPS; rep++) {
    codexBareSeconds.push(await codexBare(configToml, codexDir));
    codexHarnessSeconds.push(await codexHarness.attempt());
    process.stdout.write(`codex rep ${rep + 1}: bare ${codexBareSeconds.at(-1)!.toFixed(2)} s, harness ${codexHarnessSeconds.at(-1)!.toFixed(2)} s\n`);
  }
  await codexHarness.close();
  await model.close();
  await rm(codexDir, { recursive: true, force: true });
}

const ratio = median(harnessed) / median(bare);
const codexRatio = median(codexHarnessSeconds) / median(codexBareSeconds);
if (ONLY.has('throughput')) {
  sections.push(`## Throughput: ${STEPS} no-op command steps (\`true\`) at ${SLOTS} slots

| runner | steps/s (median) | each repetition |
|---|---|---|
| bare loop: execa under p-queue, nothing written | ${median(bare).toFixed(1)} | ${bare.map((x) => x.toFixed(1)).join(', ')} |
| GNU parallel with --joblog | ${parallelMissing ? 'not installed (`apt-get install parallel`)' : `${median(parallelRuns).toFixed(1)} | ${parallelRuns.map((x) => x.toFixed(1)).join(', ')}`} |
| harness-mcp over stdio, every file of docs/spec.md §4 written | ${median(harnessed).toFixed(1)} | ${harnessed.map((x) => x.toFixed(1)).join(', ')} |

Ratio harness / bare: **${ratio.toFixed(2)}×** (goal ≥ 0.8×)${parallelMissing ? '' : `; harness / GNU parallel: **${(median(harnessed) / median(parallelRuns)).toFixed(2)}×**`}.
`);
}
if (runCodex) {
  sections.push(`## Agent overhead: one codex attempt (${codexVersion}, scripted model on 127.0.0.1)

| how | seconds (median) | each repetition |
|---|---|---|
| bare \`codex exec --json\` in a fresh CODEX_HOME | ${median(codexBareSeconds).toFixed(3)} | ${codexBareSeconds.map((x) => x.toFixed(3)).join(', ')} |
| through harness-mcp: submit_batch of one codex step → wait_for_batch settled, one server | ${median(codexHarnessSeconds).toFixed(3)} | ${codexHarnessSeconds.map((x) => x.toFixed(3)).join(', ')} |

Ratio harness / bare: **${codexRatio.toFixed(2)}×** (goal ≤ 1.1×). The harness side includes two MCP round trips, making the
attempt directory and CODEX_HOME, writing every file, and freezing the session store; the server's one-time
\`codex --version\` is paid by a first attempt that is not counted.
`);
}
if (ONLY.has('mcp')) {
  const baseline = values['mcp-baseline'] === 'none' ? undefined : values['mcp-baseline'];
  sections.push(await mcpBench({ calls: RTT_CALLS, rounds: Number(values['rtt-rounds']), baseline }));
}
if (ONLY.has('scale')) sections.push(await scale());
if (ONLY.has('memory')) sections.push(await memory());
if (ONLY.has('snapshot')) sections.push(await snapshotBench(Number(values['snapshot-reps'])));
if (ONLY.has('limits')) sections.push(await limitsBench(Number(values['limits-reps'])));
if (ONLY.has('dashboard')) sections.push(await dashboardBench(Number(values['dashboard-reps'])));
if (ONLY.has('distributed')) sections.push(await distributedBench(Number(values['distributed-reps']), Number(values['distributed-steps'])));

const header = `# Benchmarks

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.
Command: \`npm run bench -- --steps ${STEPS} --slots ${SLOTS} --reps ${REPS} --codex-reps ${CODEX_REPS} --rtt-calls ${RTT_CALLS} --rtt-rounds ${values['rtt-rounds']} --mcp-baseline ${values['mcp-baseline']} --recovery-attempts ${values['recovery-attempts']} --snapshot-reps ${values['snapshot-reps']} --limits-reps ${values['limits-reps']} --dashboard-reps ${values['dashboard-reps']} --distributed-reps ${values['distributed-reps']} --distributed-steps ${values['distributed-steps']} --only ${values.only}\`
(medians of the repetitions; sides measured alternately in one run).
`;
// The hand-written record of profiling and fixes (before/after) is kept across runs. A run of
// every section rewrites everything above it; a run of some (--only) replaces just those, so one
// section can be measured again without the others' half hour.
const previous = await readFile(values.out, 'utf8').catch(() => '');
const history = previous.includes(HISTORY_HEADING) ? previous.slice(previous.indexOf(HISTORY_HEADING)) : '';
const base = ALL_SECTIONS.every((s) => ONLY.has(s)) || previous === '' ? `${header}\n${history}` : previous;
await writeFile(values.out, spliceSections(base, sections, HISTORY_HEADING));
process.stdout.write(`\n${sections.join('\n')}`);
