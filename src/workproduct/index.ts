// What the other floors may use of workproduct/; everything else in it is its own (docs/architecture.md).
export { git, tryGit, gitVersion, GitCommandError, type GitTarget } from './git.js';
