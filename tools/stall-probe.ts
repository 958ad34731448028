// The worst event-loop stall of a harness while it checks a report against a pattern that
// backtracks, and while it takes a multi-megabyte output_schema at submit (RELIABILITY.md).
// Usage: npx tsx tools/stall-probe.ts [A_COUNT]   (default 24: about a second of backtracking)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Harness } from '../src/harness/index.js';

const BACKTRACKING = { type: 'object', required: ['summary'], properties: { summary: { type: 'string', pattern: '^(a+)+$' } } };

/** The longest the event loop was held, in ms, while `work` ran. */
async function worstStall(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await work();
  delay.disable();
  return Math.round(delay.max / 1e6);
}

const count = Number(process.argv[2] ?? 24);
const dir = await mkdtemp(join(tmpdir(), 'stall-probe-'));
const configFile = join(dir, 'config.json');
await writeFile(configFile, JSON.stringify({ limits: { min_goal_summary_words: 0, max_launch_table_bytes: 8 * 1024 * 1024 } }));
const harness = await Harness.open({ runsDir: join(dir, 'runs'), configFile });
const oneStep = (step: Record<string, unknown>) => ({ batch_goal_summary: 'stall probe', defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: dir, steps: [{ step_id: 's', ...step }] }] });
try {
  const report = JSON.stringify({ status: 'success', summary: `${'a'.repeat(count)}!` });
  const command = ['sh', '-c', 'printf "%s" "$REPORT" > "$HARNESS_FINAL_PATH"'];
  const reportStall = await worstStall(async () => {
    const { meta } = await harness.submit(oneStep({ command, env: { REPORT: report }, output_schema: BACKTRACKING }));
    await harness.reader.waitUntilSettled(meta.batch_id, 3_600_000);
  });
  console.log(`a report of ${count} a's against ^(a+)+$: worst event-loop stall ${reportStall} ms`);

  const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`field_${i}_${'x'.repeat(20)}`, { type: 'string', pattern: '^[a-z]+$' }])) };
  let outcome = '';
  const started = performance.now();
  const schemaStall = await worstStall(() => harness.submit(oneStep({ command: ['true'], output_schema: big })).then(() => (outcome = 'accepted'), () => (outcome = 'refused')));
  const mib = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  console.log(`a ${(JSON.stringify(big).length / 1e6).toFixed(1)} MB output_schema: ${outcome} in ${Math.round(performance.now() - started)} ms, worst event-loop stall ${schemaStall} ms, RSS ${mib} MiB`);
} finally {
  await harness.close();
  await rm(dir, { recursive: true, force: true });
}
