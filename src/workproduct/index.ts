// What the other floors may use of workproduct/; everything else in it is its own (docs/architecture.md).
export { git, tryGit, gitVersion, GitCommandError, type GitTarget } from './git.js';
export { openSnapshotSpace, WorkspaceGitChangedError, type SnapshotSpace } from './snapshot-space.js';
export { takeSnapshot, keepUnderRef, headCommit, type Snapshot } from './snapshot.js';
export { diffCommits, type CommitDiff } from './changes.js';
export { landBranch, type LandHooks, type LandOutcome, type LandRequest, type LandResult, type LandStrategy } from './land.js';
export type { GitIdentity } from './commits.js';
export {
  GitTooOldError,
  LandBranchInvalidError,
  LandCheckoutAmbiguousError,
  LandCheckoutDirtyError,
  LandCheckoutStaleError,
  LandConflictError,
  LandRefMovedError,
  LandSourceMissingError,
  LandTargetMissingError,
  LandUnrelatedError,
  RepositoryMissingError,
} from './land-errors.js';
export { branchInUse, branchStatus, deleteJobBranch, landedRef, markLanded, type BranchStatus, type JobBranch } from './job-branches.js';
