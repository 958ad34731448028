import { realpath, stat } from 'node:fs/promises';
import { GitCommandError, tryGit, withoutDrivers, type GitTarget } from './git.js';
import { RepositoryMissingError } from './land-errors.js';

/** A git repository found from a directory inside it. */
export interface Repository {
  /** Where its git commands run: the directory it was found from. */
  target: GitTarget;
  /** The common git directory (absolute), the same from every work tree of the repository. */
  commonDir: string;
}

/** Finds the repository `dir` is in; RepositoryMissingError when `dir` is gone or in no repository. */
export async function openRepository(dir: string): Promise<Repository> {
  const found = await stat(dir).catch((e: NodeJS.ErrnoException) => e.code ?? 'unreadable');
  if (typeof found === 'string') throw new RepositoryMissingError(dir, found === 'ENOENT' ? 'does not exist (moved or deleted?)' : `cannot be read (${found})`);
  if (!found.isDirectory()) throw new RepositoryMissingError(dir, 'is not a directory');
  const target = { cwd: dir };
  const answer = await tryGit(target, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (answer.exitCode !== 0) throw new RepositoryMissingError(dir, `is not in a git repository (${answer.stderr.trim() || `git exit ${answer.exitCode}`})`);
  // Resolved, so one repository reached through a symlinked path is still one key of landing's turns.
  return { target: await withoutDrivers(target), commonDir: await realpath(answer.stdout.trim()) };
}

/** The commit `refs/heads/<branch>` points at, or null when there is no such branch. */
export async function branchTip(repo: Repository, branch: string): Promise<string | null> {
  const answer = await tryGit(repo.target, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return answer.exitCode === 0 ? answer.stdout.trim() : null;
}

/** Whether `name` is a branch name git accepts (not an option, no `..`, no control characters…). */
export async function isValidBranchName(repo: Repository, name: string): Promise<boolean> {
  if (name.startsWith('-') || name.startsWith('refs/')) return false;
  return (await tryGit(repo.target, ['check-ref-format', `refs/heads/${name}`])).exitCode === 0;
}

/** Whether commit `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export async function isAncestor(repo: Repository, ancestor: string, descendant: string): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', ancestor, descendant];
  const answer = await tryGit(repo.target, args);
  // Exit 1 is the answer "no"; anything else is git failing to answer.
  if (answer.exitCode === 0 || answer.exitCode === 1) return answer.exitCode === 0;
  throw new GitCommandError(args, answer.exitCode, answer.stderr);
}
