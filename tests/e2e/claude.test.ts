import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeUnderTest } from './agents/agents-under-test.js';
import { report } from './agents/codex-env.js';
import { goal, HarnessServer, stepOf, tempDir } from './servers/harness-server.js';

describe('the claude agent', () => {
  it('does not resume a session recorded in another working directory: needs_attention, saying why', async () => {
    const env = await claudeUnderTest.setup([
      { when: 'PLAN', turns: [report('planned')] },
      { when: 'BUILD', turns: [report('built')] },
    ]);
    // An isolated job works in a copy under the runs root, so moving the store moves the
    // working directory the source's session was recorded in.
    const table = {
      batch_goal_summary: goal(),
      defaults: { agent: 'claude', retries: { max_attempts: 1 } },
      jobs: [{ job_id: 'j', working_directory: env.workdir, workspace_policy: 'isolated', steps: [{ step_id: 'plan', prompt: 'PLAN' }, { step_id: 'build', prompt: 'BUILD', resume_from: { step_id: 'plan' } }] }],
    };
    const first = await HarnessServer.start({ config: env.config, env: env.env });
    const batchId = await first.submit(table);
    expect(stepOf(await first.settled(batchId), 'j', 'build').status).toBe('succeeded');
    await first.stop();

    const moved = join(await tempDir(), 'runs');
    await rename(first.runsDir, moved);
    const second = await HarnessServer.start({ config: env.config, env: env.env, runsDir: moved });
    await second.ok('retry_step', { batch_id: batchId, job_id: 'j', step_id: 'build' });
    const board = await second.settled(batchId);
    const state = JSON.parse((await second.ok('fetch_artifact', { run_id: stepOf(board, 'j', 'build').run_id, name: 'state' })).content);
    expect(state).toMatchObject({ status: 'needs_attention', failure_reason: 'resume_unavailable' });
    expect(state.message).toMatch(/keeps sessions per working directory; session \S+ ran in .*, this attempt runs in /);
    expect(board.attention.items[0]).toMatchObject({ step_id: 'build', failure_reason: 'resume_unavailable' });
  });

  it('bypasses permissions under danger-full-access, telling Claude Code it runs in a sandbox when the server is root', async () => {
    const env = await claudeUnderTest.setup([{ when: 'FREE', turns: [{ kind: 'shell', cmd: 'echo free > free.txt' }, report('done')] }]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const board = await server.settled(
      await server.submit({ batch_goal_summary: goal(), defaults: { agent: 'claude' }, jobs: [{ job_id: 'j', working_directory: env.workdir, steps: [{ step_id: 'f', prompt: 'FREE', sandbox: 'danger-full-access' }] }] }),
    );
    expect(stepOf(board, 'j', 'f').status).toBe('succeeded');
    expect(await readFile(join(env.workdir, 'free.txt'), 'utf8')).toBe('free\n');
    const meta = JSON.parse((await server.ok('fetch_artifact', { run_id: stepOf(board, 'j', 'f').run_id, name: 'meta' })).content);
    expect(meta.argv).toEqual(expect.arrayContaining(['--permission-mode', 'bypassPermissions']));
    if (process.getuid?.() === 0) expect(meta.env.IS_SANDBOX).toBe('1');
    else expect(meta.env.IS_SANDBOX).toBeUndefined();
  });
});
