// The distributed mode's overhead (issue 19): no-op command steps through a coordinator
// (`serve --redis`) and 1, 2 or 3 `harness-mcp worker` processes over a real redis-server,
// against the embedded mode, alternately in one run. Dispatch latency is each attempt's time from
// being made (the step ready and a slot free: `created_at`) to running on its worker
// (`started_at`, written once its process is spawned), read from every attempt's state.json.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { median, percentile } from './bench-stats.js';
import { RedisServer } from './redis-server.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const SLOTS = 8;
const SIDES = ['embedded', '1 worker', '2 workers', '3 workers'] as const;
type Side = (typeof SIDES)[number];
// Dispatch latency without a CPU queue: a chain of steps, one ready at a time.
const LATENCY_SIDES = ['embedded', '1 worker'] as const satisfies readonly Side[];
const CHAIN = 50;

interface Run {
  stepsPerSecond: number;
  /** Ready to running, per attempt, in ms. */
  dispatchMs: number[];
}

async function startWorker(runsDir: string, config: string, redisUrl: string, runnerId: string, slots: number) {
  const child = spawn(process.execPath, [cli, 'worker', '--runs-dir', runsDir, '--config', config, '--redis', redisUrl, '--runner-id', runnerId, '--slots', String(slots), '--agents', 'command'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(': taking ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`a worker exited ${code}:\n${stderr}`)));
  });
  return {
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function dispatchTimes(runsDir: string, batchId: string): Promise<number[]> {
  const times: number[] = [];
  const batchDir = join(runsDir, batchId);
  for (const job of await readdir(batchDir, { withFileTypes: true })) {
    if (!job.isDirectory()) continue;
    for (const step of await readdir(join(batchDir, job.name))) {
      for (const attempt of await readdir(join(batchDir, job.name, step)).catch(() => [])) {
        const text = await readFile(join(batchDir, job.name, step, attempt, 'state.json'), 'utf8').catch(() => undefined);
        if (!text) continue;
        const state = JSON.parse(text) as { created_at: string; started_at: string | null };
        if (state.started_at) times.push(Date.parse(state.started_at) - Date.parse(state.created_at));
      }
    }
  }
  return times;
}

/**
 * One batch of `steps` no-op steps through a fresh root, embedded or with `workers` workers
 * sharing SLOTS slots; `chained`, each step depends on the one before, so one runs at a time.
 */
async function runOnce(side: Side, steps: number, redis: RedisServer, chained = false): Promise<Run> {
  const workers = side === 'embedded' ? 0 : Number(side[0]);
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-distributed-'));
  const client = new Client({ name: 'bench-distributed', version: '1' });
  const started: { stop: () => Promise<void> }[] = [];
  try {
    const work = join(dir, 'work');
    await mkdir(work);
    const runsDir = join(dir, 'runs');
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ limits: { max_steps_per_job: 200, min_goal_summary_words: 1 } }));
    const args = [cli, '--runs-dir', runsDir, '--config', config, '--max-concurrency', String(SLOTS), ...(workers ? ['--redis', redis.url] : [])];
    await client.connect(new StdioClientTransport({ command: process.execPath, args }));
    await client.listTools();
    for (let w = 0; w < workers; w++) started.push(await startWorker(runsDir, config, redis.url, `bench-w${w + 1}`, Math.ceil(SLOTS / workers)));
    const jobs = Math.ceil(steps / 200);
    const table = {
      batch_goal_summary: 'distributed overhead',
      defaults: { agent: 'command' },
      jobs: Array.from({ length: jobs }, (_, j) => ({
        job_id: `j${j}`,
        working_directory: work,
        steps: Array.from({ length: Math.min(200, steps - j * 200) }, (_, s) => ({ step_id: `s${s}`, command: ['true'], ...(chained && s > 0 ? { depends_on: [`s${s - 1}`] } : {}) })),
      })),
    };
    const t0 = performance.now();
    const submitted = await client.callTool({ name: 'submit_batch', arguments: table });
    if (submitted.isError) throw new Error(`submit_batch failed: ${JSON.stringify(submitted.content)}`);
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    const board = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 600, detail: 'summary' } }, { timeout: 700_000 });
    const { counts } = board.structuredContent as { counts: { succeeded: number } };
    if (counts.succeeded !== steps) throw new Error(`${side}: only ${counts.succeeded} of ${steps} steps succeeded`);
    const seconds = (performance.now() - t0) / 1000;
    return { stepsPerSecond: steps / seconds, dispatchMs: await dispatchTimes(runsDir, batchId) };
  } finally {
    await client.close().catch(() => undefined);
    for (const worker of started) await worker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function distributedBench(reps: number, steps: number): Promise<string> {
  const redisDir = await mkdtemp(join(tmpdir(), 'harness-bench-redis-'));
  const redis = await RedisServer.start(redisDir);
  const runs = new Map<Side, Run[]>(SIDES.map((side) => [side, []]));
  const oneAtATime = new Map<Side, Run[]>(LATENCY_SIDES.map((side) => [side, []]));
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const side of SIDES) runs.get(side)!.push(await runOnce(side, steps, redis));
      for (const side of LATENCY_SIDES) oneAtATime.get(side)!.push(await runOnce(side, CHAIN, redis, true));
    }
  } finally {
    await redis.stop();
    await rm(redisDir, { recursive: true, force: true });
  }
  const embedded = median(runs.get('embedded')!.map((r) => r.stepsPerSecond));
  const rows = SIDES.map((side) => {
    const sideRuns = runs.get(side)!;
    const throughput = sideRuns.map((r) => r.stepsPerSecond);
    const dispatch = sideRuns.flatMap((r) => r.dispatchMs);
    return `| ${side} | ${median(throughput).toFixed(1)} | ${throughput.map((x) => x.toFixed(1)).join(', ')} | ${(median(throughput) / embedded).toFixed(2)} | ${median(dispatch).toFixed(0)} | ${percentile(dispatch, 99).toFixed(0)} |`;
  });
  const embeddedAlone = median(oneAtATime.get('embedded')!.flatMap((r) => r.dispatchMs));
  const latencyRows = LATENCY_SIDES.map((side) => {
    const dispatch = oneAtATime.get(side)!.flatMap((r) => r.dispatchMs);
    return `| ${side} | ${median(dispatch).toFixed(1)} | ${percentile(dispatch, 99).toFixed(1)} | ${(median(dispatch) - embeddedAlone).toFixed(1)} |`;
  });
  return `## Distributed mode: ${steps} no-op steps, ${SLOTS} slots in all, ${reps} reps

A coordinator (\`serve --redis\`) and \`harness-mcp worker\` processes over a real redis-server on
loopback (AOF on, \`appendfsync always\`), against the embedded mode; the sides alternate in
each rep. Workers share the ${SLOTS} slots (${SLOTS}, ${Math.ceil(SLOTS / 2)} and ${Math.ceil(SLOTS / 3)} each), and
everything runs on this one machine, so this measures the overhead, not the scaling. Dispatch is
each attempt's \`created_at\` (made: the step ready, a slot free) to its \`started_at\` (running
on its worker, its process spawned), over every attempt of every rep; the embedded mode's is the
same span without Redis. Goal: dispatch p50 ≤ 20 ms through Redis.

| side | steps/s (median) | each rep | × embedded | dispatch p50 (ms) | dispatch p99 (ms) |
|---|---|---|---|---|---|
${rows.join('\n')}

One attempt at a time: a chain of ${CHAIN} no-op steps, each depending on the one before, so no
attempt waits for a CPU behind another; the same span, over every attempt of every rep.

| side | dispatch p50 (ms) | dispatch p99 (ms) | p50 − embedded (ms) |
|---|---|---|---|
${latencyRows.join('\n')}
`;
}
