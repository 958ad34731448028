// `npm run demo`: starts the built server over stdio, submits a small batch of command steps
// (a DAG with a retry and a step that is blocked by a failure), follows it with progress
// notifications and prints the scoreboard. The files stay under ./runs (or --runs-dir DIR).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { values } = parseArgs({ options: { 'runs-dir': { type: 'string', default: 'runs' } } });
const runsDir = resolve(values['runs-dir']);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'harness-demo-'));
await writeFile(join(work, 'flaky.sh'), '#!/bin/sh\n[ -e attempted ] && { echo "second time lucky"; exit 0; }\ntouch attempted; echo "first try fails" >&2; exit 1\n', { mode: 0o755 });

const client = new Client({ name: 'harness-demo', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', runsDir], stderr: 'inherit' }));

const goal = `Demonstrate harness-mcp end to end with plain command steps, offline, on this machine.
The build job has a small dependency graph: fetch and lint are independent and run side by side; a flaky
test step that depends on fetch fails on its first attempt and succeeds when the retry policy runs it a
second time after a short backoff; and a package step that depends on both branches starts only after both
have succeeded, then leaves a run report in HARNESS_FINAL_PATH that the harness validates against the
default report schema. The docs job shows what a failure looks like: its render step exits with an error
and has no retries left, so its publish step is never started, and the scoreboard says exactly which
dependency stopped it and how to unblock it. Everything the server does is written under the runs
directory: the batch meta, the current index of each job, one directory per attempt with its state, meta,
final report, event log, standard output and standard error, and the derived scoreboards. Read them with
fetch_artifact and tail_events, or open the files directly. Running the demo again adds another batch.`;
const table = {
  batch_goal_summary: goal,
  defaults: { agent: 'command', retries: { max_attempts: 2, backoff_seconds: 1 } },
  jobs: [
    {
      job_id: 'build',
      working_directory: work,
      steps: [
        { step_id: 'fetch', command: ['sh', '-c', 'echo fetching; sleep 1; echo fetched'] },
        { step_id: 'lint', command: ['sh', '-c', 'echo linting; sleep 1; echo clean'] },
        { step_id: 'flaky-test', command: ['./flaky.sh'], depends_on: ['fetch'] },
        { step_id: 'package', command: ['sh', '-c', 'echo "{\\"status\\":\\"success\\",\\"summary\\":\\"packaged\\"}" > "$HARNESS_FINAL_PATH"'], depends_on: ['flaky-test', 'lint'] },
      ],
    },
    {
      job_id: 'docs',
      working_directory: work,
      steps: [
        { step_id: 'render', command: ['sh', '-c', 'echo "missing template" >&2; exit 3'], retries: { max_attempts: 1 } },
        { step_id: 'publish', command: ['true'], depends_on: ['render'] },
      ],
    },
  ],
};

const submitted = (await client.callTool({ name: 'submit_batch', arguments: table })).structuredContent as { batch_id: string };
console.log(`submitted ${submitted.batch_id} to ${runsDir}`);
const result = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: submitted.batch_id, timeout_seconds: 120 } }, undefined, {
  onprogress: (p) => console.log(`  progress ${p.progress}/${p.total}: ${p.message}`),
  timeout: 180_000,
});
console.log(`\n${(result.content as { text: string }[])[0]!.text}\n`);
const board = result.structuredContent as { steps: { job_id: string; step_id: string; status: string; attempts: number; blocked_reasons: string[] }[] };
for (const step of board.steps) {
  console.log(`${`${step.job_id}/${step.step_id}`.padEnd(20)} ${step.status.padEnd(10)} attempts ${step.attempts}${step.blocked_reasons.length ? `  (${step.blocked_reasons.join('; ')})` : ''}`);
}
console.log(`\nfiles: ${join(runsDir, submitted.batch_id)}`);
await client.close();
