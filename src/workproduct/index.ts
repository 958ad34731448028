// What the other floors may use of workproduct/; everything else in it is its own (docs/architecture.md).
export { git, tryGit } from './git.js';
export { openSnapshotSpace, type SnapshotSpace } from './snapshot-space.js';
export { takeSnapshot, keepUnderRef, type Snapshot } from './snapshot.js';
export { changeBetween, diffCommits, type CommitChange } from './changes.js';
export { branchTip, openRepository } from './repository.js';
export { landBranch, type LandOutcome, type LandRequest, type LandStrategy } from './land.js';
export { RepositoryMissingError } from './land-errors.js';
export type { GitIdentity } from './commits.js';
export { branchInUse, branchStatus, deleteJobBranch, leftoverMarks, markLanded, type BranchStatus, type JobBranch } from './job-branches.js';
