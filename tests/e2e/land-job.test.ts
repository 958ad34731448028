import { createHash } from 'node:crypto';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LandedFileSchema } from '../../src/core/index.js';
import { eventually, goal, stepOf, tempDir, treeSnapshot } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { gitRepo } from './servers/git-repo.js';

const cleanups: (() => Promise<unknown>)[] = [];
let server: InProcessServer;
beforeAll(async () => {
  server = await InProcessServer.start({ shared: cleanups });
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sh = (script: string) => ['sh', '-c', script];
type Git = (...args: string[]) => Promise<string>;

let batches = 0;
/** Runs one batch of isolated command jobs in a new repository (README on `main`) and waits for it. */
async function ranJobs(jobs: Record<string, string[]>, files: Record<string, string> = { 'a.txt': 'one\n' }) {
  const dir = await tempDir(cleanups);
  const repo = join(dir, 'repo');
  const git = await gitRepo(repo, files);
  const base = (await git('rev-parse', 'HEAD')).trim();
  const batchId = `land${++batches}`;
  await server.submit({
    batch_id: batchId,
    batch_goal_summary: goal(),
    defaults: { agent: 'command' },
    jobs: Object.entries(jobs).map(([jobId, command]) => ({ job_id: jobId, working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 'edit', command }] })),
  });
  const board = await server.settled(batchId);
  for (const jobId of Object.keys(jobs)) expect(stepOf(board, jobId, 'edit').status).toBe('succeeded');
  const tip = async (jobId: string) => (await git('rev-parse', `harness/${batchId}/${jobId}`)).trim();
  return { dir, repo, git, base, batchId, tip };
}

/**
 * Everything a landing could change: refs, HEAD, the index, the work tree (and what it holds
 * untracked), and the batch's directory (not the whole runs root, whose health file the server
 * rewrites whenever it likes).
 */
async function everything(repo: string, git: Git, batchId?: string): Promise<Record<string, unknown>> {
  const tree = await treeSnapshot(repo);
  return {
    refs: await git('for-each-ref', '--format=%(refname) %(objectname)'),
    head: await git('symbolic-ref', 'HEAD'),
    index: createHash('sha256').update(await readFile(join(repo, '.git', 'index'))).digest('hex'),
    status: await git('status', '--porcelain=v1', '--untracked-files=all'),
    files: Object.fromEntries(Object.entries(tree).filter(([path]) => !path.startsWith('/.git/'))),
    runs: batchId ? await treeSnapshot(join(server.runsDir, batchId)) : null,
  };
}

const exists = (path: string) => access(path).then(
  () => true,
  () => false,
);

const landedFile = (batchId: string, jobId: string) => join(server.runsDir, batchId, jobId, 'landed.json');

