import { cp, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { HarnessError, type KeyedSerial, type PlannedJob } from '../core/index.js';
import { runCommand } from '../process/index.js';
import type { RunsPaths } from '../store/index.js';

export interface Workspace {
  /** The directory the job's workspace policy gives it (docs/spec.md §6). */
  root: string;
  /** Where its steps run: the working directory, or its place inside the isolated copy. */
  cwd: string;
  /** Whether `cwd` is inside a git repository (codex wants to know). */
  inGitRepo: boolean;
}

/** A workspace that could not be made (git worktree add refused); the attempt ends spawn_error. */
export class WorkspaceError extends HarnessError {
  readonly code = 'workspace_failed';
}

/**
 * The job's workspace. `shared` runs in the working directory itself. `isolated` gives the job
 * its own copy under the job directory, made once and reused by every later step of the job:
 * a git worktree on the job's branch `harness/<batch>/<job>` at its base commit when the
 * directory is in a git repository (uncommitted changes are not carried over), else a plain
 * recursive copy. `runId` is the attempt that makes
 * it: git runs with its HARNESS_RUN_ID, so a restart finds and kills a git the dead server left.
 *
 * A copy or a worktree is made under a mark: `workspace.partial` beside it is written (and
 * synced) before it starts and removed once it is whole. A workspace found with its mark still there was cut short
 * by a crash; it is discarded and made again. One with no mark is whole, also one made before
 * the mark existed.
 */
export async function prepareWorkspace(paths: RunsPaths, serial: KeyedSerial, batchId: string, job: PlannedJob, runId: string): Promise<Workspace> {
  const toplevel = await gitToplevel(job.working_directory);
  if (job.workspace_policy === 'shared') return { root: job.working_directory, cwd: job.working_directory, inGitRepo: toplevel !== undefined };
  const root = paths.workspaceDir(batchId, job.job_id);
  const mark = paths.workspacePartialFile(batchId, job.job_id);
  return serial.run(root, async () => {
    const workspace = { root, cwd: toplevel ? join(root, relative(toplevel, job.working_directory)) : root, inGitRepo: toplevel !== undefined };
    const halfMade = await exists(mark);
    if (!halfMade && (await exists(root))) return workspace;
    await mkdir(dirname(root), { recursive: true });
    if (halfMade) await discard(root, toplevel);
    else await writeSynced(mark);
    if (toplevel) {
      // One worktree of a repository made at a time: the isolated jobs of a batch start together,
      // and git's own bookkeeping of worktrees is not made for adds side by side.
      await serial.run(`worktrees:${toplevel}`, async () => {
        const added = await runCommand(['git', '-C', toplevel, 'worktree', 'add', ...(await worktreeStart(toplevel, job, root, runId))], toplevel, { HARNESS_RUN_ID: runId });
        if (added.exitCode !== 0) throw new WorkspaceError(`git worktree add failed for ${toplevel}: ${added.stderr.trim()}`);
      });
    } else {
      await cp(job.working_directory, root, { recursive: true, verbatimSymlinks: true });
    }
    await rm(mark);
    await syncDir(dirname(mark));
    return workspace;
  });
}

/**
 * How the worktree is made: on the job's branch, new at the base commit resolved at submit. A
 * branch that exists already holds the job's work (its worktree vanished, or an add a crash cut
 * short made it) and is checked out as it is, never made again from the base. A batch planned
 * before branches were recorded gets a detached worktree of HEAD, as it did then.
 */
async function worktreeStart(toplevel: string, job: PlannedJob, root: string, runId: string): Promise<string[]> {
  if (!job.git?.branch) return ['--detach', root, 'HEAD'];
  const env = { HARNESS_RUN_ID: runId };
  const existing = await runCommand(['git', '-C', toplevel, 'rev-parse', '--verify', '--quiet', `refs/heads/${job.git.branch}`], toplevel, env);
  if (existing.exitCode !== 0) return ['-b', job.git.branch, root, job.git.base_commit];
  await runCommand(['git', '-C', toplevel, 'worktree', 'prune'], toplevel, env); // forgets the vanished worktree that still claims the branch
  return [root, job.git.branch];
}

/** Removes a half-made workspace; a worktree is unregistered too (an interrupted add leaves it locked). */
async function discard(root: string, toplevel: string | undefined): Promise<void> {
  if (toplevel) await runCommand(['git', '-C', toplevel, 'worktree', 'remove', '--force', '--force', root], toplevel);
  await rm(root, { recursive: true, force: true });
  if (toplevel) await runCommand(['git', '-C', toplevel, 'worktree', 'prune'], toplevel);
}

/** An empty file, synced with its directory, so that no crash can keep the workspace and lose the mark. */
async function writeSynced(path: string): Promise<void> {
  await openAndSync(path, 'w');
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  await openAndSync(dir, 'r');
}

/** Opens `path` (`w` makes it empty) and fsyncs it: a file's content, or a directory's entries. */
async function openAndSync(path: string, flags: 'r' | 'w'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const toplevels = new Map<string, Promise<string | undefined>>();

/** The git repository a directory is in, asked once per directory for the life of the server. */
function gitToplevel(dir: string): Promise<string | undefined> {
  let toplevel = toplevels.get(dir);
  if (!toplevel) {
    toplevel = runCommand(['git', 'rev-parse', '--show-toplevel'], dir).then((r) => (r.exitCode === 0 ? r.stdout.trim() : undefined));
    toplevels.set(dir, toplevel);
  }
  return toplevel;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
