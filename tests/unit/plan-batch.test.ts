import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaunchTableInvalidError, type ValidationProblem } from '../../src/core/index.js';
import { parseHarnessConfig } from '../../src/config/index.js';
import { planBatch, type PlanContext } from '../../src/launch-table/index.js';

let dir: string;
let ctx: PlanContext;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-plan-'));
  ctx = {
    config: parseHarnessConfig({ default_agent: 'codex', limits: { min_goal_summary_words: 3 } }, 'unit').config,
    agents: new Map([['command', { resumable: false }], ['codex', { resumable: true }]]),
    batchIdTaken: () => undefined,
    now: new Date(),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The problems planBatch finds in a one-job table with these steps and defaults. */
async function problemsOf(steps: unknown[], defaults: unknown = { agent: 'command' }): Promise<ValidationProblem[]> {
  const table = { batch_goal_summary: 'one two three', defaults, jobs: [{ job_id: 'j', working_directory: dir, steps }] };
  const error = await planBatch(table, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LaunchTableInvalidError)) throw new Error(`expected a LaunchTableInvalidError, got ${String(error)}`);
  return error.problems;
}

describe('planBatch on step ids', () => {
  it('refuses a step id that names an entry of the job directory, in any case', async () => {
    const steps = ['workspace', 'Current.json', 'workspace.partial'].map((step_id) => ({ step_id, command: ['true'] }));
    expect(await problemsOf(steps)).toEqual([
      { path: 'jobs[0].steps[0].step_id', message: '`workspace` is reserved: the job directory keeps its workspace under that name' },
      { path: 'jobs[0].steps[1].step_id', message: '`Current.json` is reserved: the job directory keeps its current.json under that name' },
      { path: 'jobs[0].steps[2].step_id', message: '`workspace.partial` is reserved: the job directory keeps its workspace.partial under that name' },
    ]);
  });
});

describe('planBatch on a partly broken job', () => {
  it('says a broken field is broken once, without a second problem that follows from it', async () => {
    expect(await problemsOf([{ step_id: 'a', command: [] }])).toEqual([
      { path: 'jobs[0].steps[0].command', message: expect.stringMatching(/Too small|>=1/) },
    ]);
  });

  it('leaves the checks that hang on the agent alone when the agent is not one', async () => {
    expect(await problemsOf([{ step_id: 'a', agent: 'aider', command: ['true'] }])).toEqual([
      { path: 'jobs[0].steps[0].agent', message: expect.stringMatching(/"command"/) },
    ]);
  });

  it('keeps the well-formed defaults when one of them is broken, so command steps stay command steps', async () => {
    expect(await problemsOf([{ step_id: 'a', command: ['true'] }], { agent: 'command', model: 'gpt' })).toEqual([
      { path: 'defaults', message: expect.stringMatching(/Unrecognized key.*model/) },
    ]);
  });

  it('checks the dependencies of a step whose other fields are broken', async () => {
    const problems = await problemsOf([
      { step_id: 'a', command: ['true'] },
      { step_id: 'b', command: ['true'], timeout_seconds: 'soon', depends_on: ['a', 'not an id', 'ghost'] },
      { step_id: 'c', agent: 'codex', prompt: 'go', resume_from: { step_id: 'gone', selector: 'best' } },
    ]);
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'jobs[0].steps[1].timeout_seconds',
        'jobs[0].steps[1].depends_on[1]',
        'jobs[0].steps[1].depends_on[2]',
        'jobs[0].steps[2].resume_from.selector',
        'jobs[0].steps[2].resume_from.step_id',
      ].sort(),
    );
    expect(problems).toContainEqual({ path: 'jobs[0].steps[1].depends_on[2]', message: '`ghost` is not a step of job `j`' });
    expect(problems).toContainEqual({ path: 'jobs[0].steps[2].resume_from.step_id', message: '`gone` is not a step of job `j`' });
  });
});
