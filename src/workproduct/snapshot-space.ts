import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { HarnessError, type SnapshotKind } from '../core/index.js';
import { git, tryGit, type GitTarget } from './git.js';

/** A workspace whose git no longer is what the harness made (an agent rewrote or removed its `.git`). */
export class WorkspaceGitChangedError extends HarnessError {
  readonly code = 'workspace_git_changed';
}

/** Where a workspace's snapshots go, as `openSnapshotSpace` worked it out. */
export interface SnapshotSpace {
  kind: SnapshotKind;
  /** How git is run on it: its git directory and work tree named outright where the harness knows them. */
  target: GitTarget;
  /** The repository's common git directory: objects and refs. */
  gitDir: string;
  /** The index file of the work tree (a private repository's own, for kind `private`). */
  indexFile: string;
  /** `refs/heads/harness/<batch>/<job>` for kind `branch`, else null. */
  branchRef: string | null;
  /** Paths, relative to the work tree, that snapshots leave out (the runs root, when it lies inside). */
  excluded: string[];
}

export interface SpaceRequest {
  /** The workspace's root directory (a git work tree's top, or a plain directory). */
  root: string;
  inGitRepo: boolean;
  /** The job's own worktree: the repository it was made in (recorded at submit) and its branch. */
  worktreeOf: { repository: string; branch: string } | null;
  /** Where a plain directory's private repository is kept (made on first use). */
  privateGitDir: string;
  /** Directories never snapshotted, wherever they are (the runs root). */
  neverInclude: string[];
  /** Set for every git this space runs (HARNESS_RUN_ID, so that recovery finds one a dead server left). */
  env: Record<string, string>;
}

/**
 * Works out where a workspace's snapshots go. The job's worktree is reached through the
 * repository it was made in, never through the `.git` file inside it, which the agent can
 * rewrite: that file must still name the worktree's entry in that repository, and that entry
 * must name the workspace back, or nothing is snapshotted. A plain directory gets its private
 * repository made here.
 */
export async function openSnapshotSpace(request: SpaceRequest): Promise<SnapshotSpace> {
  const { root, worktreeOf, privateGitDir, env } = request;
  if (worktreeOf) {
    const commonDir = await commonGitDir({ cwd: worktreeOf.repository, env });
    const adminDir = await worktreeAdminDir(root, commonDir);
    const target = { cwd: root, gitDir: adminDir, workTree: root, env };
    return { kind: 'branch', target, gitDir: commonDir, indexFile: join(adminDir, 'index'), branchRef: `refs/heads/${worktreeOf.branch}`, excluded: await inside(root, request.neverInclude) };
  }
  if (request.inGitRepo) {
    const target = { cwd: root, env };
    const indexFile = absoluteIn(root, (await git(target, ['rev-parse', '--git-path', 'index'])).trim());
    return { kind: 'refs', target, gitDir: await commonGitDir(target), indexFile, branchRef: null, excluded: await inside(root, request.neverInclude) };
  }
  const target = { cwd: root, gitDir: privateGitDir, workTree: root, env };
  if ((await tryGit(target, ['rev-parse', '--git-dir'])).exitCode !== 0) await git({ cwd: root, env }, ['init', '-q', '--bare', privateGitDir]);
  return { kind: 'private', target, gitDir: privateGitDir, indexFile: join(privateGitDir, 'index'), branchRef: null, excluded: await inside(root, request.neverInclude) };
}

async function commonGitDir(target: GitTarget): Promise<string> {
  return (await git(target, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
}

/** `<common dir>/worktrees/<name>` of the worktree at `root`, checked both ways. */
async function worktreeAdminDir(root: string, commonDir: string): Promise<string> {
  const pointer = await readFile(join(root, '.git'), 'utf8').catch(() => '');
  const named = /^gitdir: (.+)$/m.exec(pointer)?.[1]?.trim();
  const adminDir = named && (await realpath(absoluteIn(root, named)).catch(() => undefined));
  const worktrees = await realpath(join(commonDir, 'worktrees')).catch(() => join(commonDir, 'worktrees'));
  const back = adminDir && (await readFile(join(adminDir, 'gitdir'), 'utf8').catch(() => '')).trim();
  const rootGit = join(await realpath(root), '.git');
  if (!adminDir || !adminDir.startsWith(worktrees + sep) || !back || (await realpath(back).catch(() => back)) !== rootGit) {
    throw new WorkspaceGitChangedError(`the workspace ${root} is no longer the worktree of ${commonDir} it was made as (its .git was changed or removed): its changes are not recorded`);
  }
  return adminDir;
}

/** Which of `dirs` lie inside `root`, relative to it. */
async function inside(root: string, dirs: string[]): Promise<string[]> {
  const realRoot = await realpath(root);
  const found: string[] = [];
  for (const dir of dirs) {
    const rel = relative(realRoot, await realpath(dir).catch(() => dir));
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) found.push(rel);
  }
  return found;
}

function absoluteIn(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}
