import { execFile } from 'node:child_process';
import { access, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { goal, oneJob, stepOf, tempDir, treeSnapshot, workDirIn } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';

// The test's own git calls see no config of this machine: an identity given on the command line.
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** A git repository with one commit on `main`, and a way to run git in it. */
async function gitRepo(): Promise<{ repo: string; git: (...args: string[]) => Promise<string> }> {
  const repo = await tempDir();
  const git = async (...args: string[]) =>
    (await promisify(execFile)('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { env: GIT_ENV })).stdout;
  await git('init', '-q', '-b', 'main');
  await writeFile(join(repo, 'README'), 'original\n');
  await git('add', 'README');
  await git('commit', '-qm', 'init');
  return { repo, git };
}

/** A table of job `try` in `repo`, run as three variants, each writing its number to v.txt. */
function bestOfThree(repo: string, job: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    batch_goal_summary: goal('variants'),
    defaults: { agent: 'command' },
    idempotency_key: 'best-of-three',
    jobs: [{ job_id: 'try', working_directory: repo, variants: 3, steps: [{ step_id: 'write', command: ['sh', '-c', 'echo "$HARNESS_VARIANT" > v.txt && pwd'] }], ...job }],
  };
}

describe('a job with variants', () => {
  it('runs each variant in its own worktree with its HARNESS_VARIANT, and the scoreboard groups them', async () => {
    const { repo, git } = await gitRepo();
    const server = await InProcessServer.start();
    const table = bestOfThree(repo);
    const first = await server.ok('submit_batch', table);
    expect(first).toMatchObject({ jobs_total: 3, steps_total: 3, deduplicated: false });
    // The same table under the same key is the same batch, variants and all.
    expect(await server.ok('submit_batch', table)).toMatchObject({ batch_id: first.batch_id, deduplicated: true });

    const board = await server.settled(first.batch_id);
    expect(board.counts.succeeded).toBe(3);
    expect(board.variant_groups).toEqual([{ job_id: 'try', variants: ['try.v1', 'try.v2', 'try.v3'] }]);
    const worktrees = await git('worktree', 'list', '--porcelain');
    const roots = new Set<string>();
    for (const k of [1, 2, 3]) {
      const step = stepOf(board, `try.v${k}`, 'write');
      expect(step).toMatchObject({ variant_of: 'try', variant: k });
      const workspace = join(server.runsDir, first.batch_id, `try.v${k}`, 'workspace');
      const meta = JSON.parse((await server.ok('fetch_artifact', { run_id: step.run_id, name: 'meta' })).content);
      expect(meta.workspace).toMatchObject({ policy: 'isolated', branch: `harness/${first.batch_id}/try.v${k}`, root: workspace });
      const ranIn = (await server.ok('fetch_artifact', { run_id: step.run_id, name: 'stdout' })).content.trim();
      expect(ranIn).toBe(await realpath(workspace));
      expect(await readFile(join(workspace, 'v.txt'), 'utf8')).toBe(`${k}\n`);
      expect(worktrees).toContain(`worktree ${workspace}\n`);
      roots.add(ranIn);
    }
    expect(roots.size).toBe(3);
    await expect(access(join(repo, 'v.txt'))).rejects.toThrow(); // the repository's own checkout is untouched

    // The summary answer (what a model polls) keeps the groups.
    const summary = await server.ok('get_scoreboard', { batch_id: first.batch_id });
    expect(summary.variant_groups).toEqual(board.variant_groups);
  });

  it('reads a batch planned before variants existed as ordinary jobs', async () => {
    const work = await workDirIn(await tempDir());
    const first = await InProcessServer.start();
    const batchId = await first.submit(oneJob(work, [{ step_id: 'a', command: ['true'] }]));
    await first.settled(batchId);
    await first.stop();
    // batch_meta.json as a harness without variants wrote it: no `variant` on its jobs.
    const metaFile = join(first.runsDir, batchId, 'batch_meta.json');
    const meta = JSON.parse(await readFile(metaFile, 'utf8'));
    for (const job of meta.jobs) delete job.variant;
    await writeFile(metaFile, JSON.stringify(meta));

    const second = await InProcessServer.start({ runsDir: first.runsDir });
    const board = await second.settled(batchId);
    expect(board.counts.succeeded).toBe(1);
    expect(board.variant_groups).toEqual([]);
    expect(stepOf(board, 'j', 'a')).not.toHaveProperty('variant_of');
    expect(stepOf(board, 'j', 'a')).not.toHaveProperty('variant');
  });
});

describe('submit_batch refuses variants it cannot plan, and writes nothing', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['variants: 0', { variants: 0 }, 'jobs[0].variants', /^is 0; variants must be a whole number from 2 to 16$/],
    ['variants: 1', { variants: 1 }, 'jobs[0].variants', /^is 1; variants must be a whole number from 2 to 16$/],
    ['variants: 17', { variants: 17 }, 'jobs[0].variants', /^is 17; variants must be a whole number from 2 to 16$/],
    ['variants: 2.5', { variants: 2.5 }, 'jobs[0].variants', /^is 2.5; variants must be a whole number from 2 to 16$/],
    ['variants on a shared job', { workspace_policy: 'shared' }, 'jobs[0].variants', /own isolated workspace, but the job asks for workspace_policy `shared`/],
  ];

  it.each(cases)('%s', async (_name, job, path, message) => {
    const { repo, git } = await gitRepo();
    const server = await InProcessServer.start();
    const before = { runs: await treeSnapshot(server.runsDir), refs: await git('for-each-ref'), worktrees: await git('worktree', 'list', '--porcelain') };
    const refused = await server.error('submit_batch', bestOfThree(repo, job));
    expect(refused.code).toBe('launch_table_invalid');
    expect(refused.error?.problems).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect({ runs: await treeSnapshot(server.runsDir), refs: await git('for-each-ref'), worktrees: await git('worktree', 'list', '--porcelain') }).toEqual(before);
  });

  it('a job whose id is one of another job’s variants', async () => {
    const { repo } = await gitRepo();
    const server = await InProcessServer.start();
    const table = bestOfThree(repo) as { jobs: Record<string, unknown>[] };
    table.jobs.push({ job_id: 'try.v2', working_directory: repo, steps: [{ step_id: 's', command: ['true'] }] });
    const before = await treeSnapshot(server.runsDir);
    const refused = await server.error('submit_batch', table);
    expect(refused.error?.problems).toEqual([{ path: 'jobs[1].job_id', message: '`try.v2` is the id of variant 2 of jobs[0] (`try`, variants: 3); rename one of the two jobs' }]);
    expect(await treeSnapshot(server.runsDir)).toEqual(before);
  });
});
