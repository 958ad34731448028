import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
    const space = await openSnapshotSpace({ root: repo, inGitRepo: true, branch: null, privateGitDir: join(dir, 'private.git') });
    const base = (await git('rev-parse', 'HEAD')).trim();
    const head = await takeSnapshot(space, { indexFile: join(dir, 'snapshot.index'), message: 'm\n', identity });
    expect(await git('show', `${head}:a.txt`)).toBe('one\n2\n3\n');
    expect((await diffCommits(space.target, base, head)).files.map((f) => f.path)).toEqual(['a.txt']);
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
});
