// What cli.ts uses of commands/: one function per command, and the exit codes.
export { EXIT } from './common.js';
export { control } from './control.js';
export { dashboard } from './dashboard.js';
export { diff } from './diff.js';
export { setDrainFlag } from './drain.js';
export { gc } from './gc.js';
export { logs } from './logs.js';
export { run } from './run.js';
export { serve } from './serve.js';
export { status } from './status.js';
export { submit } from './submit.js';
export { land } from './land.js';
export { compare } from './compare.js';
export { releasePool } from './release-pool.js';
export { worker } from './worker.js';
