import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeUnderTest } from './agents/agents-under-test.js';
import { codexEnv, report } from './agents/codex-env.js';
import { eventually, goal, HarnessServer, stepOf } from './servers/harness-server.js';

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** The processes of a process group that still run (zombies left out: they are dead, only not reaped). */
async function liveMembers(pgid: number): Promise<number[]> {
  const live: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(name));
  }
  return live;
}

async function stateOf(server: HarnessServer, batchId: string, jobId: string, stepId: string, runId: string): Promise<any> {
  const stepDir = join(server.runsDir, batchId, jobId, stepId);
  return json(join(stepDir, (await readdir(stepDir)).find((d) => d.endsWith(runId))!, 'state.json'));
}

describe('budgets, with the real codex CLI against a scripted model', () => {
  it('stops a codex session whose usage crosses its step’s max_tokens mid-run, then holds the rest of the batch until set_budget raises its budget', async () => {
    // Each shell turn reports its own usage; codex only prints usage at the very end, so the
    // harness must read the session's rollout to see the budget crossed after the second turn.
    // The fourth turn never answers: only the budget can end this session before its timeout.
    const env = await codexEnv([
      {
        when: 'SPEND',
        turns: [
          { kind: 'shell', cmd: 'echo one', usage: { input_tokens: 1000, output_tokens: 200 } },
          { kind: 'shell', cmd: 'echo two', usage: { input_tokens: 2000, output_tokens: 300 } },
          { kind: 'shell', cmd: 'echo three', usage: { input_tokens: 3000, output_tokens: 400 } },
          { kind: 'hang' },
        ],
      },
      { when: 'SMALL', turns: [report('small done')] },
    ]);
    // One slot: the spending step runs first and alone, so the others are not started when the budget is spent.
    const server = await HarnessServer.start({ config: env.config, env: env.env, maxConcurrency: 1 });
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      budget: { max_tokens: 3000 },
      defaults: { agent: 'codex', retries: { max_attempts: 2, backoff_seconds: 0.1 } },
      jobs: [
        { job_id: 'a', working_directory: env.workdir, steps: [{ step_id: 'spend', prompt: 'SPEND tokens', timeout_seconds: 120, budget: { max_tokens: 2000 } }] },
        {
          job_id: 'b',
          working_directory: env.workdir,
          steps: [
            { step_id: 'small', prompt: 'SMALL task' },
            { step_id: 'tail', agent: 'command', command: ['true'] },
          ],
        },
      ],
    });

    const board = await server.settled(batchId, 120);
    const spend = stepOf(board, 'a', 'spend');
    expect(spend).toMatchObject({ status: 'failed', attempts: 1 }); // budget_exceeded is not retried
    const state = await stateOf(server, batchId, 'a', 'spend', spend.run_id);
    expect(state.failure_reason).toBe('budget_exceeded');
    expect(state.message).toMatch(/^stopped while running: step `a\/spend`’s max_tokens went over: (3,500|6,900) of 2,000 tokens$/);
    expect(state.usage.input_tokens + state.usage.output_tokens).toBeGreaterThan(2000);
    // The whole process group is gone (codex's launcher and the native binary it runs).
    expect(await eventually(async () => (await liveMembers(state.pid)).length === 0 || undefined, `process group ${state.pid} to end`)).toBe(true);
    const events = await readFile(join(server.runsDir, batchId, 'a', 'spend', (await readdir(join(server.runsDir, batchId, 'a', 'spend'))).find((d) => d.endsWith(spend.run_id))!, 'events.jsonl'), 'utf8');
    expect(events).toContain('"harness.attempt.budget_exceeded"');

    // The batch's budget is spent: the steps not started are held, not for good.
    expect(board.counts).toMatchObject({ failed: 1, blocked: 2, running: 0, ready: 0 });
    for (const stepId of ['small', 'tail']) {
      expect(stepOf(board, 'b', stepId)).toMatchObject({ status: 'blocked', blocked_reasons: ['budget_exhausted: the batch’s max_tokens of 3,000 tokens is spent; set_budget raises it'] });
    }
    expect(board.blocked.items.map((b: any) => [b.step_id, b.final, b.hold])).toEqual([
      ['small', false, 'budget_exhausted'],
      ['tail', false, 'budget_exhausted'],
    ]);
    expect(board.budgets).toMatchObject({
      batch: { budget: { max_tokens: 3000 }, reached: 'max_tokens', spent: { cost_known: false } },
      held: 2,
      cost_unknown: expect.stringMatching(/the cost of codex tokens is unknown/),
    });
    expect(board.budgets.batch.spent.tokens).toBeGreaterThanOrEqual(3500);
    expect(spend.budget).toMatchObject({ budget: { max_tokens: 2000 }, reached: 'max_tokens' });

    // set_budget raises the batch's budget: the held steps run and succeed; the stopped one stays as it ended.
    const raised = await server.ok('set_budget', { batch_id: batchId, max_tokens: 100_000 });
    expect(raised).toEqual({ level: 'batch', budget: { max_tokens: 100_000 }, held_before: 2, held_after: 0 });
    const after = await server.settled(batchId, 120);
    expect(after.counts).toMatchObject({ succeeded: 2, failed: 1, blocked: 0 });
    expect(stepOf(after, 'a', 'spend')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(after.budgets.batch).toMatchObject({ budget: { max_tokens: 100_000 }, reached: null });
    expect(await json(join(server.runsDir, batchId, 'budgets.json'))).toMatchObject({ batch_id: batchId, batch: { max_tokens: 100_000 }, jobs: {}, steps: {} });
  }, 240_000);

  it('passes what is left of a claude step’s max_cost_usd as --max-budget-usd, and ends budget_exceeded when Claude Code stops there', async () => {
    // A million input tokens on the first turn cost dollars at any Claude price: far over a cent.
    const env = await claudeUnderTest.setup([{ when: 'COSTLY', turns: [{ kind: 'shell', cmd: 'echo costly', usage: { input_tokens: 1_000_000, output_tokens: 100 } }, report('done')] }]);
    const server = await HarnessServer.start({ config: env.config, env: env.env });
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'claude', retries: { max_attempts: 2, backoff_seconds: 0.1 } },
      jobs: [{ job_id: 'j', working_directory: env.workdir, steps: [{ step_id: 'c', prompt: 'COSTLY work', budget: { max_cost_usd: 0.01 } }] }],
    });
    const board = await server.settled(batchId, 120);
    const step = stepOf(board, 'j', 'c');
    expect(step).toMatchObject({ status: 'failed', attempts: 1 });
    const state = await stateOf(server, batchId, 'j', 'c', step.run_id);
    expect(state.failure_reason).toBe('budget_exceeded');
    expect(state.message).toMatch(/^the agent stopped at the cost limit it was given \(--max-budget-usd 0\.01, what was left of the step's max_cost_usd\): /);
    const meta = JSON.parse((await server.ok('fetch_artifact', { run_id: step.run_id, name: 'meta' })).content);
    expect(meta.argv).toEqual(expect.arrayContaining(['--max-budget-usd', '0.01']));
    // Claude's own cost is the cost: known, over the step's budget.
    expect(step.budget).toMatchObject({ budget: { max_cost_usd: 0.01 }, reached: 'max_cost_usd', spent: { cost_known: true } });
    expect(board.budgets.cost_unknown).toBeNull();
  }, 240_000);
});
