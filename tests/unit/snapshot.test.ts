import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCommits, openSnapshotSpace, takeSnapshot } from '../../src/workproduct/index.js';
import { tempDir } from '../e2e/servers/harness-server.js';
import { gitIn, gitRepo, writeFiles } from '../e2e/servers/git-repo.js';

const identity = { name: 'harness-mcp', email: 'harness@localhost' };
const BINARY = Buffer.from([0, 1, 2, 3, 255, 0, 7]);

/** A repository with one commit and a job's worktree of it on `harness/b/j`, opened as a snapshot space. */
async function jobWorktree() {
  const dir = await tempDir();
  const repo = join(dir, 'repo');
  const main = await gitRepo(repo, { 'a.txt': 'a\n' });
  const tree = join(dir, 'workspace');
  await main('worktree', 'add', '-q', '-b', 'harness/b/j', tree);
  const git = (...args: string[]) => gitIn(tree, ...args);
  const space = await openSnapshotSpace({ root: tree, inGitRepo: true, worktreeOf: { repository: repo, branch: 'harness/b/j' }, privateGitDir: join(dir, 'unused.git'), neverInclude: [], env: {} });
  return { dir, repo, main, tree, git, space, indexFile: join(dir, 'snapshot.index') };
}

describe('snapshots of a workspace', () => {
  it('records edits, additions, deletions, renames, binary and mode changes as one commit matching git diff, leaving the index alone', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n', 'old-name.txt': 'same content\nkept\nhere\n', 'run.sh': 'echo hi\n', 'img.bin': BINARY, '.gitignore': 'ignored/\n' });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, worktreeOf: null, privateGitDir: join(dir, 'private.git'), neverInclude: [], env: {} });
    await git('add', 'a.txt'); // the agent's own staging, which must survive
    const indexBefore = await readFile(join(repo, '.git', 'index'));

    await writeFile(join(repo, 'a.txt'), 'one\n2\nthree\nfour\n');
    await rm(join(repo, 'gone.txt'));
    await rename(join(repo, 'old-name.txt'), join(repo, 'new-name.txt'));
    await chmod(join(repo, 'run.sh'), 0o755);
    await writeFiles(repo, { 'new/added.txt': 'x\ny\n', 'img.bin': Buffer.concat([BINARY, BINARY]), 'ignored/cache.txt': 'not recorded\n' });

    const { commit: head } = await takeSnapshot(space, { indexFile: join(dir, 'snapshot.index'), message: 'step attempt 1: done\n\nHarness-Run: r\n', identity });
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

  it('sees a same-size edit made in the second the index was written, once that second has passed', async () => {
    // git compares file times to the second: such an edit is found only by re-reading entries
    // no older than the index ("racily clean"), which a private index stamped later would skip.
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'keep.txt': 'k\n' });
    const second = (time: Date) => Math.floor(time.getTime() / 1000);
    let editedIn = -1;
    // The staging, the index write and the edit all in one second (a try that straddles two is made again).
    for (let tries = 0; tries < 20 && editedIn < 0; tries++) {
      await writeFile(join(repo, 'a.txt'), 'one\ntwo\n');
      const staged = second((await stat(join(repo, 'a.txt'))).mtime);
      await git('add', 'a.txt');
      await writeFile(join(repo, 'a.txt'), 'one\n2\n3\n'); // the same 8 bytes long
      const [file, index] = await Promise.all([stat(join(repo, 'a.txt')), stat(join(repo, '.git', 'index'))]);
      if ([file.mtime, file.ctime, index.mtime].every((t) => second(t) === staged)) editedIn = staged;
    }
    expect(editedIn).toBeGreaterThan(0);
    while (Date.now() / 1000 < editedIn + 1.1) await new Promise((resolve) => setTimeout(resolve, 50)); // the second must pass
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, worktreeOf: null, privateGitDir: join(dir, 'private.git'), neverInclude: [], env: {} });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const { commit: head } = await takeSnapshot(space, { indexFile: join(dir, 'snapshot.index'), message: 'm\n', identity });
    expect(await git('show', `${head}:a.txt`)).toBe('one\n2\n3\n');
    expect((await diffCommits(space.target, base, head)).files.map((f) => f.path)).toEqual(['a.txt']);
  });

  it('makes no commit when nothing changed, and keeps the snapshots of a plain directory in a private repository', async () => {
    const dir = await tempDir();
    const plain = join(dir, 'plain');
    await mkdir(plain);
    await writeFiles(plain, { 'keep.txt': 'k\n' });
    const space = await openSnapshotSpace({ root: plain, inGitRepo: false, worktreeOf: null, privateGitDir: join(dir, 'snapshots.git'), neverInclude: [], env: {} });
    const indexFile = join(dir, 'snapshot.index');
    const { commit: start } = await takeSnapshot(space, { indexFile, message: 'start\n', identity });
    expect((await takeSnapshot(space, { indexFile, message: 'end\n', identity, parent: start })).commit).toBe(start);
    await writeFiles(plain, { 'keep.txt': 'k\nk2\n' });
    const { commit: end } = await takeSnapshot(space, { indexFile, message: 'end\n', identity, parent: start });
    expect((await diffCommits(space.target, start, end)).files).toEqual([{ path: 'keep.txt', old_path: null, status: 'modified', lines_added: 1, lines_removed: 0, binary: false }]);
    await expect(readFile(join(plain, '.git'))).rejects.toThrow(); // nothing written into the directory
  });

  it('on a job branch, moves the branch and hands the worktree an index that matches it, also mending one a crash left stale', async () => {
    const { main, tree, git, space, indexFile } = await jobWorktree();
    await writeFiles(tree, { 'a.txt': 'a\nb\n' });
    const { commit: first } = await takeSnapshot(space, { indexFile, message: 'one\n', identity });
    expect((await git('rev-parse', 'harness/b/j')).trim()).toBe(first);
    expect(await git('status', '--porcelain')).toBe('');
    expect((await main('rev-parse', 'main')).trim()).not.toBe(first); // only the job branch moved
    expect(await main('status', '--porcelain')).toBe('');

    // A crash between moving the branch and handing over the index leaves the index one commit behind.
    await writeFiles(tree, { 'a.txt': 'a\nb\nc\n' });
    await git('add', 'a.txt');
    const next = (await git('write-tree')).trim();
    await git('read-tree', first);
    const moved = (await git('commit-tree', next, '-p', first, '-m', 'cut short')).trim();
    await git('update-ref', 'refs/heads/harness/b/j', moved);
    expect(await git('status', '--porcelain')).toBe('MM a.txt\n'); // the index still has the first commit's a.txt
    expect((await takeSnapshot(space, { indexFile, message: 'next\n', identity })).commit).toBe(moved); // nothing new to commit
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('keeps the branch’s earlier snapshots when an agent resets it, leaves nested repositories out, and refuses a worktree whose .git was repointed', async () => {
    const { dir, repo, main, tree, git, space, indexFile } = await jobWorktree();
    const base = (await main('rev-parse', 'HEAD')).trim();
    await writeFiles(tree, { 'step1.txt': '1\n' });
    const { commit: first } = await takeSnapshot(space, { indexFile, message: 'one\n', identity });
    await git('reset', '-q', '--hard', base); // the agent of the next step throws the branch back
    await writeFiles(tree, { 'step2.txt': '2\n' });
    await gitIn(tree, 'init', '-q', 'vendored'); // a nested repository with no commit: git add -A would refuse it
    await writeFiles(tree, { 'vendored/inside.txt': 'x\n' });
    const second = await takeSnapshot(space, { indexFile, message: 'two\n', identity });
    expect(second.nestedRepositories).toEqual(['vendored']);
    expect(await git('log', '--format=%P', '-1', second.commit)).toBe(`${base} ${first}\n`); // the reset tip kept as a second parent
    expect(await git('ls-tree', '--name-only', second.commit)).toBe('a.txt\nstep2.txt\n');

    await writeFile(join(tree, '.git'), `gitdir: ${join(repo, '.git')}\n`); // pointed at the user's own checkout
    const headBefore = await main('symbolic-ref', 'HEAD');
    await expect(openSnapshotSpace({ root: tree, inGitRepo: true, worktreeOf: { repository: repo, branch: 'harness/b/j' }, privateGitDir: join(dir, 'unused.git'), neverInclude: [], env: {} })).rejects.toThrow(/is no longer the worktree of/);
    expect(await main('symbolic-ref', 'HEAD')).toBe(headBefore);
  });

  it('runs no content filter the repository configures', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const git = await gitRepo(repo, { 'a.txt': 'a\n' });
    await git('config', 'filter.evil.clean', `sh -c 'touch ${dir}/ran; cat'`);
    await git('config', 'filter.evil.required', 'true');
    await writeFiles(repo, { '.gitattributes': '* filter=evil\n', 'b.txt': 'b\n' });
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, worktreeOf: null, privateGitDir: join(dir, 'private.git'), neverInclude: [], env: {} });
    const { commit } = await takeSnapshot(space, { indexFile: join(dir, 'snapshot.index'), message: 'm\n', identity });
    expect(await git('show', `${commit}:b.txt`)).toBe('b\n');
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });
});

