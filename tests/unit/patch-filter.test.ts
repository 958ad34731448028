import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PatchFilter, isNamedBy } from '../../src/harness/patch-filter.js';
import { diffCommits } from '../../src/workproduct/index.js';
import { tempDir } from '../e2e/servers/harness-server.js';
import { gitRepo, writeFiles } from '../e2e/servers/git-repo.js';

describe('a patch narrowed to some of its files', () => {
  it('keeps the sections of the files named, paths git quotes and renames included, fed whole or a few bytes at a time', async () => {
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    const names = ['plain.txt', 'with space.txt', 'tab\there.txt', 'quote"d.txt', 'back\\slash.txt', 'é.txt', 'old name.txt'];
    const git = await gitRepo(repo, Object.fromEntries(names.map((n) => [n, `${n}\nsecond line\nthird\n`])));
    const base = (await git('rev-parse', 'HEAD')).trim();
    await writeFiles(repo, Object.fromEntries(names.filter((n) => n !== 'old name.txt').map((n) => [n, `${n}\nchanged\nthird\n`])));
    await git('mv', 'old name.txt', 'new "name".txt');
    await git('commit', '-qam', 'change');
    const head = (await git('rev-parse', 'HEAD')).trim();
    const diff = await diffCommits({ cwd: repo }, base, head);
    for (const file of diff.files) {
      const filter = new PatchFilter([file]);
      const expected = await git('-c', 'core.quotePath=false', 'diff', '--no-color', '-M', base, head, '--', ...(file.old_path ? [file.old_path, file.path] : [file.path]));
      expect(filter.push(diff.patch) + filter.end(), file.path).toBe(expected);
      const inPieces = new PatchFilter([file]);
      let kept = '';
      for (let i = 0; i < diff.patch.length; i += 7) kept += inPieces.push(diff.patch.slice(i, i + 7));
      expect(kept + inPieces.end(), file.path).toBe(expected);
    }
    const none = new PatchFilter([]);
    expect(none.push(diff.patch) + none.end()).toBe('');
  });

  it('names a file by its path, its old path, or a directory above it', () => {
    const file = { path: 'src/new.ts', old_path: 'lib/old.ts', status: 'renamed' as const, lines_added: 0, lines_removed: 0, binary: false };
    expect(isNamedBy(file, ['src'])).toBe(true);
    expect(isNamedBy(file, ['src/'])).toBe(true);
    expect(isNamedBy(file, ['lib/old.ts'])).toBe(true);
    expect(isNamedBy(file, ['sr'])).toBe(false);
    expect(isNamedBy(file, ['src/new.t'])).toBe(false);
  });
});