describe('land_job', () => {
  it('fast-forwards the target and its clean checkout, records landed.json, and shows it on both scoreboards', async () => {
    const { repo, git, base, batchId, tip } = await ranJobs({ fix: sh('echo fixed > a.txt') });
    const branchTip = await tip('fix');
    const landed = await server.ok('land_job', { batch_id: batchId, job_id: 'fix', onto: 'main' });
    expect(landed).toMatchObject({
      batch_id: batchId,
      job_id: 'fix',
      branch: `harness/${batchId}/fix`,
      job_status: 'succeeded',
      dry_run: false,
      onto: 'main',
      strategy: 'merge',
      result: 'fast_forward',
      old_commit: base,
      commit: branchTip,
      branch_commit: branchTip,
      created: false,
    });
    expect(landed.checkout_updated).toBeTruthy();
    expect((await git('rev-parse', 'main')).trim()).toBe(branchTip);
    expect(await readFile(join(repo, 'a.txt'), 'utf8')).toBe('fixed\n');
    expect(await git('status', '--porcelain')).toBe('');

    const file = LandedFileSchema.parse(JSON.parse(await readFile(landedFile(batchId, 'fix'), 'utf8')));
    expect(file).toMatchObject({ batch_id: batchId, job_id: 'fix', branch: `harness/${batchId}/fix`, landings: [{ onto: 'main', result: 'fast_forward', commit: branchTip, landed_at: landed.landed_at }] });
    const board = await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' });
    expect(board.landed).toEqual({ total: 1, items: [{ job_id: 'fix', onto: 'main', strategy: 'merge', result: 'fast_forward', commit: branchTip, landed_at: landed.landed_at, landings: 1 }] });
    const system = await server.ok('get_scoreboard', {});
    expect(system.landings.recent[0]).toEqual({ batch_id: batchId, job_id: 'fix', onto: 'main', commit: branchTip, landed_at: landed.landed_at });

    // Landing it again finds it there, and the history keeps both, newest last.
    expect(await server.ok('land_job', { batch_id: batchId, job_id: 'fix', onto: 'main' })).toMatchObject({ result: 'up_to_date', commit: branchTip });
    const again = JSON.parse(await readFile(landedFile(batchId, 'fix'), 'utf8'));
    expect(again.landings.map((l: any) => l.result)).toEqual(['fast_forward', 'up_to_date']);
  });

  it('merges and squashes onto a target that moved on, with the configured identity', async () => {
    const { repo, git, batchId, tip } = await ranJobs({ m: sh('echo m > m.txt'), s: sh('echo s > s.txt') });
    await writeFile(join(repo, 'other.txt'), 'user\n');
    await git('add', 'other.txt');
    await git('commit', '-qm', 'user work');
    const userTip = (await git('rev-parse', 'main')).trim();

    const merged = await server.ok('land_job', { batch_id: batchId, job_id: 'm', onto: 'main' });
    expect(merged).toMatchObject({ result: 'merge', old_commit: userTip });
    expect((await git('rev-parse', 'main')).trim()).toBe(merged.commit);
    expect((await git('log', '-1', '--format=%P|%an <%ae>|%s', 'main')).trim()).toBe(`${userTip} ${await tip('m')}|harness-mcp <harness@localhost>|Merge branch 'harness/${batchId}/m' into main`);

    const squashed = await server.ok('land_job', { batch_id: batchId, job_id: 's', onto: 'main', strategy: 'squash', message: 'Take s\n' });
    expect(squashed).toMatchObject({ result: 'squash', strategy: 'squash', old_commit: merged.commit });
    expect((await git('log', '-1', '--format=%P|%s', 'main')).trim()).toBe(`${merged.commit}|Take s`);
    expect((await git('ls-tree', '--name-only', 'main')).split('\n').filter(Boolean).sort()).toEqual(['a.txt', 'm.txt', 'other.txt', 's.txt']);
    // The checkout came along both times.
    expect(await readFile(join(repo, 's.txt'), 'utf8')).toBe('s\n');
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('lands two jobs asked for at once onto one branch, the second onto the first’s result', async () => {
    const { git, base, batchId, tip } = await ranJobs({ p: sh('echo p > p.txt'), q: sh('echo q > q.txt') });
    const [p, q] = await Promise.all(['p', 'q'].map((jobId) => server.ok('land_job', { batch_id: batchId, job_id: jobId, onto: 'main' })));
    const [first, second] = p.old_commit === base ? [p, q] : [q, p];
    expect(first).toMatchObject({ result: 'fast_forward', old_commit: base, commit: await tip(first.job_id) });
    expect(second).toMatchObject({ result: 'merge', old_commit: first.commit });
    expect((await git('rev-parse', 'main')).trim()).toBe(second.commit);
    expect((await git('ls-tree', '--name-only', 'main')).split('\n').filter(Boolean).sort()).toEqual(['a.txt', 'p.txt', 'q.txt']);
    expect((await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' })).landed.total).toBe(2);
  });

  it('refuses a conflict, naming the path, and changes nothing', async () => {
    const { repo, git, batchId } = await ranJobs({ c: sh('echo job > a.txt') });
    await writeFile(join(repo, 'a.txt'), 'user\n');
    await git('commit', '-qam', 'user edit');
    const before = await everything(repo, git, batchId);
    for (const strategy of ['merge', 'squash', 'rebase']) {
      const refused = await server.error('land_job', { batch_id: batchId, job_id: 'c', onto: 'main', strategy });
      expect(refused.code).toBe('land_conflict');
      expect(refused.text).toContain('a.txt');
      expect(refused.text).toContain('nothing changed');
    }
    expect(await everything(repo, git, batchId)).toEqual(before);
    expect(await exists(landedFile(batchId, 'c'))).toBe(false);
  });

  it('refuses a dirty checkout of the target and changes nothing', async () => {
    const { repo, git, batchId } = await ranJobs({ d: sh('echo d > d.txt') });
    await writeFile(join(repo, 'a.txt'), 'not committed\n');
    const before = await everything(repo, git, batchId);
    const refused = await server.error('land_job', { batch_id: batchId, job_id: 'd', onto: 'main' });
    expect(refused.code).toBe('land_checkout_dirty');
    expect(refused.text).toContain('a.txt');
    expect(await everything(repo, git, batchId)).toEqual(before);
    expect(await readFile(join(repo, 'a.txt'), 'utf8')).toBe('not committed\n');
  });

  it('answers a dry run with what would happen, and changes nothing', async () => {
    const { repo, git, base, batchId, tip } = await ranJobs({ r: sh('echo r > r.txt') });
    const before = await everything(repo, git, batchId);
    const dry = await server.ok('land_job', { batch_id: batchId, job_id: 'r', onto: 'main', dry_run: true });
    expect(dry).toMatchObject({ dry_run: true, result: 'fast_forward', old_commit: base, commit: await tip('r'), landed_at: null });
    expect(await everything(repo, git, batchId)).toEqual(before);
    expect((await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' })).landed).toEqual({ total: 0, items: [] });
  });

  it('refuses onto a missing branch unless asked to create it, and onto the job’s own branch', async () => {
    const { repo, git, base, batchId, tip } = await ranJobs({ n: sh('echo n > n.txt') });
    await git('commit', '--allow-empty', '-qm', 'main moves on');
    const before = await everything(repo, git, batchId);
    const missing = await server.error('land_job', { batch_id: batchId, job_id: 'n', onto: 'release' });
    expect(missing.code).toBe('land_onto_missing');
    expect(missing.text).toContain('create: true');
    const own = await server.error('land_job', { batch_id: batchId, job_id: 'n', onto: `harness/${batchId}/n` });
    expect(own.code).toBe('land_branch_invalid');
    expect(own.text).toContain("job's own branch");
    expect(await everything(repo, git, batchId)).toEqual(before);

    // Made at the job's base commit, not at main's tip.
    const created = await server.ok('land_job', { batch_id: batchId, job_id: 'n', onto: 'release', create: true });
    expect(created).toMatchObject({ created: true, old_commit: null, result: 'fast_forward', commit: await tip('n') });
    expect((await git('rev-parse', 'release^')).trim()).toBe(base);
  });

  it('refuses a job whose repository or branch is gone, and one with no branch', async () => {
    const { dir, repo, git, batchId } = await ranJobs({ gone: sh('echo g > g.txt'), cut: sh('echo c > c.txt') });
    await git('update-ref', '-d', `refs/heads/harness/${batchId}/cut`);
    const cut = await server.error('land_job', { batch_id: batchId, job_id: 'cut', onto: 'main' });
    expect(cut.code).toBe('land_branch_missing');
    expect(cut.text).toContain(`harness/${batchId}/cut`);

    const moved = join(dir, 'moved');
    await rename(repo, moved);
    const before = await treeSnapshot(join(server.runsDir, batchId));
    const vanished = await server.error('land_job', { batch_id: batchId, job_id: 'gone', onto: 'main' });
    expect(vanished.code).toBe('repo_missing');
    expect(vanished.text).toContain(repo);
    expect(await treeSnapshot(join(server.runsDir, batchId))).toEqual(before);
    await rename(moved, repo);

    // A shared job in git and a job outside git never had a branch.
    const plain = await tempDir(cleanups);
    const shared = await server.submit({
      batch_id: `${batchId}-nobranch`,
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        { job_id: 'shared', working_directory: repo, workspace_policy: 'shared', steps: [{ step_id: 's', command: ['true'] }] },
        { job_id: 'plain', working_directory: plain, workspace_policy: 'isolated', steps: [{ step_id: 's', command: ['true'] }] },
      ],
    });
    await server.settled(shared);
    const noBranch = await server.error('land_job', { batch_id: shared, job_id: 'shared', onto: 'main' });
    expect(noBranch.code).toBe('land_no_branch');
    expect(noBranch.text).toContain('workspace_policy "shared"');
    const outside = await server.error('land_job', { batch_id: shared, job_id: 'plain', onto: 'main' });
    expect(outside.code).toBe('land_no_branch');
    expect(outside.text).toContain('not in a git repository');
    expect((await server.error('land_job', { batch_id: shared, job_id: 'nope', onto: 'main' })).code).toBe('not_found');
  });

  it('refuses while a step of the job can still run', async () => {
    const dir = await tempDir(cleanups);
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'one\n' });
    const release = join(dir, 'release');
    const batchId = await server.submit({
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        {
          job_id: 'busy',
          working_directory: repo,
          workspace_policy: 'isolated',
          steps: [
            { step_id: 'wait', command: sh(`echo w > w.txt; while [ ! -e '${release}' ]; do sleep 0.05; done`) },
            { step_id: 'after', command: ['true'], depends_on: ['wait'] },
          ],
        },
      ],
    });
    await eventually(async () => stepOf(await server.ok('get_scoreboard', { batch_id: batchId, detail: 'full' }), 'busy', 'wait').status === 'running', 'the step to run');
    // The running step's own files may change meanwhile (its heartbeat): the repository and landed.json are what a landing would touch.
    const before = await everything(repo, git);
    for (const dry_run of [false, true]) {
      const refused = await server.error('land_job', { batch_id: batchId, job_id: 'busy', onto: 'main', dry_run });
      expect(refused.code).toBe('illegal_state');
      expect(refused.text).toContain('wait (running), after (blocked)');
    }
    expect(await everything(repo, git)).toEqual(before);
    expect(await exists(landedFile(batchId, 'busy'))).toBe(false);
    await writeFile(release, '');
    await server.settled(batchId);
    expect(await server.ok('land_job', { batch_id: batchId, job_id: 'busy', onto: 'main' })).toMatchObject({ result: 'fast_forward', job_status: 'succeeded' });
  });

  it('is refused by a server that only reads the runs root, which still answers a dry run', async () => {
    const { repo, git, batchId } = await ranJobs({ ro: sh('echo ro > ro.txt') });
    const reader = await InProcessServer.start({ runsDir: server.runsDir });
    try {
      const before = await everything(repo, git, batchId);
      const refused = await reader.error('land_job', { batch_id: batchId, job_id: 'ro', onto: 'main' });
      expect(refused.code).toBe('runs_locked');
      expect(await everything(repo, git, batchId)).toEqual(before);
      expect(await reader.ok('land_job', { batch_id: batchId, job_id: 'ro', onto: 'main', dry_run: true })).toMatchObject({ result: 'fast_forward', landed_at: null });
    } finally {
      await reader.stop();
    }
  });

  it('refuses a job of a batch planned before jobs had branches', async () => {
    const dir = await tempDir(cleanups);
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'one\n' });
    const runsDir = join(dir, 'runs');
    // A root of its own, so that its batch_meta.json can be rewritten as an older server wrote it while no server holds it.
    const first = await InProcessServer.start({ runsDir });
    await first.submit({ batch_id: 'before', batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'old', working_directory: repo, workspace_policy: 'isolated', steps: [{ step_id: 's', command: ['true'] }] }] });
    await first.settled('before');
    await first.stop();
    const metaFile = join(runsDir, 'before', 'batch_meta.json');
    const meta = JSON.parse(await readFile(metaFile, 'utf8'));
    for (const job of meta.jobs) delete job.git;
    await writeFile(metaFile, JSON.stringify(meta));
    const later = await InProcessServer.start({ runsDir });
    try {
      const before = [await everything(repo, git), await treeSnapshot(join(runsDir, 'before'))];
      const refused = await later.error('land_job', { batch_id: 'before', job_id: 'old', onto: 'main' });
      expect(refused.code).toBe('land_no_branch');
      expect(refused.text).toContain('planned before jobs had branches');
      expect([await everything(repo, git), await treeSnapshot(join(runsDir, 'before'))]).toEqual(before);
    } finally {
      await later.stop();
    }
  });
});

