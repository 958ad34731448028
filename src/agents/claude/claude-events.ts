import { z } from 'zod';
import type { Usage } from '../../core/index.js';
import type { AgentEvent, ParsedLine } from '../agent-adapter.js';
import { itemText, readAgentLine } from '../agent-line.js';
import { limitKindOfStatus } from './claude-limits.js';

// Lines of `claude -p --output-format stream-json --verbose` (Claude Code 2.1) the harness reads.
const ContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  name: z.string().optional(),
  input: z.record(z.string(), z.unknown()).optional(),
});

const ModelUsageSchema = z.looseObject({
  inputTokens: z.number().min(0),
  outputTokens: z.number().min(0),
  cacheReadInputTokens: z.number().min(0).default(0),
  cacheCreationInputTokens: z.number().min(0).default(0),
});

// Claude Code 2.1.332 sends it after each response the unified limiter ran on (subscriptions
// only): status `rejected` says the window named by rateLimitType is spent until resetsAt
// (epoch seconds); a rejected event without a window is a short rate limit.
const RateLimitInfoSchema = z.looseObject({
  status: z.string(),
  resetsAt: z.number().optional(),
  rateLimitType: z.string().max(64).optional(),
});

// One API call's usage on an assistant line; Claude Code repeats it on each line of the same message.
const MessageUsageSchema = z.looseObject({
  input_tokens: z.number().min(0),
  output_tokens: z.number().min(0),
  cache_read_input_tokens: z.number().min(0).nullish(),
  cache_creation_input_tokens: z.number().min(0).nullish(),
});

export const ClaudeLineSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('system'),
    subtype: z.string(),
    session_id: z.string().optional(),
    // api_retry: Claude Code retries by itself (CLAUDE_CODE_MAX_RETRIES); `error` names why.
    error: z.string().optional(),
    error_status: z.number().nullable().optional(),
  }),
  z.looseObject({
    type: z.literal('assistant'),
    message: z.looseObject({ id: z.string().optional(), content: z.array(ContentBlockSchema), usage: MessageUsageSchema.optional() }),
    // An API error shown as an assistant message; the model did not write it.
    is_api_error_message: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal('user') }),
  z.looseObject({ type: z.literal('rate_limit_event'), rate_limit_info: RateLimitInfoSchema }),
  z.looseObject({
    type: z.literal('result'),
    is_error: z.boolean(),
    api_error_status: z.number().nullable().optional(),
    // error_max_budget_usd when it stopped at --max-budget-usd (Claude Code 2.1.332), with `errors`.
    subtype: z.string().optional(),
    errors: z.array(z.string()).optional(),
    result: z.string().optional(),
    structured_output: z.unknown().optional(),
    total_cost_usd: z.number().min(0).optional(),
    // Over the whole session: Claude Code restores both when it resumes one.
    modelUsage: z.record(z.string(), ModelUsageSchema).optional(),
  }),
]);


function describeToolUse(name: string, input: Record<string, unknown>): string {
  const detail = input.command ?? input.file_path ?? input.pattern ?? input.description;
  const text = typeof detail === 'string' ? `tool: ${name}: ${detail}` : `tool: ${name}`;
  return itemText(text);
}

/**
 * Tokens over the session: input counts every prompt token (cache reads and writes too, as
 * OpenAI counts them), cached_input the cache reads; cost as Claude Code reports it.
 */
function sessionUsage(models: Record<string, z.infer<typeof ModelUsageSchema>>, costUsd: number | undefined): Usage {
  const usage: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
  for (const m of Object.values(models)) {
    usage.input_tokens += m.inputTokens + m.cacheReadInputTokens + m.cacheCreationInputTokens;
    usage.cached_input_tokens += m.cacheReadInputTokens;
    usage.output_tokens += m.outputTokens;
  }
  return costUsd === undefined ? usage : { ...usage, cost_usd: costUsd };
}

/** A rejected rate_limit_event as a limit: a named window is a spent plan, none a rate limit. */
function limitOfRateLimitInfo(info: z.infer<typeof RateLimitInfoSchema>): AgentEvent[] {
  if (info.status !== 'rejected') return [];
  const window = info.rateLimitType ?? null;
  const retryAt = info.resetsAt === undefined ? null : new Date(info.resetsAt * 1000).toISOString();
  const message = window ? `the ${window} limit is spent${retryAt ? ` until ${retryAt}` : ''}` : 'requests are limited for now';
  return [{ kind: 'limit', limit: { kind: window ? 'usage_limited' : 'rate_limited', retryAt, window, message } }];
}

