// Provider limits under load (docs/spec.md §5 "Provider limits and pools"): one-turn codex steps
// in more slots than the scripted provider serves at once; the provider refuses the rest with a
// 429 and Retry-After, as an API at its rate limit does. Against the ideal: the same steps with
// only as many slots as the provider serves, so none is refused.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { codexConfigToml, startResponsesServer } from './model-servers/responses-server.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const codex = fileURLToPath(new URL('../node_modules/.bin/codex', import.meta.url));

const STEPS = 50;
const SLOTS = 16;
const PROVIDER_CONCURRENCY = 4;
const RETRY_AFTER_SECONDS = 2;
// How long the provider takes over an answer: long enough that requests overlap and its cap bites.
const ANSWER_MS = 1000;

interface Run {
  seconds: number;
  failed: number;
  attempts: number;
  refused: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** One batch of STEPS codex steps through a fresh server with `slots` slots, against a provider serving PROVIDER_CONCURRENCY at once. */
async function runOnce(slots: number): Promise<Run> {
  const model = await startResponsesServer(() => ({ kind: 'message', text: '{"status":"success","summary":"ok"}' }), {
    maxConcurrent: { requests: PROVIDER_CONCURRENCY, retryAfterSeconds: RETRY_AFTER_SECONDS },
    answerDelayMs: ANSWER_MS,
  });
  const dir = await mkdtemp(join(tmpdir(), 'harness-bench-limits-'));
  const client = new Client({ name: 'bench-limits', version: '1' });
  try {
    // The working directory must not hold the runs root.
    const workdir = join(dir, 'work');
    await mkdir(workdir);
    const configToml = join(dir, 'codex-config.toml');
    await writeFile(configToml, codexConfigToml(model.baseUrl));
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ agents: { codex: { command: codex, config_toml: configToml } }, runners: { max_concurrency: slots }, limits: { min_goal_summary_words: 1 } }));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', join(dir, 'runs'), '--config', config] }));
    await client.listTools();
    const steps = Array.from({ length: STEPS }, (_, i) => ({ step_id: `s${i}`, prompt: 'BENCH' }));
    const started = performance.now();
    const submitted = await client.callTool({
      name: 'submit_batch',
      arguments: { batch_goal_summary: 'limits', defaults: { agent: 'codex', retries: { max_attempts: 1 } }, jobs: [{ job_id: 'j', working_directory: workdir, steps }] },
    });
    if (submitted.isError) throw new Error(`submit_batch failed: ${JSON.stringify(submitted.content)}`);
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    for (;;) {
      const waited = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 300 } }, { timeout: 400_000 });
      if (!(waited.structuredContent as { timed_out?: boolean }).timed_out) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const board = (await client.callTool({ name: 'get_scoreboard', arguments: { batch_id: batchId, detail: 'full' } })).structuredContent as {
      counts: { succeeded: number };
      steps: { attempts: number }[];
    };
    return { seconds, failed: STEPS - board.counts.succeeded, attempts: board.steps.reduce((n, s) => n + s.attempts, 0), refused: model.refused };
  } finally {
    await client.close();
    await model.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The "limits" section of BENCHMARKS.md: `reps` runs of each side, alternately. */
export async function limitsBench(reps: number): Promise<string> {
  const limited: Run[] = [];
  const ideal: Run[] = [];
  for (let rep = 0; rep < reps; rep++) {
    limited.push(await runOnce(SLOTS));
    ideal.push(await runOnce(PROVIDER_CONCURRENCY));
    const [l, i] = [limited.at(-1)!, ideal.at(-1)!];
    process.stdout.write(`limits rep ${rep + 1}: ${SLOTS} slots ${l.seconds.toFixed(1)} s (${l.failed} failed, ${l.refused} refused), ${PROVIDER_CONCURRENCY} slots ${i.seconds.toFixed(1)} s\n`);
  }
  const row = (name: string, runs: Run[]) =>
    `| ${name} | ${median(runs.map((r) => r.seconds)).toFixed(1)} | ${runs.map((r) => r.seconds.toFixed(1)).join(', ')} | ${runs.map((r) => r.failed).join(', ')} | ${runs.map((r) => r.attempts).join(', ')} | ${runs.map((r) => r.refused).join(', ')} |`;
  const ratio = median(limited.map((r) => r.seconds)) / median(ideal.map((r) => r.seconds));
  return `## Limits: ${STEPS} one-turn codex steps against a provider that serves ${PROVIDER_CONCURRENCY} requests at once

The scripted Responses server answers each request after ${ANSWER_MS} ms and refuses any beyond ${PROVIDER_CONCURRENCY} at once with
HTTP 429 and \`Retry-After: ${RETRY_AFTER_SECONDS}\`; codex's own retries are off, so each refusal ends an attempt \`rate_limited\`
(codex does not print the Retry-After: the pool waits \`retries.rate_limit_wait_seconds\`, 5 s by default, doubling). Each step
may have one attempt (\`max_attempts: 1\`). Default harness config otherwise.

| how | seconds (median) | each repetition | steps failed | attempts | requests refused (429) |
|---|---|---|---|---|---|
${row(`${SLOTS} slots, the pool parks and halves its cap on each round of 429s`, limited)}
${row(`ideal: ${PROVIDER_CONCURRENCY} slots, as many as the provider serves`, ideal)}

Wall time against the ideal: **${ratio.toFixed(2)}×**. Goal: 0 steps failed.
`;
}
