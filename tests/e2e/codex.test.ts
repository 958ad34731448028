import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codexEnv, report } from './agents/codex-env.js';
import { goal, HarnessServer, stepOf, tempDir } from './servers/harness-server.js';
import { gitRepo } from './servers/git-repo.js';

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
// The version meta.json must record: the pinned CLI's, as installed.
const CODEX_VERSION = `codex-cli ${(await json(join(import.meta.dirname, '../../node_modules/@openai/codex/package.json'))).version}`;

function codexTable(workdir: string, steps: Record<string, unknown>[]) {
  return { batch_goal_summary: goal(), defaults: { agent: 'codex', retries: { max_attempts: 1 } }, jobs: [{ job_id: 'j', working_directory: workdir, steps }] };
}

async function attemptDir(server: HarnessServer, board: any, stepId: string): Promise<string> {
  const runId = stepOf(board, 'j', stepId).run_id;
  const stepDir = join(server.runsDir, board.batch_id, 'j', stepId);
  return join(stepDir, (await readdir(stepDir)).find((d) => d.endsWith(runId))!);
}

describe('the codex agent, with the real codex CLI against a scripted model', () => {
  it('resumes step one’s conversation in step two, leaves step one’s store untouched, and links credentials in both', async () => {
    const env = await codexEnv([
      { when: 'PLAN', turns: [report('planned the work')] },
      { when: 'BUILD', turns: [report('built on the plan')] },
      { when: 'OTHER', turns: [report('independent')] },
    ]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const batchId = await server.submit(
      codexTable(env.workdir, [
        { step_id: 'plan', prompt: 'PLAN the change' },
        { step_id: 'build', prompt: 'BUILD it', resume_from: { step_id: 'plan' } },
        { step_id: 'other', prompt: 'OTHER work' },
      ]),
    );
    // Hold step two back until step one's store has been digested: resume_from implies the order.
    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ succeeded: 3 });

    const planDir = await attemptDir(server, board, 'plan');
    const buildDir = await attemptDir(server, board, 'build');
    const planState = await json(join(planDir, 'state.json'));
    const buildState = await json(join(buildDir, 'state.json'));
    expect(planState.thread_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(buildState.thread_id).toBe(planState.thread_id);
    expect(buildState.resumed_from).toEqual({ step_id: 'plan', run_id: planState.run_id, thread_id: planState.thread_id });
    const buildMeta = await json(join(buildDir, 'meta.json'));
    expect(buildMeta.resume).toEqual({ run_id: planState.run_id, step_id: 'plan', thread_id: planState.thread_id, selector: 'latest_successful' });
    expect(buildMeta.argv.slice(1, 3)).toEqual(['exec', 'resume']);
    expect(buildMeta.agent).toEqual({ name: 'codex', version: CODEX_VERSION });
    expect(buildMeta.thread_id).toBe(planState.thread_id);

    // The model saw step one's turn in step two's request; the independent step started fresh.
    const buildRequest = env.model.requests.find((r) => r.userTexts.at(-1) === 'BUILD it')!;
    expect(buildRequest.userTexts).toContain('PLAN the change');
    expect(buildRequest.assistantTexts).toEqual([JSON.stringify({ status: 'success', summary: 'planned the work' })]);
    const otherRequest = env.model.requests.find((r) => r.userTexts.at(-1) === 'OTHER work')!;
    expect(otherRequest.userTexts).not.toContain('PLAN the change');
    const otherState = await json(join(await attemptDir(server, board, 'other'), 'state.json'));
    expect(otherState.thread_id).not.toBe(planState.thread_id);

    // Usage is per attempt: the resumed conversation reports its total, the attempt keeps its own part.
    expect(planState.usage).toEqual({ input_tokens: 100, cached_input_tokens: 0, output_tokens: 20 });
    expect(buildState.thread_usage.input_tokens).toBe(200);
    expect(buildState.usage).toEqual({ input_tokens: 100, cached_input_tokens: 0, output_tokens: 20 });
    expect(board.usage).toEqual({ input_tokens: 300, cached_input_tokens: 0, output_tokens: 60 });
    expect(board.resumes.items).toEqual([{ job_id: 'j', step_id: 'build', run_id: buildState.run_id, resumed_from: buildState.resumed_from }]);

    // Each attempt has its own CODEX_HOME with credentials linked, never copied.
    for (const dir of [planDir, buildDir]) {
      const auth = join(dir, 'codex_home', 'auth.json');
      expect((await lstat(auth)).isSymbolicLink()).toBe(true);
      expect(await readlink(auth)).toBe(join(env.home, '.codex', 'auth.json'));
      expect((await lstat(join(dir, 'codex_home', 'config.toml'))).isFile()).toBe(true);
    }
    expect((await json(join(planDir, 'meta.json'))).env.CODEX_HOME).toBe(join(planDir, 'codex_home'));

    // The resume base is frozen and recorded in current.json.
    const current = await json(join(server.runsDir, batchId, 'j', 'current.json'));
    expect(current.steps.plan.latest_successful).toMatchObject({
      run_id: planState.run_id,
      thread_id: planState.thread_id,
      resume_base_dir: `${batchId}/j/plan/${planDir.split('/').at(-1)}/codex_home`,
    });
    expect((await lstat(join(planDir, 'codex_home', 'sessions'))).mode & 0o222).toBe(0);
    const final = await json(join(buildDir, 'final.json'));
    expect(final).toMatchObject({ status: 'succeeded', report_source: 'agent', report: { summary: 'built on the plan' } });
  });

  it('commits what the model’s shell call wrote on the job’s branch, and get_changes lists it with its patch', async () => {
    const env = await codexEnv([{ when: 'WRITE', turns: [{ kind: 'shell', cmd: 'printf "written by codex\\n" > codex-made.txt' }, report('wrote the file')] }]);
    const repo = join(await tempDir(), 'repo');
    const git = await gitRepo(repo, { 'README.md': 'a repository\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    expect((await server.client.listTools()).tools.map((t) => t.name)).toContain('get_changes');
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'codex', retries: { max_attempts: 1 } },
      jobs: [{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'w', prompt: 'WRITE a file', sandbox: 'workspace-write' }] }],
    });
    const board = await server.settled(batchId);
    expect(stepOf(board, 'j', 'w')).toMatchObject({ status: 'succeeded', changes: { files: 1, lines_added: 1, lines_removed: 0 } });
    // The step's commit on harness/<batch>/<job> holds the file, with the model's summary as its subject.
    const branch = `harness/${batchId}/j`;
    expect(await git('show', `${branch}:codex-made.txt`)).toBe('written by codex\n');
    expect((await git('rev-parse', `${branch}^`)).trim()).toBe(base);
    expect(await git('log', '-1', '--format=%s', branch)).toBe('w attempt 1: wrote the file\n');
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(base); // the user's checkout did not move
    const step = await server.ok('get_changes', { batch_id: batchId, job_id: 'j', step_id: 'w', include_patch: true });
    expect(step).toMatchObject({ scope: 'attempt', kind: 'branch', branch, base, head: (await git('rev-parse', branch)).trim() });
    expect(step.files).toEqual([{ path: 'codex-made.txt', old_path: null, status: 'added', lines_added: 1, lines_removed: 0, binary: false }]);
    expect(step.patch.content).toContain('+++ b/codex-made.txt\n@@ -0,0 +1 @@\n+written by codex\n');
    const job = await server.ok('get_changes', { batch_id: batchId, job_id: 'j' });
    expect(job).toMatchObject({ scope: 'job', totals: { files: 1, lines_added: 1, lines_removed: 0 } });
    expect(board.job_changes.items).toEqual([{ job_id: 'j', branch, base, head: step.head, files: 1, lines_added: 1, lines_removed: 0 }]);
  });

  it('fails an attempt whose model answers HTTP 400 or fails the response, with what codex said', async () => {
    const env = await codexEnv([
      // A 5xx is the provider's overload, not the step's failure (tests/e2e/limits.test.ts).
      { when: 'BOOM', turns: [{ kind: 'http_error', status: 400, message: 'the model is on fire' }] },
      { when: 'BROKEN', turns: [{ kind: 'failed', message: 'context too long' }] },
    ]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const board = await server.settled(await server.submit(codexTable(env.workdir, [{ step_id: 'x', prompt: 'BOOM' }, { step_id: 'y', prompt: 'BROKEN' }])));
    const x = await json(join(await attemptDir(server, board, 'x'), 'state.json'));
    expect(x).toMatchObject({ status: 'failed', failure_reason: 'exit_nonzero', exit_code: 1 });
    expect(x.message).toMatch(/^exited 1; the agent said: .*the model is on fire/);
    const y = await json(join(await attemptDir(server, board, 'y'), 'state.json'));
    expect(y.message).toMatch(/the agent said: .*context too long/);
    expect(board.failures.items.map((f: any) => f.step_id).sort()).toEqual(['x', 'y']);
  });

  it('needs attention when the final message breaks the output schema', async () => {
    const env = await codexEnv([
      { when: 'SCHEMA', turns: [{ kind: 'message', text: '{"status":"success","summary":"no tests field"}' }] },
      { when: 'PROSE', turns: [{ kind: 'message', text: 'I did it, trust me.' }] },
    ]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const schema = { type: 'object', required: ['status', 'summary', 'tests'], properties: { status: { type: 'string' }, summary: { type: 'string' }, tests: { type: 'integer' } } };
    const board = await server.settled(
      await server.submit(codexTable(env.workdir, [{ step_id: 's', prompt: 'SCHEMA', output_schema: schema }, { step_id: 'p', prompt: 'PROSE' }])),
    );
    const s = await json(join(await attemptDir(server, board, 's'), 'state.json'));
    expect(s).toMatchObject({ status: 'needs_attention', failure_reason: 'schema_invalid' });
    expect(s.message).toMatch(/required property 'tests'/);
    // codex was handed the step's schema.
    const sent = env.model.requests.find((r) => r.userTexts.at(-1) === 'SCHEMA')!.body.text as any;
    expect(JSON.stringify(sent)).toContain('"tests"');
    const p = await json(join(await attemptDir(server, board, 'p'), 'state.json'));
    expect(p).toMatchObject({ status: 'needs_attention', failure_reason: 'schema_invalid', message: expect.stringMatching(/not JSON/) });
  });

  it('runs two codex attempts at once, each with its own CODEX_HOME', async () => {
    const env = await codexEnv([
      { when: 'LEFT', turns: [{ kind: 'shell', cmd: 'sleep 1' }, report('left')] },
      { when: 'RIGHT', turns: [{ kind: 'shell', cmd: 'sleep 1' }, report('right')] },
    ]);
    const server = await HarnessServer.start({ config: env.config, env: env.env, maxConcurrency: 2 });
    const board = await server.settled(await server.submit(codexTable(env.workdir, [{ step_id: 'l', prompt: 'LEFT' }, { step_id: 'r', prompt: 'RIGHT' }])));
    expect(board.counts.succeeded).toBe(2);
    const [l, r] = await Promise.all(['l', 'r'].map(async (s) => json(join(await attemptDir(server, board, s), 'state.json'))));
    expect(Date.parse(l.started_at) < Date.parse(r.ended_at) && Date.parse(r.started_at) < Date.parse(l.ended_at)).toBe(true);
    const [lm, rm] = await Promise.all(['l', 'r'].map(async (s) => json(join(await attemptDir(server, board, s), 'meta.json'))));
    expect(lm.env.CODEX_HOME).not.toBe(rm.env.CODEX_HOME);
    expect(l.thread_id).not.toBe(r.thread_id);
  });

  it('resumes by selector latest and by run_id', async () => {
    const env = await codexEnv([
      { when: 'SRC', turns: [report('source')] },
      { when: 'BY-LATEST', turns: [report('latest')] },
      { when: 'BY-RUN', turns: [report('by run')] },
    ]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const batchId = await server.submit(codexTable(env.workdir, [{ step_id: 'src', prompt: 'SRC' }, { step_id: 'next', prompt: 'BY-LATEST', resume_from: { step_id: 'src', selector: 'latest' } }]));
    let board = await server.settled(batchId);
    const firstSource = stepOf(board, 'j', 'src').run_id;
    // A second attempt of the source: `latest` now means it, `run_id` can still name the first.
    await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'src' });
    board = await server.settled(batchId);
    const secondSource = stepOf(board, 'j', 'src').run_id;
    expect(secondSource).not.toBe(firstSource);
    await server.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'next' });
    board = await server.settled(batchId);
    const viaLatest = await json(join(await attemptDir(server, board, 'next'), 'state.json'));
    expect(viaLatest.resumed_from.run_id).toBe(secondSource);

    const byRun = await server.submit(
      codexTable(env.workdir, [
        { step_id: 'src', prompt: 'SRC' },
        { step_id: 'pin', prompt: 'BY-RUN', resume_from: { step_id: 'src', selector: 'run_id', run_id: 'ffffffffffffffff' } },
      ]),
    );
    const pinned = await server.settled(byRun);
    expect(stepOf(pinned, 'j', 'pin')).toMatchObject({ status: 'blocked', blocked_reasons: ['missing resume base: run ffffffffffffffff is not an attempt of step `src`'] });
  });

  it('passes an API key from the environment instead of linking auth.json, and writes its value nowhere', async () => {
    const env = await codexEnv([{ when: 'KEYED', turns: [report('used the key')] }]);
    const key = 'sk-test-0123456789abcdefghijklmnop';
    const server = await HarnessServer.start({ config: env.config, env: { ...env.env, OPENAI_API_KEY: key } });
    const board = await server.settled(await server.submit(codexTable(env.workdir, [{ step_id: 'k', prompt: 'KEYED' }])));
    expect(board.counts.succeeded).toBe(1);
    const dir = await attemptDir(server, board, 'k');
    await expect(lstat(join(dir, 'codex_home', 'auth.json'))).rejects.toThrow(/ENOENT/);
    expect((await json(join(dir, 'meta.json'))).env.OPENAI_API_KEY).toBe('[redacted]');
    for (const name of ['meta.json', 'state.json', 'final.json', 'events.jsonl']) {
      expect(await readFile(join(dir, name), 'utf8'), name).not.toContain(key);
    }
  });

  it('ends an attempt as spawn_error, saying how to fix it, when the codex binary is missing', async () => {
    const env = await codexEnv([]);
    const server = await HarnessServer.start({ config: { ...env.config, agents: { codex: { command: '/nowhere/codex' } } }, env: env.env });
    const board = await server.settled(await server.submit(codexTable(env.workdir, [{ step_id: 'x', prompt: 'anything' }])));
    const state = await json(join(await attemptDir(server, board, 'x'), 'state.json'));
    expect(state).toMatchObject({ status: 'failed', failure_reason: 'spawn_error' });
    expect(state.message).toMatch(/could not start the codex agent: .*ENOENT.*set agents\.codex\.command/s);
  });
});
