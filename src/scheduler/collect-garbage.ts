import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { HarnessError, PathEscapeError } from '../core/index.js';
import { runCommand } from '../process/index.js';
import type { CurrentIndexFiles, RunsPaths } from '../store/index.js';
import type { BatchRecord } from '../batch/index.js';
import { openSnapshotSpace, takeSnapshot, type GitIdentity, type JobBranch } from '../workproduct/index.js';

/** A batch GC would not remove as things are: its worktree cannot be removed or recorded. Nothing of it was removed. */
export class GcRefusedError extends HarnessError {
  readonly code = 'gc_refused';
}

export interface GcCandidate {
  batch_id: string;
  path: string;
  bytes: number;
  /** Isolated workspaces that are git worktrees, removed with git so the repository forgets them. */
  worktrees: string[];
  /** The job branches the batch's commits are on: they stay (docs/spec.md §9). */
  branches: JobBranch[];
}

/** Bytes below a path, not following symlinks. */
async function sizeOf(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}

/** The last moment anything happened in a batch: its newest ended attempt, else its submission. */
function lastActivity(record: BatchRecord): number {
  let last = Date.parse(record.meta.submitted_at);
  for (const { state } of record.allAttempts()) if (state.ended_at) last = Math.max(last, Date.parse(state.ended_at));
  return last;
}

/**
 * Batches GC may remove (docs/spec.md §9): settled, and idle for longer than the retention period. A
 * batch holding a resume base that an open batch's current.json names is kept.
 */
export async function findGarbage(
  paths: RunsPaths,
  currentIndex: CurrentIndexFiles,
  records: BatchRecord[],
  isSettled: (record: BatchRecord) => boolean,
  keepDays: number,
  now = Date.now(),
): Promise<GcCandidate[]> {
  const open = records.filter((r) => !isSettled(r));
  const protectedDirs: string[] = [];
  for (const record of open) {
    for (const job of record.meta.jobs) {
      const index = await currentIndex.read(record.batchId, job.job_id);
      for (const step of Object.values(index?.steps ?? {})) {
        for (const pointer of [step.latest, step.latest_successful]) if (pointer?.resume_base_dir) protectedDirs.push(join(paths.root, pointer.resume_base_dir));
      }
    }
  }
  const candidates: GcCandidate[] = [];
  for (const record of records) {
    if (!isSettled(record) || now - lastActivity(record) < keepDays * 24 * 3600 * 1000) continue;
    const path = paths.batchDir(record.batchId);
    if (protectedDirs.some((dir) => dir === path || dir.startsWith(path + sep))) continue;
    const worktrees: string[] = [];
    for (const job of record.meta.jobs) {
      const workspace = paths.workspaceDir(record.batchId, job.job_id);
      if ((await lstat(join(workspace, '.git')).catch(() => undefined))?.isFile()) worktrees.push(workspace);
    }
    const branches = record.meta.jobs.flatMap((job) => (job.git?.branch ? [{ repository: job.git.repository, branch: job.git.branch, batch_id: record.batchId, job_id: job.job_id }] : []));
    candidates.push({ batch_id: record.batchId, path, bytes: await sizeOf(path), worktrees, branches });
  }
  return candidates;
}

/** Gives the owner write access below `path` (frozen session stores are read-only), links left alone. */
async function makeRemovable(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  await chmod(path, info.mode | 0o200);
  if (info.isDirectory()) for (const name of await readdir(path)) await makeRemovable(join(path, name));
}

/**
 * Removes one batch directory, inside the runs root only, in an order a restart finishes: its
 * worktrees through git first (their branches, and so every commit of the batch, stay) (cut short, the batch is still whole and the next GC finds it
 * again), then one rename takes the directory out of the root's listing into
 * _system/removing/, and only then is it deleted, which finishRemovals completes at the next
 * start if this is cut short. Deleting in place would lose batch_meta.json early and leave a
 * directory that no server lists nor removes.
 */
