import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentUnderTest, Rule } from './agents-under-test.js';
import { report } from './codex-env.js';
import { eventually, goal, HarnessServer, isProcessAlive, stepOf, treeSnapshot } from '../servers/harness-server.js';

const table = (workdir: string, steps: Record<string, unknown>[]) => ({
  batch_goal_summary: goal('agent contract'),
  defaults: { retries: { max_attempts: 1 } },
  jobs: [{ job_id: 'j', working_directory: workdir, steps }],
});

/**
 * Every regular file below `dir` (links are not followed): path → content. A file gone between
 * the listing and the read was a temp file the server renamed into place (a scoreboard write);
 * the file it became is read under its own name.
 */
async function regularFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    try {
      if ((await lstat(path)).isFile()) files.set(path, await readFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

async function artifact(server: HarnessServer, runId: string, name: string): Promise<any> {
  return JSON.parse((await server.ok('fetch_artifact', { run_id: runId, name })).content);
}

/**
 * What every agent adapter must do, proven through the real CLI against a scripted model
 * (docs/spec.md §6): the same script, the same expectations, for codex, claude, gemini and command.
 */
export function describeAgentAdapter(agent: AgentUnderTest): void {
  const start = async (rules: Rule[]) => {
    const env = await agent.setup(rules);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    return { env, server };
  };

  describe(`the ${agent.name} agent, through the real CLI`, () => {
    it('succeeds with a valid report, captures session and usage, copies no credential, writes nothing to $HOME', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-OK', turns: [report('all done')] }]);
      const homeBefore = await treeSnapshot(env.home);
      const board = await server.settled(await server.submit(table(env.workdir, [{ step_id: 'ok', ...env.step('CONTRACT-OK') }])));
      const runId = stepOf(board, 'j', 'ok').run_id;
      const state = await artifact(server, runId, 'state');
      expect(state).toMatchObject({ status: 'succeeded', failure_reason: null });
      expect((await artifact(server, runId, 'final')).report).toEqual({ status: 'success', summary: 'all done' });
      if (agent.reportsSessions) {
        expect(state.thread_id).toMatch(/\S/);
        expect(state.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
        expect(state.usage.input_tokens).toBeGreaterThan(0);
        expect(board.usage_by_agent[agent.name]).toMatchObject({ input_tokens: state.usage.input_tokens });
        if (agent.reportsCost) expect(board.usage_by_agent[agent.name].cost_usd).toBeGreaterThan(0);
        expect(env.requests().some((r) => r.userTexts.at(-1)?.includes('CONTRACT-OK'))).toBe(true);
      }
      if (env.secret) {
        for (const [path, content] of [...(await regularFiles(server.runsDir)), ...(await regularFiles(env.workdir))]) {
          expect(content.includes(env.secret), `${path} holds the credential`).toBe(false);
        }
      }
      expect(await treeSnapshot(env.home)).toEqual(homeBefore);
    });

    it('needs attention when the report breaks the output schema', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-SCHEMA', turns: [report('no count')] }]);
      const schema = { type: 'object', required: ['status', 'summary', 'count'], properties: { status: { type: 'string' }, summary: { type: 'string' }, count: { type: 'integer' } } };
      const board = await server.settled(await server.submit(table(env.workdir, [{ step_id: 's', ...env.step('CONTRACT-SCHEMA'), output_schema: schema }])));
      const state = await artifact(server, stepOf(board, 'j', 's').run_id, 'state');
      expect(state).toMatchObject({ status: 'needs_attention', failure_reason: 'schema_invalid' });
      expect(state.message).toMatch(/count/);
    });

    it('fails with the model’s message when the model answers an error', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-ERROR', turns: [{ kind: 'http_error', status: 400, message: 'contract-model-refused' }] }]);
      const board = await server.settled(await server.submit(table(env.workdir, [{ step_id: 'e', ...env.step('CONTRACT-ERROR') }])));
      const state = await artifact(server, stepOf(board, 'j', 'e').run_id, 'state');
      expect(state.status).toBe('failed');
      expect(state.message).toContain('contract-model-refused');
    });

    it('times out when the model never answers, leaving no process', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-HANG', turns: [{ kind: 'hang' }] }]);
      const board = await server.settled(await server.submit(table(env.workdir, [{ step_id: 'h', ...env.step('CONTRACT-HANG'), timeout_seconds: 3 }])));
      const state = await artifact(server, stepOf(board, 'j', 'h').run_id, 'state');
      expect(state).toMatchObject({ status: 'failed', failure_reason: 'timeout' });
      expect(await isProcessAlive(state.pid)).toBe(false);
    });

    it('cancels while running, leaving no process', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-CANCEL', turns: [{ kind: 'hang' }] }]);
      const batchId = await server.submit(table(env.workdir, [{ step_id: 'c', ...env.step('CONTRACT-CANCEL') }]));
      const runId = await eventually(async () => {
        const board = await server.ok('get_scoreboard', { batch_id: batchId });
        const running = board.running.items[0];
        // A model agent is canceled while it waits on the model; a command once it runs.
        return running && (env.requests().length > 0 || agent.name === 'command') ? (running.run_id as string) : undefined;
      }, `${agent.name} to be running`);
      expect(await server.ok('cancel_run', { run_id: runId })).toEqual({ canceled: [runId], already_terminal: [] });
      const state = await artifact(server, runId, 'state');
      expect(state).toMatchObject({ status: 'canceled', failure_reason: 'canceled' });
      expect(await isProcessAlive(state.pid)).toBe(false);
    });

    it('runs the model’s shell tool call in the workspace', async () => {
      const { env, server } = await start([{ when: 'CONTRACT-SHELL', turns: [{ kind: 'shell', cmd: 'echo made-by-the-agent > made.txt' }, report('made it')] }]);
      const board = await server.settled(
        await server.submit(table(env.workdir, [{ step_id: 't', ...env.step('CONTRACT-SHELL'), sandbox: agent.shellSandbox }])),
      );
      expect(stepOf(board, 'j', 't').status).toBe('succeeded');
      expect(await readFile(join(env.workdir, 'made.txt'), 'utf8')).toBe('made-by-the-agent\n');
    });

    if (agent.resumable) {
      it('resumes the conversation in a later step and leaves the source’s store untouched', async () => {
        const { env, server } = await start([
          { when: 'CONTRACT-FIRST', turns: [report('first answer')] },
          { when: 'CONTRACT-SECOND', turns: [report('second answer')] },
        ]);
        const board = await server.settled(
          await server.submit(table(env.workdir, [{ step_id: 'a', ...env.step('CONTRACT-FIRST') }, { step_id: 'b', ...env.step('CONTRACT-SECOND'), resume_from: { step_id: 'a' } }])),
        );
        const a = await artifact(server, stepOf(board, 'j', 'a').run_id, 'state');
        const b = await artifact(server, stepOf(board, 'j', 'b').run_id, 'state');
        expect(b).toMatchObject({ status: 'succeeded', thread_id: a.thread_id, resumed_from: { step_id: 'a', run_id: a.run_id } });
        // The second request carries the first exchange.
        const second = env.requests().find((r) => r.userTexts.at(-1)?.includes('CONTRACT-SECOND'))!;
        expect(second.userTexts.some((t) => t.includes('CONTRACT-FIRST'))).toBe(true);
        expect(second.assistantTexts.join('\n')).toContain('first answer');
        // Each attempt's usage is its own, not the conversation's running total.
        expect(b.usage.input_tokens).toBeLessThan(b.thread_usage.input_tokens);
        // Run the resuming step again: the source's whole attempt directory stays as it was.
        const stepDir = join(server.runsDir, board.batch_id, 'j', 'a');
        const sourceDir = join(stepDir, (await readdir(stepDir)).find((d) => d.endsWith(a.run_id))!);
        const before = await treeSnapshot(sourceDir);
        await server.ok('retry_step', { batch_id: board.batch_id, job_id: 'j', step_id: 'b' });
        const again = await server.settled(board.batch_id);
        expect(stepOf(again, 'j', 'b')).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(await treeSnapshot(sourceDir)).toEqual(before);
      });
    } else {
      it('refuses resume_from at submission', async () => {
        const { env, server } = await start([{ when: 'CONTRACT-OK', turns: [report('ok')] }]);
        const error = await server.error('submit_batch', table(env.workdir, [{ step_id: 'a', ...env.step('CONTRACT-OK') }, { step_id: 'b', ...env.step('CONTRACT-OK'), resume_from: { step_id: 'a' } }]));
        expect(error.text).toMatch(/has no session to resume/);
      });
    }
  });
}
