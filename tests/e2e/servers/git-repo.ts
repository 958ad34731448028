import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// A test repository answers to no one's global git config: its identity is set here, nothing signs.
const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Person',
  GIT_AUTHOR_EMAIL: 'person@example.com',
  GIT_COMMITTER_NAME: 'Test Person',
  GIT_COMMITTER_EMAIL: 'person@example.com',
};

/** Runs git in `dir` and answers its stdout; a failure throws with git's stderr. */
export async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A git repository at `dir` on `main` with `files` committed as its first commit. */
export async function gitRepo(dir: string, files: Record<string, string | Buffer>): Promise<(...args: string[]) => Promise<string>> {
  await mkdir(dir, { recursive: true });
  await gitIn(dir, 'init', '-q', '-b', 'main');
  await writeFiles(dir, files);
  await gitIn(dir, 'add', '-A');
  await gitIn(dir, 'commit', '-qm', 'first');
  return (...args: string[]) => gitIn(dir, ...args);
}

export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}