export async function removeGarbage(paths: RunsPaths, candidate: GcCandidate, identity: GitIdentity): Promise<void> {
  const root = await realpath(paths.root);
  const target = await realpath(candidate.path);
  if (!target.startsWith(root + sep)) throw new PathEscapeError(candidate.path, root);
  for (const worktree of candidate.worktrees) {
    const branch = candidate.branches.find((b) => paths.workspaceDir(b.batch_id, b.job_id) === worktree);
    if (branch) await keepWhatItHolds(paths, worktree, branch, identity); // again: an agent's process may have written since
    const repo = branch?.repository ?? (await repositoryOfWorktree(worktree));
    if (!repo) continue;
    const removed = await runCommand(['git', '-C', repo, 'worktree', 'remove', '--force', worktree], repo);
    if (removed.exitCode !== 0) throw new GcRefusedError(`git worktree remove ${worktree} failed in ${repo}: ${removed.stderr.trim()}; batch ${candidate.batch_id} was left as it is`);
    await runCommand(['git', '-C', repo, 'worktree', 'prune'], repo);
  }
  const removing = paths.removingBatchDir(candidate.batch_id, randomBytes(4).toString('hex'));
  await mkdir(paths.removingDir, { recursive: true });
  await rename(target, removing);
  await deleteTree(removing);
}

/**
 * Commits what the batch's worktrees still hold onto their job branches, before anything of the
 * batch is touched: GcRefusedError, with the batch left whole, when one cannot be recorded.
 */
export async function secureWorktrees(paths: RunsPaths, candidate: GcCandidate, identity: GitIdentity): Promise<void> {
  for (const worktree of candidate.worktrees) {
    const branch = candidate.branches.find((b) => paths.workspaceDir(b.batch_id, b.job_id) === worktree);
    if (branch) await keepWhatItHolds(paths, worktree, branch, identity);
  }
}

/**
 * Commits what a worktree still holds onto its job branch before the worktree goes: an attempt
 * that a crash ended, or a process the agent left behind, can leave work no snapshot took. A
 * worktree whose git cannot be trusted any more is not removed, and neither is its batch.
 */
async function keepWhatItHolds(paths: RunsPaths, worktree: string, branch: JobBranch, identity: GitIdentity): Promise<void> {
  try {
    const space = await openSnapshotSpace({ root: worktree, inGitRepo: true, worktreeOf: branch, privateGitDir: paths.privateSnapshotsDir(branch.batch_id, branch.job_id), neverInclude: [paths.root], env: {} });
    const message = `gc: what the workspace held when batch ${branch.batch_id} was removed\n\nHarness-Batch: ${branch.batch_id}\nHarness-Job: ${branch.job_id}\n`;
    await takeSnapshot(space, { indexFile: join(paths.jobDir(branch.batch_id, branch.job_id), 'gc-snapshot.index'), message, identity });
  } catch (error) {
    throw new GcRefusedError(`could not commit what ${worktree} holds before removing it: ${(error as Error).message}; batch ${branch.batch_id} was left as it is`);
  }
}

/** The repository a worktree of a batch planned before job branches were recorded belongs to, from its .git file. */
async function repositoryOfWorktree(worktree: string): Promise<string | undefined> {
  // The .git file of a worktree names the repository's worktrees/<name> directory.
  const gitdir = /^gitdir: (.+)$/m.exec(await readFile(join(worktree, '.git'), 'utf8'))?.[1]?.trim();
  return gitdir ? dirname(dirname(dirname(gitdir))) : undefined;
}

/** Deletes what a GC cut short left in _system/removing/ (see removeGarbage); returns the paths. */
export async function finishRemovals(paths: RunsPaths): Promise<string[]> {
  const names = await readdir(paths.removingDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const removed = names.map((name) => join(paths.removingDir, name));
  for (const path of removed) await deleteTree(path);
  return removed;
}

async function deleteTree(path: string): Promise<void> {
  await makeRemovable(path);
  await rm(path, { recursive: true, force: true });
}
