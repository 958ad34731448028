import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchMetaSchema, LaunchTableInvalidError, type ValidationProblem } from '../../src/core/index.js';
import { parseHarnessConfig } from '../../src/config/index.js';
import { planBatch, type PlanContext } from '../../src/launch-table/index.js';

let dir: string;
let ctx: PlanContext;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-variants-'));
  ctx = {
    config: parseHarnessConfig({ default_agent: 'codex', limits: { min_goal_summary_words: 3, max_jobs_per_batch: 20 } }, 'unit').config,
    agents: new Map([['command', { resumable: false }], ['codex', { resumable: true }]]),
    batchIdTaken: () => undefined,
    now: new Date(),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A job `fix` of a codex plan, a codex build resuming it, and a command test after both. */
function fixJob(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    job_id: 'fix',
    working_directory: dir,
    steps: [
      { step_id: 'plan', prompt: 'Plan fix number {{variant}}; {{variant}} again' },
      { step_id: 'build', prompt: 'Build it', resume_from: { step_id: 'plan' }, env: { MODE: 'fast' } },
      { step_id: 'test', agent: 'command', command: ['npm', 'test'], depends_on: ['build'] },
    ],
    ...extra,
  };
}

function tableOf(...jobs: Record<string, unknown>[]): Record<string, unknown> {
  return { batch_goal_summary: 'one two three', jobs };
}

async function problemsOf(table: Record<string, unknown>): Promise<ValidationProblem[]> {
  const error = await planBatch(table, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LaunchTableInvalidError)) throw new Error(`expected a LaunchTableInvalidError, got ${String(error)}`);
  return error.problems;
}

describe('a job with variants', () => {
  it('is planned as N isolated jobs <job_id>.v1 … .vN with the same steps, told apart by HARNESS_VARIANT and {{variant}}', async () => {
    const planned = await planBatch(tableOf(fixJob({ variants: 3 })), ctx);
    expect(planned.jobs.map((j) => j.job_id)).toEqual(['fix.v1', 'fix.v2', 'fix.v3']);
    for (const [i, job] of planned.jobs.entries()) {
      const k = String(i + 1);
      expect(job.workspace_policy).toBe('isolated');
      expect(job.variant).toEqual({ of: 'fix', index: i + 1, count: 3 });
      expect(job.steps.map((s) => s.step_id)).toEqual(['plan', 'build', 'test']);
      const [plan, build, test] = job.steps;
      expect(plan!.prompt).toBe(`Plan fix number ${k}; ${k} again`);
      expect(build!.prompt).toBe('Build it');
      for (const step of job.steps) expect(step.env.HARNESS_VARIANT).toBe(k);
      expect(build!.env).toEqual({ MODE: 'fast', HARNESS_VARIANT: k });
      // Steps name steps of their own job, so the references hold in every variant unchanged.
      expect(build!.resume_from).toEqual({ step_id: 'plan', selector: 'latest_successful', run_id: null });
      expect(build!.depends_on).toEqual(['plan']);
      expect(test!.depends_on).toEqual(['build']);
    }
  });

  it('takes an explicit workspace_policy isolated, and leaves the other jobs of the table as they are', async () => {
    const planned = await planBatch(tableOf(fixJob({ variants: 2, workspace_policy: 'isolated' }), fixJob({ job_id: 'plain' })), ctx);
    expect(planned.jobs.map((j) => [j.job_id, j.workspace_policy, j.variant?.index ?? null])).toEqual([
      ['fix.v1', 'isolated', 1],
      ['fix.v2', 'isolated', 2],
      ['plain', 'shared', null],
    ]);
    const plain = planned.jobs[2]!;
    // {{variant}} means nothing outside a variant job: the prompt is run as written.
    expect(plain.steps[0]!.prompt).toBe('Plan fix number {{variant}}; {{variant}} again');
    expect(plain.steps.some((s) => 'HARNESS_VARIANT' in s.env)).toBe(false);
  });

  it('counts each variant against limits.max_jobs_per_batch', async () => {
    expect(await problemsOf(tableOf(fixJob({ variants: 16 }), fixJob({ job_id: 'other', variants: 4 }), fixJob({ job_id: 'plain' })))).toEqual([
      { path: 'jobs', message: 'has 21 jobs once variants are expanded; at most 20 are allowed (limits.max_jobs_per_batch)' },
    ]);
  });
});

