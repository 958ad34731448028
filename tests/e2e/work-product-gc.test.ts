import { access, readFile } from 'node:fs/promises';
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
    await server.settled(batchId);
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
    expect((await git('rev-parse', 'main')).trim()).toBe(tips.landed); // the landed work is on main
    await server.stop();
  });
});
