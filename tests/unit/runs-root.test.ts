import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunsDir, resolveRunsRoot } from '../../src/store/index.js';

let dir: string;
let cwd: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-unit-'));
  cwd = process.cwd();
  process.chdir(dir);
});
afterEach(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('the runs root of every entry point', () => {
  it('is the absolute path of what was given, whether it exists or not', async () => {
    await expect(resolveRunsRoot('runs')).resolves.toBe(join(dir, 'runs'));
    await mkdir(join(dir, 'runs'));
    await expect(resolveRunsRoot('runs', { mustExist: true })).resolves.toBe(join(dir, 'runs'));
  });

  it('is never the cwd by way of an empty value', async () => {
    for (const empty of ['', '  ']) {
      await expect(resolveRunsRoot(empty)).rejects.toMatchObject({
        code: 'runs_root_invalid',
        message: `the runs dir is empty (--runs-dir or HARNESS_RUNS_DIR); give a path, or leave both unset for the default, ${defaultRunsDir()}`,
      });
    }
  });

  it('is never the top of a source checkout', async () => {
    await writeFile(join(dir, 'package.json'), '{}');
    await expect(resolveRunsRoot('.')).rejects.toMatchObject({
      code: 'runs_root_invalid',
      message: `${dir} holds package.json: it is the top of a source checkout, and runs would land in it; give a runs dir of its own, such as ${join(dir, 'runs')}`,
    });
    await mkdir(join(dir, 'repo', '.git'), { recursive: true });
    await expect(resolveRunsRoot('repo')).rejects.toMatchObject({ message: expect.stringContaining(`${join(dir, 'repo')} holds .git`) });
    await expect(resolveRunsRoot('repo/runs')).resolves.toBe(join(dir, 'repo', 'runs'));
  });

  it('must exist for a command that only reads, and is not created by asking', async () => {
    await expect(resolveRunsRoot('typo', { mustExist: true })).rejects.toMatchObject({
      code: 'runs_root_invalid',
      message: `no such directory: ${join(dir, 'typo')} (check --runs-dir or HARNESS_RUNS_DIR)`,
    });
    await writeFile(join(dir, 'file'), '');
    await expect(resolveRunsRoot('file')).rejects.toMatchObject({ message: `${join(dir, 'file')} is not a directory; the runs dir must be one` });
    expect(await readdir(dir)).toEqual(['file']);
  });
});

describe('the default runs root', () => {
  it('is harness-mcp/runs in the XDG state directory, outside any checkout', () => {
    expect(defaultRunsDir({ XDG_STATE_HOME: '/var/state' })).toBe('/var/state/harness-mcp/runs');
  });

  it('is under ~/.local/state when XDG_STATE_HOME is unset, empty or relative, as the XDG rules say', () => {
    const fallback = join(homedir(), '.local', 'state', 'harness-mcp', 'runs');
    for (const env of [{}, { XDG_STATE_HOME: '' }, { XDG_STATE_HOME: 'state' }]) expect(defaultRunsDir(env)).toBe(fallback);
  });
});