describe('variants that cannot be planned', () => {
  it.each([0, 1, 17, 2.5, '3', null])('refuses variants: %j at its JSON path', async (variants) => {
    expect(await problemsOf(tableOf(fixJob({ variants })))).toEqual([
      { path: 'jobs[0].variants', message: `is ${JSON.stringify(variants)}; variants must be a whole number from 2 to 16` },
    ]);
  });

  it('refuses variants on a job that asks for a shared workspace', async () => {
    expect(await problemsOf(tableOf(fixJob({ variants: 3, workspace_policy: 'shared' })))).toEqual([
      {
        path: 'jobs[0].variants',
        message: 'runs each of the 3 variants in its own isolated workspace, but the job asks for workspace_policy `shared`; drop workspace_policy or set it to `isolated`',
      },
    ]);
  });

  it('refuses a job id whose last variant id would be longer than an id may be', async () => {
    const long = 'x'.repeat(61);
    expect(await problemsOf(tableOf(fixJob({ job_id: long, variants: 16 })))).toEqual([
      { path: 'jobs[0].job_id', message: `with variants: 16, the last variant's id \`${long}.v16\` must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$; shorten the job id` },
    ]);
    // Nine variants fit: `.v9` makes 64 characters.
    expect((await planBatch(tableOf(fixJob({ job_id: long, variants: 9 })), ctx)).jobs.at(-1)!.job_id).toHaveLength(64);
  });

  it('refuses a job whose id is the id of another job’s variant, whichever comes first', async () => {
    const taken = { path: 'jobs[1].job_id', message: '`fix.v2` is the id of variant 2 of jobs[0] (`fix`, variants: 3); rename one of the two jobs' };
    expect(await problemsOf(tableOf(fixJob({ variants: 3 }), fixJob({ job_id: 'fix.v2' })))).toEqual([taken]);
    expect(await problemsOf(tableOf(fixJob({ job_id: 'fix.v2' }), fixJob({ variants: 3 })))).toEqual([
      { path: 'jobs[0].job_id', message: '`fix.v2` is the id of variant 2 of jobs[1] (`fix`, variants: 3); rename one of the two jobs' },
    ]);
  });

  it('refuses a job whose id differs from a variant’s only by case', async () => {
    expect(await problemsOf(tableOf(fixJob({ variants: 3 }), fixJob({ job_id: 'FIX.V3', variants: 2 })))).toEqual([
      {
        path: 'jobs[1].job_id',
        message: '`FIX.V3` differs only by case from `fix.v3`, the id of variant 3 of jobs[0] (`fix`, variants: 3), and ids name directories, which a case-insensitive filesystem would share; rename one of the two jobs',
      },
    ]);
  });

  it('lets a job named like a variant stand when no job expands into it', async () => {
    const planned = await planBatch(tableOf(fixJob({ variants: 2 }), fixJob({ job_id: 'fix.v3' })), ctx);
    expect(planned.jobs.map((j) => j.job_id)).toEqual(['fix.v1', 'fix.v2', 'fix.v3']);
    expect(planned.jobs[2]!.variant).toBeNull();
  });
});

describe('batch_meta.json written before variants', () => {
  it('reads a planned job without `variant` as an ordinary job', async () => {
    const planned = await planBatch(tableOf(fixJob()), ctx);
    const { variant: _variant, ...older } = planned.jobs[0]!;
    const meta = BatchMetaSchema.parse({
      batch_id: 'old',
      spec_version: null,
      submitted_at: '2026-11-01T00:00:00.000Z',
      harness_config_version: 'v',
      batch_goal_summary: 'one two three',
      launch_table_sha256: planned.launchTableSha256,
      idempotency_key: null,
      launch_table: planned.launchTable,
      effective_defaults: planned.effectiveDefaults,
      jobs: [older],
    });
    expect(meta.jobs[0]!.variant).toBeNull();
  });
});
