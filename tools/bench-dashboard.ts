// The dashboard (issue 18), side by side in one run:
// - the size of what a browser loads: the page's script and style sheet, and the MCP App's one file, gzipped;
// - page load to first paint of a batch of 10,000 steps in headless Chromium (Debian's chromium);
// - scheduler throughput of no-op steps with no dashboard open against 50 open dashboards following
//   the same batch: each follower makes the page's requests (its event stream, the batch read once,
//   then patches, a read again only when a patch does not build on what it holds).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { median } from './bench-stats.js';
import { synthesizeStore } from './synthesize-store.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const webDir = fileURLToPath(new URL('../dist/web/', import.meta.url));
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const BUNDLE_GOAL_KB = 250;
const PAINT_JOBS = 50;
const PAINT_STEPS_PER_JOB = 200;
const FOLLOWERS = 50;
const THROUGHPUT_STEPS = 1000;
const THROUGHPUT_STEPS_PER_JOB = 200;
const SLOTS = 8;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function bundleSizes(): Promise<{ rows: string[]; gzipTotal: number }> {
  const files = [
    ...(await readdir(join(webDir, 'assets'))).filter((f) => /\.(js|css)$/.test(f)).map((f) => join('assets', f)),
    ...(existsSync(join(webDir, 'mcp-app.html')) ? ['mcp-app.html'] : []),
  ];
  const rows: string[] = [];
  let gzipTotal = 0;
  for (const file of files) {
    const bytes = await readFile(join(webDir, file));
    const gzipped = gzipSync(bytes, { level: 9 }).length;
    if (!file.endsWith('mcp-app.html')) gzipTotal += gzipped;
    rows.push(`| \`dist/web/${file}\` | ${kib(bytes.length)} | ${kib(gzipped)} |`);
  }
  return { rows, gzipTotal };
}

/** harness-mcp --http on `runs`, with the dashboard's base URL once it listens. */
async function startHttp(runs: string, extra: string[] = []): Promise<{ base: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli, '--http', '--port', '0', '--runs-dir', runs, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /dashboard at (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`harness-mcp --http exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { base, child, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

/** What the functions that run in the page use of its globals (this file is type-checked without the DOM's types). */
interface PageGlobals {
  document: { body: { innerText: string } };
  requestAnimationFrame(callback: () => void): void;
}

/** Milliseconds from navigation start to the frame after the batch view shows its last job, per rep. */
async function firstPaint(reps: number, dir: string): Promise<{ ms: number[]; chromiumVersion: string }> {
  const runs = join(dir, 'paint-runs');
  const work = join(dir, 'paint-work');
  await mkdir(work, { recursive: true });
  await synthesizeStore(runs, 1, PAINT_JOBS, PAINT_STEPS_PER_JOB, work);
  const server = await startHttp(runs);
  const browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const lastJob = `j${PAINT_JOBS - 1}`;
  try {
    const ms: number[] = [];
    // One load first, not counted: the server's first read of a root warms its caches.
    for (let rep = 0; rep <= reps; rep++) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.base}#/batch/scale-0000`);
      await page.waitForFunction((job) => (globalThis as unknown as PageGlobals).document.body.innerText.includes(job), lastJob, { polling: 'raf', timeout: 60_000 });
      const painted = await page.evaluate(() => new Promise<number>((resolve) => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => resolve(performance.now()))));
      if (rep > 0) ms.push(painted);
      await page.context().close();
    }
    return { ms, chromiumVersion: browser.version() };
  } finally {
    await browser.close();
    await server.stop();
  }
}

/**
 * One follower, doing what the page's source does (web/src/data/http-source.ts): reads the
 * batch's meta and scoreboard, holds the event stream, applies each patch that builds on the
 * version it holds and reads the scoreboard again when one does not.
 */
function follow(base: string, batchId: string, signal: AbortSignal): void {
  const scoreboard = `harness://batches/${batchId}/scoreboard`;
  const read = async (uri: string) => {
    const response = await fetch(`${base}api/resource?uri=${encodeURIComponent(uri)}`, { signal });
    JSON.parse(await response.text());
    return Number(response.headers.get('x-harness-version'));
  };
  let version = 0;
  let reading = false;
  let again = false;
  const readScoreboard = async () => {
    if (reading) return void (again = true);
    reading = true;
    do {
      again = false;
      version = await read(scoreboard).catch(() => 0);
    } while (again && !signal.aborted);
    reading = false;
  };
  const onPatch = (patch: { version?: number; base?: number }) => {
    if (patch.version === version) return;
    if (patch.base !== undefined && patch.base === version && !reading) version = patch.version!;
    else void readScoreboard();
  };
  void (async () => {
    await read(`harness://batches/${batchId}/meta`);
    const response = await fetch(`${base}api/events`, { signal });
    await readScoreboard();
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      const events = buffered.split('\n\n');
      buffered = events.pop()!;
      for (const event of events) {
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (event.startsWith('event: changed') && data?.includes(scoreboard)) onPatch(JSON.parse(data) as { version?: number; base?: number });
      }
    }
  })().catch(() => undefined);
}

