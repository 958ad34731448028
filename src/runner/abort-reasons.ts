import type { Ending } from '../core/index.js';

// The two reasons below are handed to AbortController.abort() and read back from the signal to
// judge the ending; they are never thrown, so they are plain Errors (what abort() expects), not HarnessErrors.

/** The abort reason when the server shuts down: the attempt ends runner_lost, not canceled. */
export class ShutdownReason extends Error {
  constructor() {
    super('harness-mcp is shutting down');
  }
}

export function isShutdown(signal: AbortSignal): boolean {
  return signal.reason instanceof ShutdownReason;
}

export const SHUTDOWN_ENDING: Ending = {
  status: 'failed',
  failureReason: 'runner_lost',
  message: 'the server shut down while the attempt was under way; it is retried by policy at the next start',
};

/** The abort reason when stuck auto-remediation kills an attempt that showed no activity. */
export class StuckReason extends Error {
  constructor(readonly lastActivityAt: string) {
    super(`no activity since ${lastActivityAt}`);
  }
}

/** The abort reason when an attempt went over its step's or its job's budget while it ran. */
export class BudgetExceededReason extends Error {}
