// What the other floors may use of scoreboard/; everything else in it is its own (docs/architecture.md).
export { countSteps, isSettled } from './batch-scoreboard.js';
export { batchScoreboardUri, SYSTEM_SCOREBOARD_URI } from './system-scoreboard.js';
export { CLI_LOGS, describeBatch, describeCounts, describeDamaged, MCP_LOGS } from './describe.js';
export { ScoreboardFiles } from './scoreboard-files.js';
export { type BatchProgress, describeProgress } from './batch-progress.js';
export { BatchReader, type ReaderOptions, type ReadSource, type StepSelection } from './batch-reader.js';
export { isStepUnsettled } from './job-status.js';
