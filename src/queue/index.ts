// What the other floors may use of queue/; everything else in it is its own (docs/architecture.md).
export { FilesystemQueue } from './filesystem-queue.js';
export { ControlInbox, type ControlRequest, ControlRequestSchema, type ControlResponse, type LandRequest, LandRequestSchema, describeControlProblems, runIdOfRetry } from './control-inbox.js';
