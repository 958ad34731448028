import {
  MAX_MESSAGE_CHARS,
  nowIso,
  type AgentOutcome,
  type AttemptState,
  type FailureReason,
  type Usage,
} from '../core/index.js';

export interface Ending {
  status: 'succeeded' | 'failed' | 'canceled' | 'needs_attention';
  failureReason: FailureReason | null;
  message: string | null;
  exitCode?: number | null;
  signal?: string | null;
  agentOutcome?: AgentOutcome | null;
  usage?: Usage | null;
}

/** The terminal state that follows `state`: ended now, started now too if it never started. */
export function endedState(state: AttemptState, ending: Ending): AttemptState {
  const endedAt = nowIso();
  return {
    ...state,
    status: ending.status,
    started_at: state.started_at ?? endedAt,
    ended_at: endedAt,
    failure_reason: ending.failureReason,
    message: ending.message === null ? null : truncateMessage(ending.message),
    exit_code: ending.exitCode ?? state.exit_code,
    signal: ending.signal ?? state.signal,
    agent_outcome: ending.agentOutcome ?? state.agent_outcome,
    usage: ending.usage ?? state.usage,
  };
}

/** Error text kept in JSON is cut to 8 KiB, keeping its end, where the cause usually is. */
export function truncateMessage(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const marker = '…[truncated] ';
  return marker + text.slice(text.length - (MAX_MESSAGE_CHARS - marker.length));
}

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
