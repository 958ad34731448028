import { readdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goal, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

const cleanups: (() => Promise<unknown>)[] = [];
let server: InProcessServer;
let workdir: string;
let takenRunId: string;

const LIMITS = { max_jobs_per_batch: 2, max_steps_per_job: 3, max_prompt_bytes: 100, min_goal_summary_words: 150 };

beforeAll(async () => {
  server = await InProcessServer.start({
    shared: cleanups,
    config: { limits: LIMITS, launch_table_overrides: { allowed_defaults: ['timeout_seconds', 'agent'] } },
  });
  workdir = await tempDir(cleanups);
  await writeFile(join(workdir, 'a-file'), 'not a directory');
  await symlink(dirname(server.runsDir), join(workdir, 'link-to-server'));
  // A batch that exists, for the "unique in the store" rule.
  await server.submit(table({ batch_id: 'taken' }));
  takenRunId = (await server.settled('taken')).steps[0].run_id;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A valid table; `change` breaks it in one place. */
function table(overrides: Record<string, unknown> = {}, change?: (t: any) => void): any {
  const t: any = {
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    jobs: [
      {
        job_id: 'j',
        working_directory: workdir,
        steps: [
          { step_id: 'a', command: ['true'] },
          { step_id: 'b', command: ['true'], depends_on: ['a'] },
        ],
      },
    ],
    ...overrides,
  };
  change?.(t);
  return t;
}

/** Submits a bad table and proves it was refused with `path` named and nothing written. */
async function expectRefused(bad: unknown, path: string, message: RegExp) {
  const before = await treeSnapshot(server.runsDir);
  const { code, error, text } = await server.error('submit_batch', bad as Record<string, unknown>);
  expect(code).toBe('launch_table_invalid');
  const problems = error?.problems ?? [];
  expect(problems, text).toContainEqual({ path, message: expect.stringMatching(message) });
  const after = await treeSnapshot(server.runsDir);
  expect(Object.keys(after).filter((k) => !(k in before)), "new files").toEqual([]);
  expect(after).toEqual(before);
  return problems;
}

describe('submit_batch refuses a bad launch table, names every problem and writes nothing', () => {
  const cases: [string, (t: any) => void, string, RegExp][] = [
    ['a job id that climbs out of runs/', (t) => (t.jobs[0].job_id = '../x'), 'jobs[0].job_id', /must match/],
    ['a step id with a path separator', (t) => (t.jobs[0].steps[0].step_id = 'a/b'), 'jobs[0].steps[0].step_id', /must match/],
    ['an id with `..` inside', (t) => (t.jobs[0].job_id = 'a..b'), 'jobs[0].job_id', /must not contain `\.\.`/],
    ['a control character in an id', (t) => (t.jobs[0].job_id = 'a\u0001b'), 'jobs[0].job_id', /must match/],
    ['a Windows-reserved batch id', (t) => (t.batch_id = 'CON'), 'batch_id', /Windows-reserved/],
    ['an id of 65 characters', (t) => (t.jobs[0].job_id = 'x'.repeat(65)), 'jobs[0].job_id', /must match/],
    ['a batch id already in the store', (t) => (t.batch_id = 'taken'), 'batch_id', /`taken` is already in the store/],
    ['a batch id that differs from one in the store only by case', (t) => (t.batch_id = 'Taken'), 'batch_id', /`Taken` differs from `taken`, already in the store, only by case/],
    ['two jobs with one id', (t) => t.jobs.push({ ...t.jobs[0] }), 'jobs[1].job_id', /also the id of jobs\[0\]/],
    ['two jobs whose ids differ only by case', (t) => t.jobs.push({ ...t.jobs[0], job_id: 'J' }), 'jobs[1].job_id', /`J` differs from jobs\[0\]'s `j` only by case/],
    ['two steps whose ids differ only by case', (t) => t.jobs[0].steps.push({ step_id: 'A', command: ['true'] }), 'jobs[0].steps[2].step_id', /`A` differs from steps\[0\]'s `a` only by case/],
    ['two steps with one id', (t) => t.jobs[0].steps.push({ step_id: 'a', command: ['true'] }), 'jobs[0].steps[2].step_id', /also the id of steps\[0\]/],
    ['a dependency on an unknown step', (t) => (t.jobs[0].steps[1].depends_on = ['nope']), 'jobs[0].steps[1].depends_on[0]', /`nope` is not a step of job `j`/],
    ['a step that depends on itself', (t) => (t.jobs[0].steps[1].depends_on = ['b']), 'jobs[0].steps[1].depends_on[0]', /cannot depend on itself/],
    ['a cycle', (t) => (t.jobs[0].steps[0].depends_on = ['b']), 'jobs[0].steps', /cycle: (a → b → a|b → a → b)/],
    ['resume_from an unknown step', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'zz' }), 'jobs[0].steps[1].resume_from.step_id', /not a step/],
    ['selector run_id without run_id', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'a', selector: 'run_id' }), 'jobs[0].steps[1].resume_from.run_id', /needs `run_id`/],
    ['run_id with another selector', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'a', selector: 'latest', run_id: '0123456789abcdef' }), 'jobs[0].steps[1].resume_from.selector', /must be `run_id`/],
    ['resume_from a run of another batch', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'a', selector: 'run_id', run_id: takenRunId }), 'jobs[0].steps[1].resume_from.run_id', /is an attempt of batch `taken`, step j\/a; resume_from resumes only attempts of its source step in this batch/],
    ['an unknown selector', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'a', selector: 'best' }), 'jobs[0].steps[1].resume_from.selector', /latest_successful/],
    ['resume_from on a command step', (t) => (t.jobs[0].steps[1].resume_from = { step_id: 'a' }), 'jobs[0].steps[1].resume_from', /no session to resume/],
    ['a working directory that does not exist', (t) => (t.jobs[0].working_directory = '/no/such/dir'), 'jobs[0].working_directory', /does not exist/],
    ['a relative working directory', (t) => (t.jobs[0].working_directory = 'repo'), 'jobs[0].working_directory', /absolute/],
    ['a working directory that holds the runs root', (t) => (t.jobs[0].working_directory = dirname(server.runsDir)), 'jobs[0].working_directory', /holds the runs root .*: a step could write the harness's own files .*runs dir outside every working directory/],
    ['a working directory inside the runs root', (t) => (t.jobs[0].working_directory = join(server.runsDir, '_system')), 'jobs[0].working_directory', /is inside the runs root .*give a working directory outside it/],
    ['a working directory that holds the runs root, named through a symlink', (t) => (t.jobs[0].working_directory = join(workdir, 'link-to-server')), 'jobs[0].working_directory', /holds the runs root/],
    ['a working directory that is a file', (t) => (t.jobs[0].working_directory = join(workdir, 'a-file')), 'jobs[0].working_directory', /not a directory/],
    ['more jobs than limits.max_jobs_per_batch', (t) => t.jobs.push({ ...t.jobs[0], job_id: 'k' }, { ...t.jobs[0], job_id: 'l' }), 'jobs', /at most 2 .*max_jobs_per_batch/],
    ['more steps than limits.max_steps_per_job', (t) => t.jobs[0].steps.push({ step_id: 'c', command: ['true'] }, { step_id: 'd', command: ['true'] }), 'jobs[0].steps', /at most 3 .*max_steps_per_job/],
    ['a prompt over limits.max_prompt_bytes', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'codex', prompt: 'é'.repeat(60) }), 'jobs[0].steps[0].prompt', /120 bytes; at most 100/],
    ['a goal summary that is too short', (t) => (t.batch_goal_summary = 'fix it'), 'batch_goal_summary', /has 2 words; at least 150/],
    ['a default the harness config does not allow', (t) => (t.defaults.retries = { max_attempts: 5 }), 'defaults.retries', /does not let a batch override `retries`/],
    ['an unknown key in defaults', (t) => (t.defaults.model = 'gpt'), 'defaults', /Unrecognized key.*model/],
    ['a misspelt step key', (t) => (t.jobs[0].steps[1].dependson = ['a']), 'jobs[0].steps[1]', /Unrecognized key.*dependson/],
    ['no jobs', (t) => (t.jobs = []), 'jobs', /at least 1|>=1/],
    ['no goal summary', (t) => delete t.batch_goal_summary, 'batch_goal_summary', /expected string/],
    ['a command step without a command', (t) => delete t.jobs[0].steps[0].command, 'jobs[0].steps[0].command', /needs `command`/],
    ['a command step with a prompt', (t) => (t.jobs[0].steps[0].prompt = 'hi'), 'jobs[0].steps[0].prompt', /takes `command`, not `prompt`/],
    ['an agent that does not exist', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'aider', prompt: 'plan' }), 'jobs[0].steps[0].agent', /"codex"\|"claude"\|"gemini"\|"command"/],
    ['an empty program', (t) => (t.jobs[0].steps[0].command = ['']), 'jobs[0].steps[0].command[0]', /the program to run is empty/],
    ['a NUL in an argument', (t) => (t.jobs[0].steps[0].command = ['echo', 'a\u0000b']), 'jobs[0].steps[0].command[1]', /NUL character cannot be passed/],
    ['a NUL in an env value', (t) => (t.jobs[0].steps[0].env = { GREETING: 'hi\u0000there' }), 'jobs[0].steps[0].env.GREETING', /NUL character cannot be passed/],
    ['an env value past the system limit', (t) => (t.jobs[0].steps[0].env = { BIG: 'x'.repeat(131072) }), 'jobs[0].steps[0].env.BIG', /131077 bytes with its terminator; the system takes at most 131072 per variable/],
    ['a HARNESS_ variable in env', (t) => (t.jobs[0].steps[0].env = { HARNESS_RUN_ID: 'x' }), 'jobs[0].steps[0].env.HARNESS_RUN_ID', /set by the harness/],
    ['an output_schema that is not JSON Schema', (t) => (t.jobs[0].steps[0].output_schema = { type: 'nonsense' }), 'jobs[0].steps[0].output_schema', /not a usable JSON Schema/],
    ['a negative timeout', (t) => (t.jobs[0].steps[0].timeout_seconds = -1), 'jobs[0].steps[0].timeout_seconds', /expected number to be >0|Too small/i],
    ['a fallback agent that does not exist', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'codex', prompt: 'p', fallback_agent: 'aider' }), 'jobs[0].steps[0].fallback_agent', /"codex"\|"claude"\|"gemini"\|"command"/],
    ['a fallback agent that is the step’s own', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'codex', prompt: 'p', fallback_agent: 'codex' }), 'jobs[0].steps[0].fallback_agent', /is the step’s own agent \(`codex`\)/],
    ['a fallback agent on a step that resumes', (t) => (t.jobs[0].steps = [{ step_id: 'a', agent: 'codex', prompt: 'p' }, { step_id: 'b', agent: 'codex', prompt: 'q', resume_from: { step_id: 'a' }, fallback_agent: 'claude' }]), 'jobs[0].steps[1].fallback_agent', /resume_from continues its agent’s session/],
    ['a command step with a fallback agent', (t) => (t.jobs[0].steps[0].fallback_agent = 'claude'), 'jobs[0].steps[0].fallback_agent', /neither the step nor its fallback may be a command step/],
    ['fallback_after_seconds without a fallback agent', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'codex', prompt: 'p', fallback_after_seconds: 60 }), 'jobs[0].steps[0].fallback_after_seconds', /needs `fallback_agent`/],
    ['a fallback wait that is not a positive number', (t) => (t.jobs[0].steps[0] = { step_id: 'a', agent: 'codex', prompt: 'p', fallback_agent: 'claude', fallback_after_seconds: 0 }), 'jobs[0].steps[0].fallback_after_seconds', /expected number to be >0|Too small/i],
  ];

  it.each(cases)('%s', async (_name, change, path, message) => {
    await expectRefused(table({}, change), path, message);
  });

  it('reports every problem of a table at once', async () => {
    const problems = await expectRefused(
      table({ batch_goal_summary: 'short' }, (t) => {
        t.jobs[0].job_id = '../up';
        t.jobs[0].steps[1].depends_on = ['ghost'];
        t.jobs.push({ job_id: 'k', working_directory: '/nope', steps: [{ step_id: 'x', command: ['true'], depends_on: ['x'] }] });
      }),
      'batch_goal_summary',
      /at least 150/,
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['batch_goal_summary', 'jobs[0].job_id', 'jobs[0].steps[1].depends_on[0]', 'jobs[1].steps[0].depends_on[0]', 'jobs[1].working_directory'].sort(),
    );
  });

  it('refuses arguments that are not an object of the right shape', async () => {
    await expectRefused({ jobs: 'all of them' }, 'jobs', /expected array/);
  });

  it('takes one of two batch ids that differ only by case when they arrive together, and keeps it whole', async () => {
    const answers = await Promise.all(['Twin', 'twin'].map((id) => server.call('submit_batch', table({ batch_id: id }))));
    const accepted = answers.filter((a) => !a.isError).map((a) => (a.structuredContent as { batch_id: string }).batch_id);
    const refused = answers.filter((a) => a.isError).map((a) => (a.content as { text: string }[])[0]!.text);
    expect(accepted).toHaveLength(1);
    expect(refused).toEqual([expect.stringMatching(/^(batch_exists|launch_table_invalid): .*(already in the store|only by case)/s)]);
    await server.settled(accepted[0]!);
    expect((await readdir(server.runsDir)).filter((name) => name.toLowerCase() === 'twin')).toEqual(accepted);
  });

  it('accepts the same table once its problem is fixed, and writes batch_meta.json once', async () => {
    const before = Object.keys(await treeSnapshot(server.runsDir));
    const batchId = await server.submit(table({ batch_id: 'fixed' }));
    await server.settled(batchId);
    const after = Object.keys(await treeSnapshot(server.runsDir));
    expect(after.filter((p) => !before.includes(p))).toContain('/fixed/batch_meta.json');
  });
});

