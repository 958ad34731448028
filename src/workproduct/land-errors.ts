import { HarnessError } from '../core/index.js';

// Every refusal of a landing is raised before the target ref moves, so each one means: nothing changed.

/** The machine's git lacks what landing without a work tree needs (`git merge-tree --write-tree`). */
export class GitTooOldError extends HarnessError {
  readonly code = 'git_too_old';
  constructor(
    readonly found: string | null,
    readonly needed: string,
  ) {
    super(`landing needs git ${needed} or newer (for \`git merge-tree --write-tree\`); ${found ? `this machine has git ${found}` : 'no git was found on PATH'}. Nothing changed`);
  }
}

/** The source repository is not there (moved, deleted) or the directory is not in a git repository. */
export class RepositoryMissingError extends HarnessError {
  readonly code = 'repo_missing';
  constructor(
    readonly repo: string,
    detail: string,
  ) {
    super(`the source repository ${repo} ${detail}; nothing changed`);
  }
}

/** A branch name git would not take, or one that is the job's own branch. */
export class LandBranchInvalidError extends HarnessError {
  readonly code = 'land_branch_invalid';
  constructor(
    readonly branch: string,
    detail: string,
  ) {
    super(`cannot land onto \`${branch}\`: ${detail}; nothing changed`);
  }
}

/** The job's branch is not in the repository (deleted, or the job never made one). */
export class LandSourceMissingError extends HarnessError {
  readonly code = 'land_branch_missing';
  constructor(
    readonly branch: string,
    readonly repo: string,
  ) {
    super(`the job's branch \`${branch}\` does not exist in ${repo}; nothing changed`);
  }
}

/** The target branch does not exist and the caller did not ask to create it. */
export class LandTargetMissingError extends HarnessError {
  readonly code = 'land_onto_missing';
  constructor(
    readonly onto: string,
    readonly repo: string,
  ) {
    super(LandTargetMissingError.describe(onto, repo, 'pass `create: true`'));
  }

  override get cliMessage(): string {
    return LandTargetMissingError.describe(this.onto, this.repo, 'add `--create`');
  }

  private static describe(onto: string, repo: string, how: string): string {
    return `the branch \`${onto}\` does not exist in ${repo}; nothing changed. To make it (at the job's base commit) and land there, ${how}`;
  }
}

/** The job's branch and the target do not merge cleanly. */
export class LandConflictError extends HarnessError {
  readonly code = 'land_conflict';
  constructor(
    readonly onto: string,
    readonly paths: readonly string[],
    readonly messages: readonly string[],
    /** For a rebase, the job commit whose replay conflicted. */
    readonly commit?: string,
  ) {
    super(
      `landing onto \`${onto}\` conflicts${commit ? ` while replaying ${commit.slice(0, 12)}` : ''} in ${paths.length} path${paths.length === 1 ? '' : 's'}: ${paths.join(', ')}; nothing changed. ` +
        `Resolve it on the job's branch (or merge \`${onto}\` into it) and land again` +
        (messages.length > 0 ? `\n${messages.map((m) => `- ${m}`).join('\n')}` : ''),
    );
  }
}

/** The target is checked out in a work tree whose state a landing would have to overwrite. */
/** The target is being rebased or bisected in a work tree: moving it under that would strand the operation. */
export class LandCheckoutBusyError extends HarnessError {
  readonly code = 'land_checkout_busy';
  constructor(
    readonly onto: string,
    readonly worktree: string,
    operation: string,
  ) {
    super(`\`${onto}\` is in the middle of a ${operation} in ${worktree}; nothing changed. Finish or abort the ${operation} there, and land again`);
  }
}

export class LandCheckoutDirtyError extends HarnessError {
  readonly code = 'land_checkout_dirty';
  constructor(
    readonly onto: string,
    readonly worktree: string,
    readonly paths: readonly string[],
    why: string,
  ) {
    const shown = paths.slice(0, 10).join(', ') + (paths.length > 10 ? `, and ${paths.length - 10} more` : '');
    super(`\`${onto}\` is checked out in ${worktree}, which ${why}${shown ? `: ${shown}` : ''}; nothing changed. Commit or remove those changes there, or check out another branch in it, and land again`);
  }
}

/** The target is checked out in more than one work tree (only `git worktree add --force` makes that). */
export class LandCheckoutAmbiguousError extends HarnessError {
  readonly code = 'land_checkout_ambiguous';
  constructor(
    readonly onto: string,
    readonly worktrees: readonly string[],
  ) {
    super(`\`${onto}\` is checked out in ${worktrees.length} work trees (${worktrees.join(', ')}); landing keeps one checkout consistent, not several. Nothing changed. Check out another branch in all but one, and land again`);
  }
}

/** The target ref moved between planning the landing and moving it (another process landed or committed). */
export class LandRefMovedError extends HarnessError {
  readonly code = 'land_ref_moved';
  constructor(
    readonly onto: string,
    readonly expected: string | null,
    readonly found: string | null,
  ) {
    super(
      `\`${onto}\` moved while landing (expected ${expected ?? 'no branch'}, found ${found ?? 'no branch'}); nothing changed. Land again onto its new tip`,
    );
  }
}

/** The job's branch and the target share no history, so there is no base to merge or replay from. */
export class LandUnrelatedError extends HarnessError {
  readonly code = 'land_unrelated';
  constructor(
    readonly branch: string,
    readonly onto: string,
  ) {
    super(`\`${branch}\` shares no history with \`${onto}\`, so it cannot be merged or replayed onto it; nothing changed`);
  }
}

/**
 * The one landing that leaves something changed: the ref moved, its checkout changed in the
 * moment after the checks and refused to follow, and someone moved the ref again before it
 * could be put back. Says how to bring the checkout along.
 */
export class LandCheckoutStaleError extends HarnessError {
  readonly code = 'land_checkout_stale';
  constructor(
    readonly onto: string,
    readonly worktree: string,
    readonly from: string,
    readonly to: string,
    why: string,
  ) {
    super(
      `\`${onto}\` was landed at ${to}, but its checkout in ${worktree} changed meanwhile and stayed at ${from} (${why}); ` +
        `the branch has moved again since, so it was not put back. Once the changes there are committed or removed, ` +
        `\`git -C ${worktree} read-tree -u -m ${from} refs/heads/${onto}\` brings the checkout to the branch's tip`,
    );
  }
}
