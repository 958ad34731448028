// `npm run demo`: real codex sessions and plain commands, end to end, offline. It starts the
// scripted model server (tools/model-servers) on 127.0.0.1, starts the built harness-mcp over
// stdio with codex pointed at that server, submits a batch through MCP as an orchestrator
// would, follows it with progress notifications and prints the scoreboard and every step with
// its attempts. The files stay under ./runs (or --runs-dir DIR); the demo's working directory
// (a temp dir with the codex config and the scripts) is removed at the end.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { byMarker, codexConfigToml, startResponsesServer } from './model-servers/responses-server.js';

const { values } = parseArgs({ options: { 'runs-dir': { type: 'string', default: 'runs' } } });
const runsDir = resolve(values['runs-dir']);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const codex = fileURLToPath(new URL('../node_modules/.bin/codex', import.meta.url));

const report = (summary: string) => ({ kind: 'message' as const, text: JSON.stringify({ status: 'success', summary }) });
const model = await startResponsesServer(
  byMarker([
    { when: 'PLAN', turns: [report('Plan: write greeting.txt, then check it.')] },
    { when: 'BUILD', turns: [{ kind: 'shell', cmd: 'echo "hello from codex" > greeting.txt' }, report('Wrote greeting.txt as planned.')] },
    { when: 'REVIEW', turns: [report('Reviewed: the greeting reads well.')] },
  ]),
);
const work = await mkdtemp(join(tmpdir(), 'harness-demo-'));
const configToml = join(work, 'codex-config.toml');
await writeFile(configToml, codexConfigToml(model.baseUrl));
const harnessConfig = join(work, 'harness-config.json');
await writeFile(harnessConfig, JSON.stringify({ agents: { codex: { command: codex, config_toml: configToml } } }));
await writeFile(join(work, 'flaky.sh'), '#!/bin/sh\n[ -e attempted ] && { echo "second time lucky"; exit 0; }\ntouch attempted; echo "first try fails" >&2; exit 1\n', { mode: 0o755 });

const client = new Client({ name: 'harness-demo', version: '1.0.0' });

const goal = `Demonstrate harness-mcp end to end, offline, on this machine: real codex sessions driven by a
scripted model server, and plain command steps. In the app job a codex step plans the change; a second codex
step resumes that same conversation (resume_from) and builds what was planned, really running a shell command
in the job's own isolated workspace; a third codex step reviews it in a fresh conversation; then a command step
checks the file the build wrote. The flaky command step fails once and succeeds when the retry policy runs it a
second time after a short backoff. In the docs job a render step exits with an error and has no retries left, so
its publish step is never started, and the scoreboard says exactly which dependency stopped it and how to
unblock it. Everything is written under the runs directory: the batch meta, the current index of each job with
its resume bases, one directory per attempt with its state, meta, final report, event log, output and, for
codex, its own frozen CODEX_HOME, and the derived scoreboards. Read them with fetch_artifact and tail_events, or
open the files directly. Running the demo again adds another batch.`;
const table = {
  batch_goal_summary: goal,
  defaults: { agent: 'codex', retries: { max_attempts: 2, backoff_seconds: 1 } },
  jobs: [
    {
      job_id: 'app',
      working_directory: work,
      workspace_policy: 'isolated',
      steps: [
        { step_id: 'plan', prompt: 'PLAN how to add a greeting file' },
        { step_id: 'build', prompt: 'BUILD what you planned', resume_from: { step_id: 'plan' } },
        { step_id: 'review', prompt: 'REVIEW greeting.txt', depends_on: ['build'] },
        { step_id: 'check', agent: 'command', command: ['grep', '-q', 'hello', 'greeting.txt'], depends_on: ['build'] },
        { step_id: 'flaky-test', agent: 'command', command: ['./flaky.sh'], depends_on: ['check'] },
      ],
    },
    {
      job_id: 'docs',
      working_directory: work,
      steps: [
        { step_id: 'render', agent: 'command', command: ['sh', '-c', 'echo "missing template" >&2; exit 3'], retries: { max_attempts: 1 } },
        { step_id: 'publish', agent: 'command', command: ['true'], depends_on: ['render'] },
      ],
    },
  ],
};
try {
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, '--runs-dir', runsDir, '--config', harnessConfig], stderr: 'inherit' }));
  const submitted = (await client.callTool({ name: 'submit_batch', arguments: table })).structuredContent as { batch_id: string };
  console.log(`submitted ${submitted.batch_id} to ${runsDir}`);
  const result = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: submitted.batch_id, timeout_seconds: 300 } }, {
    onprogress: (p) => console.log(`  progress ${p.progress}/${p.total}: ${p.message}`),
    timeout: 400_000,
  });
  console.log(`\n${(result.content as { text: string }[])[0]!.text}\n`);
  type Board = {
    steps: { job_id: string; step_id: string; status: string; attempts: number; blocked_reasons: string[] }[];
    resumes: { items: { step_id: string; resumed_from: { step_id: string; thread_id: string | null } }[] };
    usage: { input_tokens: number; output_tokens: number } | null;
  };
  // wait_for_batch answers a summary; the step list is in the full scoreboard.
  const board = (await client.callTool({ name: 'get_scoreboard', arguments: { batch_id: submitted.batch_id, detail: 'full' } })).structuredContent as Board;
  for (const step of board.steps) {
    const attempts = `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}`;
    const why = step.blocked_reasons.length ? `(${step.blocked_reasons.join('; ')})` : '';
    console.log(`${`${step.job_id}/${step.step_id}`.padEnd(16)} ${step.status.padEnd(10)} ${attempts.padEnd(10)} ${why}`.trimEnd());
  }
  for (const step of board.steps.filter((s) => s.attempts > 1)) {
    console.log(`\n${step.job_id}/${step.step_id} failed at first and was retried by its retry policy: ${step.status} on attempt ${step.attempts}`);
  }
  for (const r of board.resumes.items) console.log(`\n${r.step_id} resumed ${r.resumed_from.step_id}'s conversation (thread ${r.resumed_from.thread_id})`);
  if (board.usage) console.log(`tokens: ${board.usage.input_tokens} in, ${board.usage.output_tokens} out`);
  console.log(`model requests served: ${model.requests.length}\nfiles: ${join(runsDir, submitted.batch_id)}`);
} finally {
  await client.close();
  await model.close();
  await rm(work, { recursive: true, force: true });
}
