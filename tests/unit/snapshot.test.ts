import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCommits, openSnapshotSpace, takeSnapshot } from '../../src/workproduct/index.js';
import { tempDir } from '../e2e/servers/harness-server.js';
import { gitRepo, writeFiles } from '../e2e/servers/git-repo.js';

const identity = { name: 'harness-mcp', email: 'harness@localhost' };
const BINARY = Buffer.from([0, 1, 2, 3, 255, 0, 7]);

describe('snapshots of a workspace', () => {
  it('records edits, additions, deletions, renames, binary and mode changes as one commit matching git diff, leaving the index alone', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n', 'old-name.txt': 'same content\nkept\nhere\n', 'run.sh': 'echo hi\n', 'img.bin': BINARY, '.gitignore': 'ignored/\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, branch: null, privateGitDir: join(dir, 'private.git') });
    await git('add', 'a.txt'); // the agent's own staging, which must survive
    const indexBefore = await readFile(join(repo, '.git', 'index'));

    await writeFile(join(repo, 'a.txt'), 'one\n2\nthree\nfour\n');
    await rm(join(repo, 'gone.txt'));
    await rename(join(repo, 'old-name.txt'), join(repo, 'new-name.txt'));
    await chmod(join(repo, 'run.sh'), 0o755);
    await writeFiles(repo, { 'new/added.txt': 'x\ny\n', 'img.bin': Buffer.concat([BINARY, BINARY]), 'ignored/cache.txt': 'not recorded\n' });

    const head = await takeSnapshot(space, { indexFile: join(dir, 'snapshot.index'), message: 'step attempt 1: done\n\nHarness-Run: r\n', identity });
    expect(head).not.toBe(base);
    expect((await git('rev-parse', 'HEAD')).trim()).toBe(base); // no branch moved
    expect(await readFile(join(repo, '.git', 'index'))).toEqual(indexBefore);

    const diff = await diffCommits(space.target, base, head);
    const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
    expect(byPath['a.txt']).toMatchObject({ status: 'modified', lines_added: 2, lines_removed: 1, binary: false });
    expect(byPath['gone.txt']).toMatchObject({ status: 'deleted', lines_removed: 1 });
    expect(byPath['new-name.txt']).toMatchObject({ status: 'renamed', old_path: 'old-name.txt', lines_added: 0, lines_removed: 0 });
    expect(byPath['run.sh']).toMatchObject({ status: 'mode' });
    expect(byPath['img.bin']).toMatchObject({ status: 'modified', binary: true });
    expect(byPath['new/added.txt']).toMatchObject({ status: 'added', lines_added: 2 });
    expect(byPath['ignored/cache.txt']).toBeUndefined();
    expect(diff.totals).toEqual({ files: 6, lines_added: 4, lines_removed: 2 });
    expect(diff.patch).toBe(await git('diff', '--no-color', base, head));
    expect(diff.patch).toContain('Binary files a/img.bin and b/img.bin differ');
    expect(await git('log', '-1', '--format=%an <%ae>%n%B', head)).toBe('harness-mcp <harness@localhost>\nstep attempt 1: done\n\nHarness-Run: r\n\n');
  });

  it('makes no commit when nothing changed, and keeps the snapshots of a plain directory in a private repository', async () => {
    const dir = await tempDir();
    const plain = join(dir, 'plain');
    await mkdir(plain);
    await writeFiles(plain, { 'keep.txt': 'k\n' });
    const space = await openSnapshotSpace({ root: plain, inGitRepo: false, branch: null, privateGitDir: join(dir, 'snapshots.git') });
    const indexFile = join(dir, 'snapshot.index');
    const start = await takeSnapshot(space, { indexFile, message: 'start\n', identity });
    expect(await takeSnapshot(space, { indexFile, message: 'end\n', identity, parent: start })).toBe(start);
    await writeFiles(plain, { 'keep.txt': 'k\nk2\n' });
    const end = await takeSnapshot(space, { indexFile, message: 'end\n', identity, parent: start });
    expect((await diffCommits(space.target, start, end)).files).toEqual([{ path: 'keep.txt', old_path: null, status: 'modified', lines_added: 1, lines_removed: 0, binary: false }]);
    await expect(readFile(join(plain, '.git'))).rejects.toThrow(); // nothing written into the directory
  });

  it('on a job branch, moves the branch and hands the worktree an index that matches it, also mending one a crash left stale', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    await git('checkout', '-q', '-b', 'harness/b/j');
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, branch: 'harness/b/j', privateGitDir: join(dir, 'unused.git') });
    const indexFile = join(dir, 'snapshot.index');
    await writeFiles(repo, { 'a.txt': 'a\nb\n' });
    const first = await takeSnapshot(space, { indexFile, message: 'one\n', identity });
    expect((await git('rev-parse', 'harness/b/j')).trim()).toBe(first);
    expect(await git('status', '--porcelain')).toBe('');
    expect((await git('rev-parse', 'main')).trim()).not.toBe(first); // only the job branch moved

    // A crash between moving the branch and handing over the index leaves the index one commit behind.
    await writeFiles(repo, { 'a.txt': 'a\nb\nc\n' });
    await git('add', 'a.txt');
    const tree = (await git('write-tree')).trim();
    await git('read-tree', first);
    const moved = (await git('commit-tree', tree, '-p', first, '-m', 'cut short')).trim();
    await git('update-ref', 'refs/heads/harness/b/j', moved);
    expect(await git('status', '--porcelain')).toBe('MM a.txt\n'); // the index still has the first commit's a.txt
    expect(await takeSnapshot(space, { indexFile, message: 'next\n', identity })).toBe(moved); // nothing new to commit
    expect(await git('status', '--porcelain')).toBe('');
  });
});
