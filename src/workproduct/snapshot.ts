import { constants } from 'node:fs';
import { copyFile, rename, rm, stat, utimes } from 'node:fs/promises';
import type { GitIdentity } from './commits.js';
import { git, tryGit, withoutDrivers, type GitTarget } from './git.js';
import { lastSnapshotRef as lastSnapshotOf } from './job-branches.js';
import type { SnapshotSpace } from './snapshot-space.js';

export interface SnapshotRequest {
  /** A private index file to build the tree in (gone after); the work tree's own is written only on the job's branch. */
  indexFile: string;
  message: string;
  identity: GitIdentity;
  /** The commit the snapshot follows; by default the work tree's HEAD (none in a private repository). */
  parent?: string | null;
}

export interface Snapshot {
  commit: string;
  /** Git repositories inside the workspace, left out: git would record them as a bare link, or refuse. */
  nestedRepositories: string[];
}

// A branch moved under a snapshot (an agent committing beside it) is snapshotted again this often.
const BRANCH_RACE_TRIES = 3;

/**
 * Records the workspace as it is now as a commit: every file git would add (untracked ones too,
 * .gitignore respected), built in a private index so that the agent's own index and commits
 * stay as they are. When nothing differs from the parent no commit is made and the parent is
 * the answer: an empty change. On the job's branch (kind `branch`) the branch then points at it.
 */
export async function takeSnapshot(unguarded: SnapshotSpace, request: SnapshotRequest): Promise<Snapshot> {
  const space = { ...unguarded, target: await withoutDrivers(unguarded.target) };
  try {
    for (let tries = 1; ; tries++) {
      // What is read of git before and beside the tree is read at once: a snapshot ends every attempt.
      const [head, refs, built] = await Promise.all([
        space.kind === 'private' ? null : headOf(space),
        space.branchRef ? branchRefs(space.target, space.branchRef) : null,
        treeOfWorkspace(space, request.indexFile),
      ]);
      const { tree, nestedRepositories } = built;
      const parent = request.parent !== undefined ? request.parent : (head?.commit ?? null);
      if (!space.branchRef || !refs) {
        const unchanged = parent !== null && (await treeOf(space.target, parent)) === tree;
        return { commit: unchanged ? parent : await commitTree(space, tree, parent ? [parent] : [], request), nestedRepositories };
      }
      // The branch keeps every earlier snapshot: an agent that reset, amended or switched away
      // gets a snapshot with the harness's last one as a second parent, never that one dropped.
      const last = refs.last ?? refs.tip;
      const [keepsTip, parentTree] = await Promise.all([
        last === null || parent === null || last === parent || isAncestor(space.target, last, parent),
        parent === null ? null : treeOf(space.target, parent),
      ]);
      const parents = [parent, keepsTip ? null : last].filter((p): p is string => p !== null);
      const commit = keepsTip && parent !== null && parentTree === tree ? parent : await commitTree(space, tree, parents, request);
      // From the tip the snapshot was built on: a commit made meanwhile is not dropped, the snapshot is made again over it.
      const expected = head?.onBranch ? parent : refs.tip;
      if (await advanceBranch(space, commit, expected, head?.onBranch ?? false, request.indexFile)) return { commit, nestedRepositories };
      if (tries === BRANCH_RACE_TRIES) throw new Error(`${space.branchRef} kept moving while it was snapshotted (${tries} tries)`);
    }
  } finally {
    await rm(request.indexFile, { force: true });
  }
}

