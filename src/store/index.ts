// What the other floors may use of store/; everything else in it is its own (docs/architecture.md).
export { ARTIFACT_NAMES, type ArtifactName, attemptDirName, type AttemptLocation, runIdOfDirName, RunsPaths } from './paths.js';
export { readJsonIfExists, writeJsonAtomic, writeJsonOnce } from './json-file.js';
export { AttemptFiles } from './attempt-files.js';
export { CurrentIndexFiles } from './current-index-files.js';
export { AttemptTransitions } from './attempt-transitions.js';
export { EventLog } from './event-log.js';
export { type DamagedState, listBatchIds, readStoredBatch } from './scan.js';
export { asDamage, damageProblem, DamagedFiles, unservedBatch } from './damaged-files.js';
export { stepKey, type StoredAttempt, type StoredBatch } from './stored-attempt.js';
export { type LockFile, type Owner, RunsLock } from './runs-lock.js';
export { type ArtifactPage, pageOfText, readArtifactPage, readArtifactTail, tailEventLines } from './artifact-reader.js';
export { removeAttemptsIndex, writeAttemptsIndex } from './attempts-index-file.js';
export { defaultRunsDir, resolveRunsRoot } from './runs-root.js';
export { sweepStaleTempFiles } from './temp-sweep.js';
export { appendLanding } from './landed-file.js';
export { peekPoolsFile, readPoolsFile, writePoolsFile } from './pools-file.js';
export { readBranchChange, writeBranchChange } from './branch-change-file.js';
export { readBudgetOverrides, writeBudgetOverrides } from './budget-overrides-file.js';
