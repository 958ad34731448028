import { type GitIdentity, readCommit, writeCommit } from './commits.js';
import { git, GitCommandError, tryGit } from './git.js';
import { LandConflictError, LandUnrelatedError } from './land-errors.js';
import { mergeTrees } from './merge-trees.js';
import { replayCommits } from './replay.js';
import { isAncestor, type Repository } from './repository.js';

export type LandStrategy = 'merge' | 'squash' | 'rebase';
export type LandResult = 'fast_forward' | 'merge' | 'squash' | 'rebase' | 'up_to_date';

/** What landing a branch would make: the kind of result and the commit the target would point at. */
export interface LandPlan {
  result: LandResult;
  commit: string;
}

/** The two commits a landing joins, with the names they go by (for messages and errors). */
export interface LandSides {
  branch: string;
  onto: string;
  /** The job branch's tip. */
  source: string;
  /** The target's tip (or, for a target about to be created, where it starts). */
  target: string;
}

/**
 * Computes the commit `target` would move to, writing only objects (no ref, index or work tree
 * changes), so a dry run and a real landing plan alike. A conflict throws LandConflictError.
 */
export async function planLanding(
  repo: Repository,
  sides: LandSides,
  how: { strategy: LandStrategy; message?: string; identity: GitIdentity },
): Promise<LandPlan> {
  const { source, target } = sides;
  const base = await tryGit(repo.target, ['merge-base', target, source]);
  // Exit 1 with no output is git's "no common ancestor".
  if (base.exitCode === 1) throw new LandUnrelatedError(sides.branch, sides.onto);
  if (base.exitCode !== 0) throw new GitCommandError(['merge-base', target, source], base.exitCode, base.stderr);
  if (await isAncestor(repo, source, target)) return { result: 'up_to_date', commit: target };
  const fastForward = await isAncestor(repo, target, source);
  const identity = how.identity;
  switch (how.strategy) {
    case 'merge': {
      if (fastForward) return { result: 'fast_forward', commit: source };
      const tree = await mergedTree(repo, sides);
      const message = how.message ?? `Merge branch '${sides.branch}' into ${sides.onto}\n`;
      return { result: 'merge', commit: await writeCommit(repo, { tree, parents: [target, source], message, author: identity, committer: identity }) };
    }
    case 'squash': {
      // Even a branch the target could fast-forward to becomes one commit: that is what squash is for.
      const tree = await mergedTree(repo, sides);
      if (tree === (await readCommit(repo, target)).tree) return { result: 'up_to_date', commit: target };
      const message = how.message ?? (await squashMessage(repo, sides));
      return { result: 'squash', commit: await writeCommit(repo, { tree, parents: [target], message, author: identity, committer: identity }) };
    }
    case 'rebase': {
      // The branch's commits already sit on the target: replaying would only restamp their committer.
      if (fastForward) return { result: 'fast_forward', commit: source };
      const commits = (await git(repo.target, ['rev-list', '--first-parent', '--reverse', `${target}..${source}`])).split('\n').filter(Boolean);
      const tip = await replayCommits(repo, sides, target, commits, identity);
      return tip === target ? { result: 'up_to_date', commit: target } : { result: 'rebase', commit: tip };
    }
  }
}

async function mergedTree(repo: Repository, sides: LandSides): Promise<string> {
  const merged = await mergeTrees(repo, sides.target, sides.source);
  if (!merged.clean) throw new LandConflictError(sides.onto, merged.paths, merged.messages);
  return merged.tree;
}

/** `Squash branch 'B' into O`, then the subject of each commit it gathers, oldest first (as `git merge --squash` lists them). */
async function squashMessage(repo: Repository, sides: LandSides): Promise<string> {
  const subjects = (await git(repo.target, ['log', '--reverse', '--no-merges', '--format=%s', `${sides.target}..${sides.source}`])).split('\n').filter(Boolean);
  return `Squash branch '${sides.branch}' into ${sides.onto}\n\n${subjects.map((s) => `* ${s}`).join('\n')}\n`;
}
