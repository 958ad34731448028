import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

// The tests' own git never reads the machine's config, and its identity is set here, not found.
export const TEST_GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_AUTHOR_NAME: 'Job Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Job Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
};

/** Runs git in `cwd` and answers its stdout, trimmed. */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...TEST_GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A new repository in its own temp dir with one commit on `main` holding `files`. */
export async function createRepo(files: Record<string, string>): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'land-test-')));
  sh(dir, 'init', '-q', '-b', 'main');
  await writeFiles(dir, files);
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

export async function removeRepo(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Writes `files` under `dir`; a null content deletes the file. */
export async function writeFiles(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) await rm(join(dir, path));
    else {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  }
}

/**
 * Makes a commit on `branch` (created from `from` when missing) in a throwaway worktree, so no
 * checkout of the test's changes. Answers the commit id.
 */
export async function commitOn(repo: string, branch: string, files: Record<string, string | null>, message: string, from = 'main'): Promise<string> {
  const exists = sh(repo, 'branch', '--list', branch) !== '';
  const wt = await mkdtemp(join(tmpdir(), 'land-test-wt-'));
  await rm(wt, { recursive: true });
  // --force: the branch may be checked out already (then that checkout is left behind, for the test to reset).
  sh(repo, 'worktree', 'add', '-q', '--force', ...(exists ? [wt, branch] : ['-b', branch, wt, from]));
  try {
    await writeFiles(wt, files);
    // -f: a test may put an ignored file on a branch, as an agent's own commit could.
    sh(wt, 'add', '-A', '-f');
    sh(wt, 'commit', '-q', '--allow-empty', '-m', message);
    return sh(wt, 'rev-parse', 'HEAD');
  } finally {
    sh(repo, 'worktree', 'remove', '--force', wt);
  }
}

/** What a landing must not change when it refuses: refs, HEAD, the index's bytes, every file of the work tree. */
export async function snapshot(worktree: string): Promise<Record<string, unknown>> {
  const gitDir = sh(worktree, 'rev-parse', '--absolute-git-dir');
  // The index is hashed before anything runs status, which could refresh it.
  const index = await readFile(join(gitDir, 'index')).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    () => 'none',
  );
  const files: Record<string, string> = {};
  for (const entry of await readdir(worktree, { recursive: true, withFileTypes: true })) {
    const path = relative(worktree, join(entry.parentPath, entry.name));
    if (entry.isFile() && !path.startsWith('.git/') && path !== '.git') files[path] = await readFile(join(worktree, path), 'utf8');
  }
  return {
    refs: sh(worktree, 'for-each-ref', '--format=%(refname) %(objectname)'),
    head: `${sh(worktree, 'symbolic-ref', '-q', 'HEAD')} ${sh(worktree, 'rev-parse', 'HEAD')}`,
    index,
    status: sh(worktree, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
    files,
  };
}

/** Whatever `fn` throws (failing when it does not throw). */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<Error & { code?: string; cliMessage?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string; cliMessage?: string };
  }
  throw new Error('expected a rejection, got an answer');
}
