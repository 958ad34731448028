import { copyFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { SnapshotKind } from '../core/index.js';
import type { GitIdentity } from './commits.js';
import { git, tryGit, type GitTarget } from './git.js';

/** Where a workspace's snapshots go, as `openSnapshotSpace` worked it out. */
export interface SnapshotSpace {
  kind: SnapshotKind;
  /** git runs here: the work tree, or with gitDir/workTree set for a private repository. */
  target: GitTarget;
  /** The git directory the objects and refs are in. */
  gitDir: string;
  /** `refs/heads/harness/<batch>/<job>` for kind `branch`, else null. */
  branchRef: string | null;
}

export interface SpaceRequest {
  /** The workspace's root directory (a git work tree's top, or a plain directory). */
  root: string;
  inGitRepo: boolean;
  /** The job's branch (short name) when the workspace is the job's own worktree. */
  branch: string | null;
  /** Where a plain directory's private repository is kept (made on first use). */
  privateGitDir: string;
}

/** Works out where a workspace's snapshots go; a plain directory gets its private repository made here. */
export async function openSnapshotSpace(request: SpaceRequest): Promise<SnapshotSpace> {
  const { root, inGitRepo, branch, privateGitDir } = request;
  if (inGitRepo) {
    const target = { cwd: root };
    const gitDir = absoluteIn(root, (await git(target, ['rev-parse', '--git-common-dir'])).trim());
    return { kind: branch ? 'branch' : 'refs', target, gitDir, branchRef: branch ? `refs/heads/${branch}` : null };
  }
  const exists = (await tryGit({ cwd: root, gitDir: privateGitDir }, ['rev-parse', '--git-dir'])).exitCode === 0;
  if (!exists) await git({ cwd: root }, ['init', '-q', '--bare', privateGitDir]);
  return { kind: 'private', target: { cwd: root, gitDir: privateGitDir, workTree: root }, gitDir: privateGitDir, branchRef: null };
}

function absoluteIn(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

export interface SnapshotRequest {
  /** A private index file to build the tree in (gone after); the work tree's own is never written but by `advanceBranch`. */
  indexFile: string;
  message: string;
  identity: GitIdentity;
  /** The commit the snapshot follows; by default the work tree's HEAD (none in a private repository). */
  parent?: string | null;
}

/**
 * Records the workspace as it is now as a commit: every file git would add (untracked ones too,
 * .gitignore respected), built in a private index so that the agent's own index and commits
 * stay as they are. When nothing differs from the parent no commit is made and the parent is
 * the answer: an empty change. On the job's branch (kind `branch`) the branch then points at it.
 */
export async function takeSnapshot(space: SnapshotSpace, request: SnapshotRequest): Promise<string> {
  try {
    const parent = request.parent !== undefined ? request.parent : space.kind === 'private' ? null : await headCommit(space.target);
    const tree = await treeOfWorkspace(space, request.indexFile);
    const unchanged = parent !== null && (await git(space.target, ['rev-parse', `${parent}^{tree}`])).trim() === tree;
    const commit = unchanged ? parent : await commitTree(space, tree, parent, request);
    if (space.branchRef) await advanceBranch(space, commit, request.indexFile);
    return commit;
  } finally {
    await rm(request.indexFile, { force: true });
  }
}

async function commitTree(space: SnapshotSpace, tree: string, parent: string | null, request: SnapshotRequest): Promise<string> {
  const { name, email } = request.identity;
  const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  return (await git({ ...space.target, env }, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], request.message)).trim();
}

/** The tree of the work tree as `git add -A` sees it, written from a private index seeded with the work tree's own (so unchanged files are not hashed again). */
async function treeOfWorkspace(space: SnapshotSpace, indexFile: string): Promise<string> {
  const target = { ...space.target, indexFile };
  if (space.kind !== 'private') {
    const own = await ownIndexFile(space);
    const copied = await copyFile(own, indexFile).then(
      () => stat(own),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error; // no index yet: git builds one from nothing
        return null;
      },
    );
    // The copy keeps the index's mtime: git re-reads an entry whose file changed in the second
    // the index was written ("racily clean") only when the index is no newer than the file, and
    // compares times to the second only (no USE_NSEC). A copy stamped now would pass a same-size
    // edit made in that second as unchanged, and the snapshot would miss it.
    if (copied) await utimes(indexFile, copied.atime, copied.mtime);
  }
  await git(target, ['add', '-A', '--', '.']);
  return (await git(target, ['write-tree'])).trim();
}

async function ownIndexFile(space: SnapshotSpace): Promise<string> {
  return absoluteIn(space.target.cwd, (await git(space.target, ['rev-parse', '--git-path', 'index'])).trim());
}

/** The commit HEAD names, or null in a repository with no commit yet. */
export async function headCommit(target: GitTarget): Promise<string | null> {
  const result = await tryGit(target, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * Moves the job's branch to `commit` (compare-and-swap from where it was) and brings the
 * worktree along when it moved or HEAD left it: HEAD on the branch again (an agent may have
 * switched away) and the worktree's index as the snapshot's, so that the next step sees a clean
 * checkout. The private index the snapshot was built in is that index, stat data and all; it
 * replaces the worktree's in one rename. Called while no agent runs in the worktree.
 */
async function advanceBranch(space: SnapshotSpace, commit: string, builtIndex: string): Promise<void> {
  const branchRef = space.branchRef!;
  const tip = await tryGit(space.target, ['rev-parse', '--verify', '--quiet', branchRef]);
  const head = await tryGit(space.target, ['symbolic-ref', '--quiet', 'HEAD']);
  if (tip.stdout.trim() === commit && head.stdout.trim() === branchRef) return;
  await git(space.target, ['update-ref', '-m', 'harness-mcp: snapshot', branchRef, commit, tip.exitCode === 0 ? tip.stdout.trim() : '']);
  await git(space.target, ['symbolic-ref', 'HEAD', branchRef]);
  await rename(builtIndex, await ownIndexFile(space));
}

/** Keeps `commit` under `ref` (refs/harness/…), so that git's GC keeps it and the diff can be made again. */
export async function keepUnderRef(space: SnapshotSpace, ref: string, commit: string): Promise<void> {
  await git(space.target, ['update-ref', '-m', 'harness-mcp: snapshot', ref, commit]);
}
