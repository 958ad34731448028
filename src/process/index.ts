// What the other floors may use of process/; everything else in it is its own (docs/architecture.md).
export { type ProcessOutcome, runProcess } from './run-process.js';
export { runCommand } from './run-command.js';
export { AttemptOrphans } from './attempt-orphans.js';
export { type HeldFileLock, lockFileExclusively } from './file-lock.js';
