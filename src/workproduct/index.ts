// What the other floors may use of workproduct/; everything else in it is its own (docs/architecture.md).
export { git, tryGit, gitVersion, GitCommandError, type GitTarget } from './git.js';
export { openSnapshotSpace, takeSnapshot, keepUnderRef, headCommit, type GitIdentity, type SnapshotSpace } from './snapshot.js';
export { diffCommits, type CommitDiff } from './changes.js';
