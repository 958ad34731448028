import { KeyedSerial } from '../core/index.js';
import { checkCheckoutMovable, findCheckouts, moveCheckout } from './checkouts.js';
import type { GitIdentity } from './commits.js';
import { git, GitCommandError, gitVersion, tryGit } from './git.js';

import {
  GitTooOldError,
  LandBranchInvalidError,
  LandCheckoutAmbiguousError,
  LandCheckoutStaleError,
  LandCheckoutDirtyError,
  LandRefMovedError,
  LandSourceMissingError,
  LandTargetMissingError,
} from './land-errors.js';
import { type LandResult, type LandStrategy, planLanding } from './land-plan.js';
import { branchTip, isValidBranchName, openRepository, type Repository } from './repository.js';

export type { LandResult, LandStrategy } from './land-plan.js';

export interface LandRequest {
  /** Any directory inside the source repository (its main work tree, usually). */
  repo: string;
  /** The job's branch, a short name such as `harness/b1/fixer`. */
  branch: string;
  /** The branch to land onto, a short name such as `main`. */
  onto: string;
  strategy: LandStrategy;
  /** The message of a merge or squash commit; by default one naming the branch. */
  message?: string;
  /** Answer what would happen, change nothing. */
  dryRun: boolean;
  /** Make `onto` when it does not exist, at `base`; without it, a missing `onto` is refused. */
  create: boolean;
  /** Where a created `onto` starts: the job's base commit. Default: the merge base of `HEAD` and the job's branch. */
  base?: string;
  /** Author and committer of the commits the harness makes (a rebase keeps each commit's author). */
  identity: GitIdentity;
}

export interface LandOutcome {
  onto: string;
  strategy: LandStrategy;
  dry_run: boolean;
  result: LandResult;
  /** The target's tip before (null when it was created). */
  old_commit: string | null;
  /** The tip the target has now (or would have, in a dry run). */
  commit: string;
  /** The work tree that has `onto` checked out and was (or would be) moved along with it. */
  checkout_updated: string | null;
  /** The tip of the job's branch that was (or would be) landed. */
  branch_commit: string;
}

/** Test seams, real code paths: `beforeUpdate` runs after every check, just before the ref moves. */
export interface LandHooks {
  beforeUpdate?: () => Promise<void>;
}

const MERGE_TREE_WRITE_TREE = [2, 38, 0] as const;

// In-process turns per (repository, target); the compare-and-swap on the ref covers other processes.
const turns = new KeyedSerial();

/**
 * Lands a job's branch onto a branch of its repository without touching any work tree or index
 * but a clean checkout of the target itself, which moves along with it. Every refusal is a
 * HarnessError thrown before the target ref moved.
 */
export async function landBranch(req: LandRequest, hooks: LandHooks = {}): Promise<LandOutcome> {
  await requireGit(MERGE_TREE_WRITE_TREE);
  const repo = await openRepository(req.repo);
  for (const name of [req.onto, req.branch]) {
    if (!(await isValidBranchName(repo, name))) throw new LandBranchInvalidError(name, 'it is not a branch name git accepts (a short name such as `main`)');
  }
  if (req.onto === req.branch) throw new LandBranchInvalidError(req.onto, "it is the job's own branch; name the branch to land it onto, such as `main`");
  return turns.run(`${repo.commonDir}\0${req.onto}`, () => landInTurn(repo, req, hooks));
}

async function landInTurn(repo: Repository, req: LandRequest, hooks: LandHooks): Promise<LandOutcome> {
  const source = await branchTip(repo, req.branch);
  if (!source) throw new LandSourceMissingError(req.branch, req.repo);
  const old = await branchTip(repo, req.onto);
  if (!old && !req.create) throw new LandTargetMissingError(req.onto, req.repo);
  const target = old ?? (await createdStart(repo, req, source));
  const plan = await planLanding(repo, { branch: req.branch, onto: req.onto, source, target }, req);
  // A branch that does not exist yet is checked out nowhere (an unborn branch has no commit to move from).
  const checkouts = old ? await findCheckouts(repo, req.onto) : [];
  if (checkouts.length > 1) throw new LandCheckoutAmbiguousError(req.onto, checkouts);
  const moves = old !== null && plan.commit !== old;
  const checkout = moves ? (checkouts[0] ?? null) : null;
  if (checkout && old) await checkCheckoutMovable(req.onto, checkout, old, plan.commit);
  const outcome: LandOutcome = { onto: req.onto, strategy: req.strategy, dry_run: req.dryRun, result: plan.result, old_commit: old, commit: plan.commit, checkout_updated: checkout, branch_commit: source };
  if (req.dryRun || (old !== null && !moves)) return outcome;
  await hooks.beforeUpdate?.();
  // The ref moves first, the checkout after. The compare-and-swap is the one step that decides
  // whether this landing happens at all (another process may have moved the ref); doing it
  // first means a landing that loses that race has touched no file. The checkout then follows
  // with a read-tree that either moves it whole or refuses untouched; if someone dirtied it in
  // the moment since the check, the ref is swapped back, so a refusal still leaves nothing changed.
  await swapRef(repo, req, old, plan.commit);
  if (checkout && old) {
    const moved = await moveCheckout(checkout, req.onto, old, plan.commit);
    if (!moved.moved) await undoLanding(repo, req, old, plan.commit, checkout, moved.why);
  }
  return outcome;
}

async function requireGit(needed: readonly [number, number, number]): Promise<void> {
  const found = await gitVersion();
  const atLeast = found !== null && compareVersions(found, needed) >= 0;
  if (!atLeast) throw new GitTooOldError(found?.join('.') ?? null, needed.join('.'));
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) - b[i]!;
  return 0;
}

/** Where a target that does not exist yet starts: the job's base, else the merge base of `HEAD` and the job's branch. */
async function createdStart(repo: Repository, req: LandRequest, source: string): Promise<string> {
  const start = req.base ?? (await git(repo.target, ['merge-base', 'HEAD', source])).trim();
  return (await git(repo.target, ['rev-parse', '--verify', `${start}^{commit}`])).trim();
}

/** `update-ref REF NEW OLD`: git moves the ref only if it still holds OLD (an empty OLD: only if it does not exist). */
async function swapRef(repo: Repository, req: LandRequest, old: string | null, next: string): Promise<void> {
  const ref = `refs/heads/${req.onto}`;
  const args = ['update-ref', '-m', `harness-mcp land (${req.strategy}): ${req.branch}`, ref, next, old ?? ''];
  const answer = await tryGit(repo.target, args);
  if (answer.exitCode === 0) return;
  const now = await branchTip(repo, req.onto);
  if (now !== old) throw new LandRefMovedError(req.onto, old, now);
  throw new GitCommandError(args, answer.exitCode, answer.stderr);
}

/** Puts the ref back after its checkout refused to follow; the checkout itself was never touched. */
async function undoLanding(repo: Repository, req: LandRequest, old: string, landed: string, checkout: string, why: string): Promise<never> {
  const back = await tryGit(repo.target, ['update-ref', '-m', `harness-mcp land undone: ${req.branch}`, `refs/heads/${req.onto}`, old, landed]);
  if (back.exitCode !== 0) throw new LandCheckoutStaleError(req.onto, checkout, old, landed, why);
  throw new LandCheckoutDirtyError(req.onto, checkout, [], `changed while landing (${why})`);
}
