export * from './batch-scoreboard.js';
export * from './system-scoreboard.js';
export * from './describe.js';
export * from './scoreboard-files.js';
export * from './batch-progress.js';
export * from './batch-reader.js';