/** api_retry's reason as a limit: Claude Code is about to retry, so no reset is known. */
function limitOfRetry(error: string | undefined, status: number | null | undefined, message: string): AgentEvent[] {
  const kind = error === 'rate_limit' ? 'rate_limited' : error === 'overloaded' ? 'overloaded' : limitKindOfStatus(status ?? 0);
  return kind ? [{ kind: 'limit', limit: { kind, retryAt: null, window: null, message } }] : [];
}

/** The usage of this run so far from the assistant lines, by message id (the latest line of each); see parseClaudeLine. */
export type ClaudeMessageUsages = Map<string, Usage>;

function addMessageUsage(live: ClaudeMessageUsages, id: string, usage: z.infer<typeof MessageUsageSchema>): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  live.set(id, { input_tokens: usage.input_tokens + cacheRead + (usage.cache_creation_input_tokens ?? 0), cached_input_tokens: cacheRead, output_tokens: usage.output_tokens });
  const total: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
  for (const u of live.values()) {
    total.input_tokens += u.input_tokens;
    total.cached_input_tokens += u.cached_input_tokens;
    total.output_tokens += u.output_tokens;
  }
  return total;
}

/**
 * One line of Claude Code's stream-json output in the harness's terms. With `live`, each
 * assistant line's usage is added up into the run's usage so far (a budget follows it while the
 * run goes on; the result line's session totals replace it at the end).
 */
export function parseClaudeLine(line: string, live?: ClaudeMessageUsages): ParsedLine {
  const { event, logged } = readAgentLine(line, ClaudeLineSchema);
  if (!event) return { events: [], logged };
  const events: AgentEvent[] = [];
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init' && event.session_id) events.push({ kind: 'session', threadId: event.session_id });
      if (event.subtype === 'api_retry') events.push(...limitOfRetry(event.error, event.error_status, `Claude Code retries after ${event.error ?? 'an error'} (${event.error_status ?? 'no status'})`));
      break;
    case 'rate_limit_event':
      events.push(...limitOfRateLimitInfo(event.rate_limit_info));
      break;
    case 'assistant':
      if (event.is_api_error_message) break;
      if (live && event.message.id && event.message.usage) events.push({ kind: 'usage', scope: 'attempt', usage: addMessageUsage(live, event.message.id, event.message.usage) });
      for (const block of event.message.content) {
        if (block.type === 'tool_use') events.push({ kind: 'item', currentItem: describeToolUse(block.name ?? '?', block.input ?? {}) });
        else if (block.type === 'text') events.push({ kind: 'item', currentItem: 'writing its reply' });
        else if (block.type === 'thinking') events.push({ kind: 'item', currentItem: 'thinking' });
      }
      break;
    case 'result':
      // Its own budget stop before the usage, which is over that budget: the run has ended already.
      if (event.subtype === 'error_max_budget_usd') events.push({ kind: 'budget_exceeded', message: event.errors?.join('; ') || event.result || 'Claude Code reached its --max-budget-usd' });
      if (event.modelUsage) events.push({ kind: 'usage', scope: 'thread', usage: sessionUsage(event.modelUsage, event.total_cost_usd) });
      // is_error, not subtype, tells a failed run: an API error ends with subtype "success".
      if (event.subtype === 'error_max_budget_usd') break;
      if (event.is_error) {
        const message = event.result ?? 'Claude Code reported an error';
        const limit = event.api_error_status ? limitKindOfStatus(event.api_error_status) : null;
        if (limit) events.push({ kind: 'limit', limit: { kind: limit, retryAt: null, window: null, message } });
        events.push({ kind: 'failed', message });
      }
      else if (event.structured_output !== undefined) events.push({ kind: 'message', text: JSON.stringify(event.structured_output) });
      else if (event.result !== undefined) events.push({ kind: 'message', text: event.result });
      break;
    case 'user':
      break;
  }
  return { events, logged };
}
