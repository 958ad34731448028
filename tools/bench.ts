// `npm run bench`: throughput of no-op command steps through harness-mcp (MCP over stdio, every
// file of SPEC §4 written) against a bare loop spawning the same commands with execa under
// p-queue at the same concurrency, side by side in one run. Writes BENCHMARKS.md.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import PQueue from 'p-queue';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '2000' },
    slots: { type: 'string', default: '8' },
    reps: { type: 'string', default: '3' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const STEPS = Number(values.steps);
const SLOTS = Number(values.slots);
const REPS = Number(values.reps);
const STEPS_PER_JOB = 200;
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Steps per second of a bare execa + p-queue loop: what the machine does with no harness at all. */
async function bareLoop(): Promise<number> {
  const queue = new PQueue({ concurrency: SLOTS });
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) void queue.add(() => execa('true', [], { reject: false }));
  await queue.onIdle();
  return STEPS / ((performance.now() - started) / 1000);
}

/** Steps per second through the whole server: submit over stdio, wait until settled. */
async function harness(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-'));
  try {
    const jobs = Math.ceil(STEPS / STEPS_PER_JOB);
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ limits: { max_jobs_per_batch: jobs, max_steps_per_job: STEPS_PER_JOB, min_goal_summary_words: 1 } }));
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', join(dir, 'runs'), '--config', config, '--max-concurrency', String(SLOTS)] }));
    const table = {
      batch_goal_summary: 'throughput benchmark of no-op steps',
      defaults: { agent: 'command' },
      jobs: Array.from({ length: jobs }, (_, j) => ({
        job_id: `j${j}`,
        working_directory: dir,
        steps: Array.from({ length: Math.min(STEPS_PER_JOB, STEPS - j * STEPS_PER_JOB) }, (_, s) => ({ step_id: `s${s}`, command: ['true'] })),
      })),
    };
    const started = performance.now();
    const submitted = await client.callTool({ name: 'submit_batch', arguments: table });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    for (;;) {
      const board = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 600, detail: 'summary' } }, undefined, { timeout: 700_000 });
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

const bare: number[] = [];
const harnessed: number[] = [];
for (let rep = 0; rep < REPS; rep++) {
  // Alternate the order so that neither side always runs on a warmer machine.
  if (rep % 2 === 0) {
    bare.push(await bareLoop());
    harnessed.push(await harness());
  } else {
    harnessed.push(await harness());
    bare.push(await bareLoop());
  }
  process.stdout.write(`rep ${rep + 1}: bare ${bare.at(-1)!.toFixed(1)} steps/s, harness ${harnessed.at(-1)!.toFixed(1)} steps/s\n`);
}

const ratio = median(harnessed) / median(bare);
const report = `# Benchmarks

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.
Command: \`npm run bench -- --steps ${STEPS} --slots ${SLOTS} --reps ${REPS}\` (medians of ${REPS} repetitions, the two sides alternating).

## Throughput: ${STEPS} no-op command steps (\`true\`) at ${SLOTS} slots

| runner | steps/s (median) | each repetition |
|---|---|---|
| bare loop: execa under p-queue, nothing written | ${median(bare).toFixed(1)} | ${bare.map((x) => x.toFixed(1)).join(', ')} |
| harness-mcp over stdio, every file of SPEC §4 written | ${median(harnessed).toFixed(1)} | ${harnessed.map((x) => x.toFixed(1)).join(', ')} |

Ratio harness / bare: **${ratio.toFixed(2)}×** (goal ≥ 0.8×).
`;
await writeFile(values.out, report);
process.stdout.write(`\n${report}`);