describe('one round of validation', () => {
  it('answers every problem of a table at once, those of a job whose shape is broken too, and writes nothing', async () => {
    const own: (() => Promise<unknown>)[] = [];
    try {
      const strict = await InProcessServer.start({
        shared: own,
        config: { limits: { max_jobs_per_batch: 3, max_steps_per_job: 5, max_prompt_bytes: 100 }, launch_table_overrides: { allowed_defaults: ['agent'] } },
      });
      await strict.client.listTools(); // as every real client does: results are checked against the output schemas
      const dir = await tempDir(own);
      const before = await treeSnapshot(strict.runsDir);
      const bad = {
        batch_goal_summary: 'fix it',
        priority: 1,
        defaults: { agent: 'command', retries: { max_attempts: 5 } },
        jobs: [
          {
            job_id: 'bad id!',
            working_directory: 'relative/dir',
            workspace: 'x',
            steps: [
              { step_id: 'a', command: [] },
              { step_id: 'a', command: ['true'] },
              { step_id: 'b', command: ['true'], depends_on: ['ghost'] },
              { step_id: 'c', command: ['true'], depends_on: ['d'] },
              { step_id: 'd', command: ['true'], depends_on: ['c'] },
              { step_id: 'e', agent: 'codex', prompt: 'é'.repeat(60), resume_from: { step_id: 'nope' } },
              { step_id: 'f', command: ['true'], dependson: ['a'] },
              { step_id: 'g/h', command: ['true'] },
              { step_id: 'i', command: ['true'], timeout_seconds: -1, env: { HARNESS_RUN_ID: 'x' } },
            ],
          },
          { job_id: 'k', working_directory: join(dir, 'missing'), steps: [{ step_id: 'x', command: ['true'] }] },
          { job_id: 'k', working_directory: dir, steps: [{ step_id: 'y', command: ['true'] }] },
        ],
      };
      const result = await strict.call('submit_batch', bad);
      expect(result.isError).toBe(true);
      const text = (result.content as { text: string }[]).map((c) => c.text).join('\n');
      // One problem a line, `- path: message`, after the line that says how many.
      const problems = [...text.matchAll(/^- (\S+): (.*)$/gm)].map(([, path, message]) => ({ path, message }));
      const expected: [string, RegExp][] = [
        ['(root)', /Unrecognized key.*priority/],
        ['batch_goal_summary', /has 2 words/],
        ['defaults.retries', /does not let a batch override `retries`/],
        ['jobs[0]', /Unrecognized key.*workspace/],
        ['jobs[0].job_id', /must match/],
        ['jobs[0].working_directory', /must be an absolute path/],
        ['jobs[0].steps', /at most 5 .*max_steps_per_job/],
        ['jobs[0].steps', /cycle: (c → d → c|d → c → d)/],
        ['jobs[0].steps[0].command', /Too small|>=1/],
        ['jobs[0].steps[1].step_id', /`a` is also the id of steps\[0\]/],
        ['jobs[0].steps[2].depends_on[0]', /`ghost` is not a step of jobs\[0\]/],
        ['jobs[0].steps[5].prompt', /120 bytes; at most 100/],
        ['jobs[0].steps[5].resume_from.step_id', /`nope` is not a step/],
        ['jobs[0].steps[6]', /Unrecognized key.*dependson/],
        ['jobs[0].steps[7].step_id', /must match/],
        ['jobs[0].steps[8].timeout_seconds', /Too small|>0/],
        ['jobs[0].steps[8].env.HARNESS_RUN_ID', /set by the harness/],
        ['jobs[1].working_directory', /does not exist/],
        ['jobs[2].job_id', /`k` is also the id of jobs\[1\]/],
      ];
      expect(text).toMatch(new RegExp(`^launch_table_invalid: .*${expected.length} problems`));
      expect(problems, text).toHaveLength(expected.length);
      for (const [path, message] of expected) expect(problems, text).toContainEqual({ path, message: expect.stringMatching(message) });
      expect(await treeSnapshot(strict.runsDir)).toEqual(before);
    } finally {
      for (const cleanup of own.reverse()) await cleanup();
    }
  });
});
