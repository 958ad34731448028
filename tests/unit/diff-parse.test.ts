import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../web/src/components/diff-parse.js';
import { tempDir } from '../e2e/servers/harness-server.js';
import { gitRepo } from '../e2e/servers/git-repo.js';

describe('the step page’s reading of a unified patch', () => {
  it('cuts what git diff prints into files, hunks and numbered lines, with the notes of files without hunks', async () => {
    const repo = join(await tempDir(), 'repo');
    const git = await gitRepo(repo, { 'a.ts': 'one\ntwo\nthree\n', 'gone.md': 'bye\n', 'old.txt': 'same\ncontent\nhere\n', 'tail.txt': 'x' });
    await writeFile(join(repo, 'a.ts'), 'one\n2\nthree\nfour\n');
    await rm(join(repo, 'gone.md'));
    await git('mv', 'old.txt', 'new.txt');
    await writeFile(join(repo, 'tail.txt'), 'y');
    await writeFile(join(repo, 'pic.bin'), Buffer.from([0, 1, 2, 0, 255]));
    await git('add', '-A');
    const files = parsePatch(await git('diff', '--cached', '-M'));

    expect(files.map((f) => f.path)).toEqual(['a.ts', 'gone.md', 'new.txt', 'pic.bin', 'tail.txt']);
    const [a, gone, renamed, binary, tail] = files;
    expect(a!.hunks).toHaveLength(1);
    expect(a!.hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'one', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'two', oldLine: 2, newLine: null },
      { kind: 'add', text: '2', oldLine: null, newLine: 2 },
      { kind: 'context', text: 'three', oldLine: 3, newLine: 3 },
      { kind: 'add', text: 'four', oldLine: null, newLine: 4 },
    ]);
    expect(gone!.notes).toEqual(['deleted file mode 100644']);
    expect(gone!.hunks[0]!.lines).toEqual([{ kind: 'del', text: 'bye', oldLine: 1, newLine: null }]);
    expect(renamed!.notes).toEqual(['similarity index 100%', 'rename from old.txt', 'rename to new.txt']);
    expect(renamed!.hunks).toEqual([]);
    expect(binary!.hunks).toEqual([]);
    expect(binary!.notes).toEqual(['new file mode 100644', 'Binary files /dev/null and b/pic.bin differ']);
    expect(tail!.hunks[0]!.lines.map((l) => l.kind)).toEqual(['del', 'note', 'add', 'note']);
  });
});
