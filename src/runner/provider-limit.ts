import type { ProviderLimit } from '../core/index.js';
import type { AgentAdapter } from '../agents/index.js';
import { currentAgentError, type Observed } from './observed.js';

const LABEL: Record<ProviderLimit['kind'], string> = { rate_limited: 'rate limited', usage_limited: 'usage limit reached', overloaded: 'provider overloaded' };

/** How much of stderr's end the text reading looks at: the CLIs print their last error there. */
const STDERR_CHARS = 4000;

/**
 * The provider limit that ended a failed run: the last one its events reported, else the one
 * the agent's final error or stderr's end names in words (its adapter's table); null when
 * neither names one; an error the model answered after is past and not read. `said` is the
 * agent's own words for it; `now` is when the agent said it (a relative reset counts from there).
 * An attempt that continues a session (`attempt.continuing`) is in the middle of a conversation
 * whether or not the model answered in it, so a retry continues that session too.
 */
export function providerLimitOf(
  adapter: Pick<AgentAdapter, 'limitFromText'>,
  observed: Observed,
  stderrTail: string,
  now: Date,
  attempt: { stepEnv: Readonly<Record<string, string>>; continuing: boolean },
): { limit: ProviderLimit; said: string } | null {
  const seen = observed.limit;
  if (seen) {
    const midConversation = seen.midConversation || attempt.continuing;
    return { limit: { kind: seen.kind, retry_at: seen.retryAt, window: seen.window?.slice(0, 64) ?? null, source: 'event', mid_conversation: midConversation }, said: seen.message };
  }
  const text = [currentAgentError(observed)?.message ?? '', stderrTail.slice(-STDERR_CHARS)].join('\n');
  const read = adapter.limitFromText(text, now, attempt.stepEnv);
  if (!read) return null;
  const midConversation = observed.answers > 0 || attempt.continuing;
  return { limit: { kind: read.kind, retry_at: read.retryAt, window: read.window?.slice(0, 64) ?? null, source: 'message', mid_conversation: midConversation }, said: read.message };
}

/** One phrase for a limit: "usage limit reached (five_hour), resets at 2026-12-01T19:37:00.000Z". */
export function describeLimit(limit: ProviderLimit): string {
  return `${LABEL[limit.kind]}${limit.window ? ` (${limit.window})` : ''}${limit.retry_at ? `, resets at ${limit.retry_at}` : ''}`;
}
