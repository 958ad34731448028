import { type GitIdentity, readCommit, writeCommit } from './commits.js';
import { LandConflictError, LandUnrelatedError } from './land-errors.js';
import { mergeTrees } from './merge-trees.js';
import type { Repository } from './repository.js';

/**
 * Replays `commits` (oldest first) on top of `tip` as `git rebase` would, without a work tree:
 * each keeps its author, author date and message, with `committer` as committer. A commit whose
 * change the target already has is dropped, as `git rebase` drops a commit that becomes empty.
 * Answers the new tip (`tip` itself when every commit was dropped); a conflict throws
 * LandConflictError naming the commit, and no ref has moved.
 */
export async function replayCommits(
  repo: Repository,
  names: { branch: string; onto: string },
  tip: string,
  commits: readonly string[],
  committer: GitIdentity,
): Promise<string> {
  let current = tip;
  let currentTree = (await readCommit(repo, tip)).tree;
  for (const id of commits) {
    const commit = await readCommit(repo, id);
    const parent = commit.parents[0];
    // Only a branch whose first-parent line starts apart from the target gets here (a root commit).
    if (!parent) throw new LandUnrelatedError(names.branch, names.onto);
    // Cherry-picking C (parent P) onto T is the 3-way merge base P, ours T, theirs C. git 2.39's
    // merge-tree has no --merge-base, so a stand-in commit with T's tree and P as its only parent
    // makes P the merge base of the stand-in and C (P is an ancestor of both, and the stand-in is
    // new, so nothing after P is shared).
    const standIn = await writeCommit(repo, { tree: currentTree, parents: [parent], message: `harness-mcp: ${tip} replaying ${id}\n`, author: committer, committer });
    const merged = await mergeTrees(repo, standIn, id);
    if (!merged.clean) throw new LandConflictError(names.onto, merged.paths, merged.messages, id);
    if (merged.tree === currentTree) continue;
    current = await writeCommit(repo, { tree: merged.tree, parents: [current], message: commit.message, author: commit.author, committer });
    currentTree = merged.tree;
  }
  return current;
}
