import { z } from 'zod';
import { nowIso } from './clock.js';
import { IdSchema, RunIdSchema } from './ids.js';
import { ChangeSummarySchema } from './changes.js';
import { AgentNameSchema } from './launch-table.js';
import { AgentOutcomeSchema, UsageSchema, type AgentOutcome, type Usage } from './run-report.js';

export const AttemptStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'canceled', 'needs_attention']);
export type AttemptStatus = z.infer<typeof AttemptStatusSchema>;

export const TERMINAL_STATUSES: readonly AttemptStatus[] = ['succeeded', 'failed', 'canceled', 'needs_attention'];

export function isTerminal(status: AttemptStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const FailureReasonSchema = z.enum([
  'exit_nonzero',
  'timeout',
  'canceled',
  'schema_invalid',
  'no_final',
  'spawn_error',
  'runner_lost',
  // No activity for heartbeat_stale_after_seconds; killed by stuck auto-remediation.
  'stuck',
  // The harness could not write the attempt's files (a full disk, say).
  'storage_error',
  // The agent exited 0 but its report says it did not do the work.
  'agent_failure',
  'agent_blocked',
  // resume_from could not be honoured (the agent keeps sessions per working directory, say).
  'resume_unavailable',
  // The provider refused for a short while (HTTP 429, Retry-After); the pool parks, the step runs again.
  'rate_limited',
  // A plan or quota window is spent (a five-hour or weekly limit); the pool parks until it resets.
  'usage_limited',
  // The provider was overloaded (HTTP 5xx, 529); the pool parks briefly, the step runs again.
  'overloaded',
  // The attempt crossed its step's or job's budget (tokens, cost or wall time) and was stopped.
  'budget_exceeded',
]);
export type FailureReason = z.infer<typeof FailureReasonSchema>;

/** The failure reasons that say the provider, not the step, stopped the attempt. */
export const LimitKindSchema = z.enum(['rate_limited', 'usage_limited', 'overloaded']);
export type LimitKind = z.infer<typeof LimitKindSchema>;

/** What the agent said about the provider limit that ended an attempt. */
export const ProviderLimitSchema = z.strictObject({
  kind: LimitKindSchema,
  retry_at: z.iso.datetime().nullable().describe('When the provider said the limit resets; null when it did not say'),
  window: z.string().max(64).nullable().describe('The limit window the provider named (five_hour, seven_day, …), if any'),
  source: z.enum(['event', 'message']).describe('Read from a structured event of the agent, or from the text of its error'),
  mid_conversation: z.boolean().describe('The model had answered at least once in this attempt before the limit struck'),
});
export type ProviderLimit = z.infer<typeof ProviderLimitSchema>;

/** Why an attempt exists: the first of its step, a retry by policy, a person's retry, or a cascade. */
export const AttemptTriggerSchema = z.enum(['initial', 'auto_retry', 'manual_retry', 'cascade']);
export type AttemptTrigger = z.infer<typeof AttemptTriggerSchema>;

// Error text kept in JSON stays small; the whole text is in the logs.
export const MAX_MESSAGE_CHARS = 8 * 1024;

export const AttemptStateSchema = z
  .strictObject({
    status: AttemptStatusSchema,
    run_id: RunIdSchema,
    batch_id: IdSchema,
    job_id: IdSchema,
    step_id: IdSchema,
    attempt: z.int().min(1).describe('1 for the first attempt of the step, counting every later one'),
    trigger: AttemptTriggerSchema,
    cascade: z.boolean().describe('Re-runs the steps that depend on this one once it succeeds'),
    created_at: z.iso.datetime(),
    runner_id: z.string().nullable(),
    pid: z.int().nullable(),
    started_at: z.iso.datetime().optional(),
    ended_at: z.iso.datetime().optional(),
    last_heartbeat_at: z.iso.datetime().nullable(),
    current_item: z.string().nullable(),
    exit_code: z.int().nullable(),
    signal: z.string().nullable(),
    failure_reason: FailureReasonSchema.nullable(),
    message: z.string().max(MAX_MESSAGE_CHARS).nullable(),
    agent_outcome: AgentOutcomeSchema.nullable(),
    usage: UsageSchema.nullable().describe('Tokens this attempt used'),
    thread_usage: UsageSchema.nullable().describe('Tokens over the whole conversation as the agent reported them (a resume continues it)'),
    thread_id: z.string().nullable(),
    resumed_from: z
      .strictObject({ step_id: IdSchema, run_id: RunIdSchema, thread_id: z.string().nullable() })
      .nullable()
      .describe('The attempt whose session this one continued'),
    changes: ChangeSummarySchema.nullable()
      .optional()
      .describe('What the attempt changed in its workspace (changes.json has it per file); null when it was not recorded'),
    agent: AgentNameSchema.optional().describe('The agent that ran the attempt: the step’s own, or its fallback_agent; absent until it starts'),
    limit: ProviderLimitSchema.nullable()
      .optional()
      .describe('The provider limit that ended the attempt (failure_reason rate_limited, usage_limited or overloaded); null or absent otherwise'),
  })
  .superRefine((state, ctx) => {
    const terminal = isTerminal(state.status);
    if ((terminal || state.status === 'running') && !state.started_at) {
      ctx.addIssue({ code: 'custom', path: ['started_at'], message: `a ${state.status} attempt has started_at` });
    }
    if (state.status === 'queued' && state.started_at) {
      ctx.addIssue({ code: 'custom', path: ['started_at'], message: 'a queued attempt has no started_at' });
    }
    if (terminal !== Boolean(state.ended_at)) {
      ctx.addIssue({ code: 'custom', path: ['ended_at'], message: 'ended_at is present exactly when the attempt is terminal' });
    }
    const failed = state.status === 'failed' || state.status === 'canceled' || state.status === 'needs_attention';
    if (failed !== (state.failure_reason !== null)) {
      ctx.addIssue({ code: 'custom', path: ['failure_reason'], message: `failure_reason is set exactly when the attempt ended ${state.status === 'succeeded' ? 'badly' : 'failed, canceled or needs_attention'}` });
    }
  });
export type AttemptState = z.infer<typeof AttemptStateSchema>;

/** The first state of an attempt: queued, nothing run, nothing known yet. */
export function queuedState(
  ids: Pick<AttemptState, 'run_id' | 'batch_id' | 'job_id' | 'step_id' | 'attempt' | 'trigger' | 'cascade' | 'created_at'>,
): AttemptState {
  return {
    status: 'queued',
    ...ids,
    runner_id: null,
    pid: null,
    last_heartbeat_at: null,
    current_item: null,
    exit_code: null,
    signal: null,
    failure_reason: null,
    message: null,
    agent_outcome: null,
    usage: null,
    thread_usage: null,
    thread_id: null,
    resumed_from: null,
  };
}

/** How an attempt ended, in the terms its terminal state needs; fields left out keep their value. */
export interface Ending {
  status: 'succeeded' | 'failed' | 'canceled' | 'needs_attention';
  failureReason: FailureReason | null;
  message: string | null;
  exitCode?: number | null;
  signal?: string | null;
  agentOutcome?: AgentOutcome | null;
  usage?: Usage | null;
  limit?: ProviderLimit | null;
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
    limit: ending.limit ?? null,
  };
}

/** Error text kept in JSON is cut to 8 KiB, keeping its end, where the cause usually is. */
export function truncateMessage(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const marker = '…[truncated] ';
  return marker + text.slice(text.length - (MAX_MESSAGE_CHARS - marker.length));
}