describe('compare_variants', () => {
  it('puts three variants side by side, and land_job lands the chosen one', async () => {
    const dir = await tempDir(cleanups);
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'README': 'original\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const batchId = await server.submit({
      batch_id: 'best',
      batch_goal_summary: goal(),
      defaults: { agent: 'command' },
      jobs: [
        {
          job_id: 'try',
          working_directory: repo,
          variants: 3,
          steps: [
            { step_id: 'write', command: sh('seq "$HARNESS_VARIANT" > v.txt') },
            // The "tests": only the second variant's answer passes.
            { step_id: 'test', command: sh('[ "$(wc -l < v.txt)" -eq 2 ]'), depends_on: ['write'] },
          ],
        },
      ],
    });
    await server.settled(batchId);
    const compared = await server.ok('compare_variants', { batch_id: batchId, job_id: 'try' });
    expect(compared.batch_id).toBe('best');
    expect(compared.job_id).toBe('try');
    expect(compared.variants.map((v: any) => [v.job_id, v.variant, v.status, v.branch])).toEqual([
      ['try.v1', 1, 'failed', 'harness/best/try.v1'],
      ['try.v2', 2, 'succeeded', 'harness/best/try.v2'],
      ['try.v3', 3, 'failed', 'harness/best/try.v3'],
    ]);
    for (const [i, v] of compared.variants.entries()) {
      expect(v.changes).toEqual({ files: 1, lines_added: i + 1, lines_removed: 0, source: 'branch' });
      expect(v.commands).toEqual([
        { step_id: 'write', status: 'succeeded', exit_code: 0 },
        { step_id: 'test', status: i === 1 ? 'succeeded' : 'failed', exit_code: i === 1 ? 0 : 1 },
      ]);
      expect(v.summary).toMatch(/^exited [01]$/);
      expect(v.duration_seconds).toBeGreaterThanOrEqual(0);
      // Command steps report no tokens, so there is no cost to give.
      expect(v).toMatchObject({ usage: null, cost_usd: null, landed: null });
    }

    // A failed variant may be landed too; the answer says what it is.
    expect(await server.ok('land_job', { batch_id: batchId, job_id: 'try.v1', onto: 'main', dry_run: true })).toMatchObject({ job_status: 'failed' });
    const landed = await server.ok('land_job', { batch_id: batchId, job_id: 'try.v2', onto: 'main' });
    expect(landed).toMatchObject({ result: 'fast_forward', old_commit: base });
    expect(await readFile(join(repo, 'v.txt'), 'utf8')).toBe('1\n2\n');
    const after = await server.ok('compare_variants', { batch_id: batchId, job_id: 'try' });
    expect(after.variants.map((v: any) => v.landed?.commit ?? null)).toEqual([null, landed.commit, null]);

    const variant = await server.error('compare_variants', { batch_id: batchId, job_id: 'try.v2' });
    expect(variant.code).toBe('invalid_argument');
    expect(variant.text).toContain('compare `try`');
    expect((await server.error('compare_variants', { batch_id: batchId, job_id: 'nope' })).code).toBe('not_found');
    expect((await server.error('compare_variants', { batch_id: 'no-such-batch', job_id: 'try' })).code).toBe('not_found');
  });

  it('says a job that has no variants is not a variant group', async () => {
    const { batchId } = await ranJobs({ single: ['true'] });
    const refused = await server.error('compare_variants', { batch_id: batchId, job_id: 'single' });
    expect(refused.code).toBe('invalid_argument');
    expect(refused.text).toContain('not submitted with `variants`');
  });
});