/** The last-snapshot mark of the job whose branch is `branchRef` (refs/heads/harness/<batch>/<job>). */
function lastSnapshotRef(branchRef: string): string {
  const [batchId, jobId] = branchRef.replace(/^refs\/heads\/harness\//, '').split('/') as [string, string];
  return lastSnapshotOf(batchId, jobId);
}

async function commitTree(space: SnapshotSpace, tree: string, parents: string[], request: SnapshotRequest): Promise<string> {
  const { name, email } = request.identity;
  const env = { ...space.target.env, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  return (await git({ ...space.target, env }, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'], request.message)).trim();
}

/**
 * The tree of the work tree as `git add -A` sees it, from a private index seeded with the work
 * tree's own (so that unchanged files are not hashed again). Nested repositories are left out,
 * as is what the space excludes. A private repository keeps the index for its next snapshot.
 */
async function treeOfWorkspace(space: SnapshotSpace, indexFile: string): Promise<{ tree: string; nestedRepositories: string[] }> {
  const target = { ...space.target, indexFile };
  await copyIndex(space.indexFile, indexFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error; // no index yet: git builds one from nothing
  });
  // ls-files lists an untracked repository as `dir/` and does not look inside it.
  const untracked = (await git(target, ['ls-files', '--others', '--exclude-standard', '-z'])).split('\0');
  const nestedRepositories = untracked.filter((path) => path.endsWith('/')).map((path) => path.slice(0, -1));
  const leftOut = [...nestedRepositories, ...space.excluded].map((path) => `:(exclude,literal,top)${path}`);
  await git(target, ['add', '-A', '--', '.', ...leftOut]);
  const tree = (await git(target, ['write-tree'])).trim();
  if (space.kind === 'private') await copyIndex(indexFile, space.indexFile);
  return { tree, nestedRepositories };
}

/**
 * Copies an index with its times. git trusts an entry's stat data only when the file is older
 * than the index itself ("racily clean" otherwise, and looked at again); a copy stamped now would
 * make a same-size edit of the last second look unchanged, and the snapshot miss it.
 */
async function copyIndex(from: string, to: string, mode?: number): Promise<void> {
  await copyFile(from, to, mode);
  const { atime, mtime } = await stat(from);
  await utimes(to, atime, mtime);
}

/** The commit HEAD names (null in a repository with no commit yet), and whether HEAD is the job's branch. */
async function headOf(space: SnapshotSpace): Promise<{ commit: string | null; onBranch: boolean }> {
  const [commit, symbolic] = await Promise.all([headCommit(space.target), tryGit(space.target, ['symbolic-ref', '--quiet', 'HEAD'])]);
  return { commit, onBranch: space.branchRef !== null && symbolic.stdout.trim() === space.branchRef };
}

/** The commit HEAD names, or null in a repository with no commit yet. */
async function headCommit(target: GitTarget): Promise<string | null> {
  return refValue(target, 'HEAD');
}

/** The job branch's tip and the harness's last snapshot on it, in one look; null for either that is not there. */
async function branchRefs(target: GitTarget, branchRef: string): Promise<{ tip: string | null; last: string | null }> {
  const listing = await git(target, ['for-each-ref', '--format=%(refname) %(objectname)', branchRef, lastSnapshotRef(branchRef)]);
  const value = (ref: string) => listing.split('\n').find((line) => line.startsWith(`${ref} `))?.slice(ref.length + 1) ?? null;
  return { tip: value(branchRef), last: value(lastSnapshotRef(branchRef)) };
}

async function refValue(target: GitTarget, ref: string): Promise<string | null> {
  const result = await tryGit(target, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

async function treeOf(target: GitTarget, commit: string): Promise<string> {
  return (await git(target, ['rev-parse', `${commit}^{tree}`])).trim();
}

async function isAncestor(target: GitTarget, ancestor: string, of: string): Promise<boolean> {
  return (await tryGit(target, ['merge-base', '--is-ancestor', ancestor, of])).exitCode === 0;
}

/**
 * Moves the job's branch to `commit` by compare-and-swap from `expected` (false when it had
 * moved), and brings the worktree along: HEAD on the branch again (an agent may have switched
 * away) and the worktree's index as the snapshot's, so that the next step sees a clean
 * checkout. The private index the snapshot was built in is that index, stat data and all; it is
 * handed over as git itself writes an index, through `index.lock`, also when nothing moved,
 * which mends an index a crash left behind a moved branch. A git holding the lock (a step
 * running beside this one) keeps the index: the next snapshot hands it over.
 */
async function advanceBranch(space: SnapshotSpace, commit: string, expected: string | null, headOnBranch: boolean, builtIndex: string): Promise<boolean> {
  const branchRef = space.branchRef!;
  // The branch and the harness's mark of its last snapshot move together, or neither does; an
  // old id of zeros (as long as the repository's ids) says the branch must not exist yet.
  const transaction = `start\nupdate ${branchRef} ${commit} ${expected ?? '0'.repeat(commit.length)}\nupdate ${lastSnapshotRef(branchRef)} ${commit}\ncommit\n`;
  const swapped = await tryGit(space.target, ['update-ref', '-m', 'harness-mcp: snapshot', '--stdin'], transaction);
  if (swapped.exitCode !== 0) return false;
  if (!headOnBranch) await git(space.target, ['symbolic-ref', 'HEAD', branchRef]);
  const lock = `${space.indexFile}.lock`;
  const locked = await copyIndex(builtIndex, lock, constants.COPYFILE_EXCL).then(
    () => false,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return true;
      throw error;
    },
  );
  if (!locked) await rename(lock, space.indexFile);
  return true;
}

/** Keeps `commit` under `ref` (refs/harness/…), so that git's GC keeps it and the diff can be made again. */
export async function keepUnderRef(space: SnapshotSpace, ref: string, commit: string): Promise<void> {
  await git(space.target, ['update-ref', '-m', 'harness-mcp: snapshot', ref, commit]);
}