/** Steps per second of one batch of no-op steps, with `followers` dashboards following it. */
async function throughput(dir: string, followers: number): Promise<number> {
  const root = await mkdtemp(join(dir, 'throughput-'));
  const work = join(root, 'work');
  await mkdir(work);
  const jobs = THROUGHPUT_STEPS / THROUGHPUT_STEPS_PER_JOB;
  const config = join(root, 'config.json');
  await writeFile(config, JSON.stringify({ limits: { max_jobs_per_batch: jobs, max_steps_per_job: THROUGHPUT_STEPS_PER_JOB, min_goal_summary_words: 1 } }));
  const server = await startHttp(join(root, 'runs'), ['--config', config, '--max-concurrency', String(SLOTS)]);
  const client = new Client({ name: 'bench', version: '1' });
  const aborter = new AbortController();
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL('mcp', server.base)));
    const table = {
      batch_goal_summary: 'dashboard throughput benchmark',
      defaults: { agent: 'command' },
      jobs: Array.from({ length: jobs }, (_, j) => ({
        job_id: `j${j}`,
        working_directory: work,
        steps: Array.from({ length: THROUGHPUT_STEPS_PER_JOB }, (_, s) => ({ step_id: `s${s}`, command: ['true'] })),
      })),
    };
    // The followers open on the batch before it runs: the server is drained while they connect.
    await client.callTool({ name: 'set_drain', arguments: { drain: true } });
    const submitted = await client.callTool({ name: 'submit_batch', arguments: table });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    for (let i = 0; i < followers; i++) follow(server.base, batchId, aborter.signal);
    const started = performance.now();
    await client.callTool({ name: 'set_drain', arguments: { drain: false } });
    for (;;) {
      const board = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 600 } }, { timeout: 700_000 });
      const { timed_out, counts } = board.structuredContent as { timed_out: boolean; counts: { succeeded: number } };
      if (timed_out) continue;
      if (counts.succeeded !== THROUGHPUT_STEPS) throw new Error(`only ${counts.succeeded} of ${THROUGHPUT_STEPS} steps succeeded`);
      break;
    }
    return THROUGHPUT_STEPS / ((performance.now() - started) / 1000);
  } finally {
    aborter.abort();
    await client.close().catch(() => undefined);
    await server.stop();
  }
}

export async function dashboardBench(reps: number): Promise<string> {
  if (!CHROMIUM) throw new Error('the dashboard bench needs Chromium: apt-get install -y chromium');
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-dashboard-'));
  try {
    const bundle = await bundleSizes();
    const { ms: paint, chromiumVersion } = await firstPaint(reps, dir);
    const none: number[] = [];
    const followed: number[] = [];
    // Alternated, so that the machine's drift over the run falls on both alike.
    for (let rep = 0; rep < reps; rep++) {
      none.push(await throughput(dir, 0));
      followed.push(await throughput(dir, FOLLOWERS));
    }
    const ratio = median(followed) / median(none);
    return `## Dashboard: ${reps} reps, headless Chromium ${chromiumVersion}

What a browser loads (the MCP App is one file of its own, loaded by a host instead of the page):

| file | raw | gzipped |
|---|---|---|
${bundle.rows.join('\n')}
| **the page's script and styles together** | | **${kib(bundle.gzipTotal)}** (goal ≤ ${BUNDLE_GOAL_KB} KB) |

| measure | median | runs | goal |
|---|---|---|---|
| page load to first paint of a batch of ${(PAINT_JOBS * PAINT_STEPS_PER_JOB).toLocaleString('en')} steps (${PAINT_JOBS} jobs of ${PAINT_STEPS_PER_JOB}), navigation start to the frame after the last job shows | **${median(paint).toFixed(0)} ms** | ${paint.map((m) => m.toFixed(0)).join(', ')} ms | ≤ 1000 ms |
| scheduler throughput, ${THROUGHPUT_STEPS} no-op steps in ${SLOTS} slots, no dashboard open | ${median(none).toFixed(1)} steps/s | ${none.map((x) => x.toFixed(1)).join(', ')} | |
| the same with ${FOLLOWERS} dashboards following the batch | ${median(followed).toFixed(1)} steps/s | ${followed.map((x) => x.toFixed(1)).join(', ')} | |
| **ratio, followed / none** | **${ratio.toFixed(3)}** | | ≥ 0.95 |
`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
