import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, tryGit, withoutDrivers } from './git.js';
import { LandCheckoutBusyError, LandCheckoutDirtyError } from './land-errors.js';
import type { Repository } from './repository.js';

/** The work trees (the main one included) that have `refs/heads/<branch>` checked out. */
export async function findCheckouts(repo: Repository, branch: string): Promise<string[]> {
  // `--porcelain -z` (git 2.36+): records of `key value` fields, NUL-ended, a record ended by an empty field.
  const fields = (await git(repo.target, ['worktree', 'list', '--porcelain', '-z'])).split('\0');
  const found: string[] = [];
  let record: string[] = [];
  for (const field of fields) {
    if (field !== '') {
      record.push(field);
      continue;
    }
    const path = record.find((f) => f.startsWith('worktree '))?.slice('worktree '.length);
    // A prunable work tree's directory is gone: there is no checkout there to keep consistent.
    const prunable = record.some((f) => f === 'prunable' || f.startsWith('prunable '));
    // Mid-rebase or mid-bisect the branch is that work tree's (HEAD detached, or listed on it),
    // as git's own `branch -f` knows: moving it would leave the operation unable to finish.
    const holds = record.includes(`branch refs/heads/${branch}`);
    if (path && !prunable && (holds || record.includes('detached'))) await refuseIfBusy(branch, path);
    if (path && !prunable && holds) found.push(path);
    record = [];
  }
  return found;
}

async function refuseIfBusy(branch: string, worktree: string): Promise<void> {
  const gitDir = await tryGit({ cwd: worktree }, ['rev-parse', '--absolute-git-dir']);
  if (gitDir.exitCode !== 0) return;
  const read = (name: string) => readFile(join(gitDir.stdout.trim(), name), 'utf8').then((text) => text.trim(), () => '');
  for (const [file, operation] of [['rebase-merge/head-name', 'rebase'], ['rebase-apply/head-name', 'rebase']] as const) {
    if ((await read(file)) === `refs/heads/${branch}`) throw new LandCheckoutBusyError(branch, worktree, operation);
  }
  if ((await read('BISECT_START')) === branch) throw new LandCheckoutBusyError(branch, worktree, 'bisect');
}

/**
 * Refuses (LandCheckoutDirtyError) unless the checkout at `worktree` can move from commit `from`
 * to `to` losing nothing: no tracked change, staged or not, and nothing untracked or ignored
 * where `to` brings a file. Changes nothing; the index lock is only held for a moment by the
 * `read-tree --dry-run`.
 */
export async function checkCheckoutMovable(onto: string, worktree: string, from: string, to: string): Promise<void> {
  const target = await withoutDrivers({ cwd: worktree });
  // GIT_OPTIONAL_LOCKS=0 (git.ts) keeps status from rewriting the index to refresh its stat data.
  const status = await git(target, ['status', '--porcelain=v1', '-z', '--untracked-files=no']);
  const changed = statusPaths(status);
  if (changed.length > 0) throw new LandCheckoutDirtyError(onto, worktree, changed, 'has uncommitted changes (staged or not)');
  // git itself would overwrite an ignored file in the way; the user may still want it, so it is refused like any other.
  const added = (await git(target, ['diff-tree', '-r', '-z', '--no-renames', '--name-only', '--diff-filter=A', from, to])).split('\0').filter(Boolean);
  const inTheWay: string[] = [];
  for (const path of added) if (await lstat(join(worktree, path)).then(() => true, () => false)) inTheWay.push(path);
  if (inTheWay.length > 0) throw new LandCheckoutDirtyError(onto, worktree, inTheWay, 'has untracked or ignored files where the landing brings files');
  // The rest of git's own rules (an untracked file where the landing needs a directory, and so
  // on), once the index's stat data is fresh, as `git merge` has it: a file only touched since
  // is not a change, and read-tree would take it for one.
  await tryGit(target, ['update-index', '-q', '--refresh']);
  const dry = await tryGit(target, ['read-tree', '--dry-run', '-u', '-m', from, to]);
  if (dry.exitCode !== 0) throw new LandCheckoutDirtyError(onto, worktree, [], `cannot be moved to the landed commit (${dry.stderr.trim()})`);
}

/**
 * Moves the checkout at `worktree` from commit `from` to `to` the way `git merge --ff-only`
 * does: a two-tree `read-tree -u -m`, which checks every path before it writes any, so it either
 * refuses with nothing touched or updates the index and files together.
 */
export async function moveCheckout(worktree: string, branch: string, from: string, to: string): Promise<{ moved: true } | { moved: false; why: string }> {
  // Someone may have switched that work tree to another branch since the checks; its files are not the target's to move then.
  const head = await tryGit({ cwd: worktree }, ['symbolic-ref', '-q', 'HEAD']);
  if (head.stdout.trim() !== `refs/heads/${branch}`) return { moved: false, why: `it no longer has \`${branch}\` checked out` };
  const target = await withoutDrivers({ cwd: worktree });
  await tryGit(target, ['update-index', '-q', '--refresh']);
  const answer = await tryGit(target, ['read-tree', '-u', '-m', from, to]);
  return answer.exitCode === 0 ? { moved: true } : { moved: false, why: answer.stderr.trim() || `git exit ${answer.exitCode}` };
}

/** The paths of `status --porcelain=v1 -z`: `XY path` entries; a rename or copy is followed by its source path. */
function statusPaths(status: string): string[] {
  const fields = status.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry === '') continue;
    paths.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return paths;
}
