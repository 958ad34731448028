import { cp, mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { HarnessError, type PlannedJob } from '../core/index.js';
import { runCommand } from '../process/index.js';
import type { KeyedSerial, RunsPaths } from '../store/index.js';

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
 * a detached git worktree of HEAD when the directory is in a git repository (uncommitted
 * changes are not carried over), else a plain recursive copy.
 */
export async function prepareWorkspace(paths: RunsPaths, serial: KeyedSerial, batchId: string, job: PlannedJob): Promise<Workspace> {
  const toplevel = await gitToplevel(job.working_directory);
  if (job.workspace_policy === 'shared') return { root: job.working_directory, cwd: job.working_directory, inGitRepo: toplevel !== undefined };
  const root = paths.workspaceDir(batchId, job.job_id);
  return serial.run(root, async () => {
    const workspace = { root, cwd: toplevel ? join(root, relative(toplevel, job.working_directory)) : root, inGitRepo: toplevel !== undefined };
    if (await exists(root)) return workspace;
    await mkdir(dirname(root), { recursive: true });
    if (toplevel) {
      const added = await runCommand(['git', '-C', toplevel, 'worktree', 'add', '--detach', root, 'HEAD'], toplevel);
      if (added.exitCode !== 0) throw new WorkspaceError(`git worktree add failed for ${toplevel}: ${added.stderr.trim()}`);
    } else {
      await cp(job.working_directory, root, { recursive: true, verbatimSymlinks: true });
    }
    return workspace;
  });
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
