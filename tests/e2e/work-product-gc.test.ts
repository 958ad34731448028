import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goal, tempDir } from './servers/harness-server.js';
import { InProcessServer } from './servers/in-process-server.js';
import { gitRepo } from './servers/git-repo.js';

const edit = (file: string) => ({ step_id: 'edit', command: ['sh', '-c', `echo work > ${file}`] });

describe('GC and the work product', () => {
  it('removes a batch’s worktrees but keeps its branches with every commit, lists them, and prunes only landed or named ones', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    const server = await InProcessServer.start({ config: { retention_policy: { keep_closed_batches_days: 0 } } });
    const jobs = ['landed', 'kept', 'named'].map((id) => ({ job_id: id, working_directory: repo, workspace_policy: 'isolated', steps: [edit(`${id}.txt`)] }));
    const batchId = await server.submit({ batch_id: 'old', batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs });
    const board = await server.settled(batchId);
    for (const job of ['landed', 'kept', 'named']) {
      // Each job's work is on its branch; a snapshot that failed says why in its events.
      const runId = board.steps.find((s: any) => s.job_id === job).run_id;
      const state = JSON.parse((await server.ok('fetch_artifact', { run_id: runId, name: 'state' })).content);
      const events = (await server.ok('fetch_artifact', { run_id: runId, name: 'events' })).content;
      expect(state.changes, events).toMatchObject({ files: 1 });
    }
    const tips = Object.fromEntries(await Promise.all(['landed', 'kept', 'named'].map(async (j) => [j, (await git('rev-parse', `harness/old/${j}`)).trim()])));

    const dry = await server.ok('gc', { dry_run: true });
    expect(dry.removed.map((r: any) => r.batch_id)).toEqual(['old']);
    expect(dry.branches_left.map((b: any) => [b.branch, b.landed]).sort()).toEqual([
      ['harness/old/kept', false],
      ['harness/old/landed', false],
      ['harness/old/named', false],
    ]);
    await access(join(server.runsDir, 'old')); // a dry run removes nothing

    const done = await server.ok('gc', {});
    await expect(access(join(server.runsDir, 'old'))).rejects.toThrow();
    expect(await git('worktree', 'list', '--porcelain')).not.toContain('old');
    for (const [job, tip] of Object.entries(tips)) {
      expect((await git('rev-parse', `harness/old/${job}`)).trim()).toBe(tip); // every commit stays
      expect(await git('show', `${tip}:${job}.txt`)).toBe('work\n');
    }
    expect(done.branches_left).toHaveLength(3);
    expect(JSON.parse(await readFile(join(server.runsDir, '_system', 'branches_left.json'), 'utf8')).branches).toHaveLength(3);

    // A fast-forward by hand lands one; a name GC did not leave is refused, and nothing is deleted.
    await git('merge', '-q', '--ff-only', 'harness/old/landed');
    const refused = await server.error('gc', { prune_branches: ['harness/old/kept', 'main'] });
    expect(refused.code).toBe('invalid_argument');
    expect(refused.text).toContain('main: not a branch of a batch GC removed');
    expect((await git('branch', '--list', 'harness/*')).split('\n').filter(Boolean)).toHaveLength(3);

    const pruned = await server.ok('gc', { prune_branches: true });
    expect(pruned.branches_pruned.map((b: any) => b.branch)).toEqual(['harness/old/landed']);
    expect(pruned.branches_left.map((b: any) => b.branch).sort()).toEqual(['harness/old/kept', 'harness/old/named']);
    const named = await server.ok('gc', { prune_branches: ['harness/old/named'] });
    expect(named.branches_pruned.map((b: any) => [b.branch, b.landed])).toEqual([['harness/old/named', false]]);
    expect((await git('branch', '--list', 'harness/*')).trim()).toBe('harness/old/kept');
    // A pruned branch takes the harness's marks on it along, so a later batch of the id starts clean.
    expect(await git('for-each-ref', '--format=%(refname)', 'refs/harness/old/named/last', 'refs/harness/old/landed/last', 'refs/harness/old/kept/last')).toBe('refs/harness/old/kept/last\n');
    expect((await git('rev-parse', 'main')).trim()).toBe(tips.landed); // the landed work is on main
    await server.stop();
  });

  it('commits what a worktree still holds before removing it, and deletes no branch someone checked out', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    const server = await InProcessServer.start({ config: { retention_policy: { keep_closed_batches_days: 0 } } });
    const batchId = await server.submit({ batch_id: 'old', batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', steps: [edit('j.txt')] }] });
    await server.settled(batchId);
    // What no snapshot took: a process the agent left behind wrote it after the attempt ended.
    await writeFile(join(server.runsDir, 'old', 'j', 'workspace', 'late.txt'), 'written late\n');
    await server.ok('gc', {});
    expect(await git('log', '-1', '--format=%s', 'harness/old/j')).toBe('gc: what the workspace held when batch old was removed\n');
    expect(await git('show', 'harness/old/j:late.txt')).toBe('written late\n');

    await git('worktree', 'add', '-q', join(dir, 'review'), 'harness/old/j'); // someone looks at the work
    await git('update-ref', 'refs/heads/main', 'harness/old/j'); // and lands it by hand
    const refused = await server.error('gc', { prune_branches: ['harness/old/j'] });
    expect(refused.text).toMatch(/harness\/old\/j is not deleted: it is checked out in .*review/);
    expect((await server.ok('gc', { prune_branches: true })).branches_pruned).toEqual([]);
    expect((await git('branch', '--list', 'harness/*')).trim()).toMatch(/harness\/old\/j$/);
    await server.stop();
  });

  it('keeps whole a batch whose worktree it cannot record, says why, and removes the others', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'work');
    await gitRepo(repo, { 'a.txt': 'a\n' });
    const server = await InProcessServer.start({ config: { retention_policy: { keep_closed_batches_days: 0 } } });
    for (const batch of ['broken', 'fine']) {
      await server.submit({ batch_id: batch, batch_goal_summary: goal(), defaults: { agent: 'command' }, jobs: [{ job_id: 'j', working_directory: repo, workspace_policy: 'isolated', steps: [edit('j.txt')] }] });
      await server.settled(batch);
    }
    await writeFile(join(server.runsDir, 'broken', 'j', 'workspace', '.git'), 'gitdir: /nowhere\n'); // an agent rewrote it
    const done = await server.ok('gc', {});
    expect(done.removed.map((r: any) => r.batch_id)).toEqual(['fine']);
    expect(done.refused).toEqual([{ batch_id: 'broken', reason: expect.stringMatching(/could not commit what .*broken.*workspace holds before removing it: .*is no longer the worktree of/) }]);
    await access(join(server.runsDir, 'broken', 'j', 'workspace', 'j.txt')); // kept whole
    expect(done.branches_left.map((b: any) => b.branch)).toEqual(['harness/fine/j']);
    await server.stop();
  });
});

