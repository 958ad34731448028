import { z } from 'zod';
import type { AgentEvent, ParsedLine } from '../agent-adapter.js';
import { itemText, readAgentLine } from '../agent-line.js';
import { geminiLimitFromText, geminiRetryAt } from './gemini-limits.js';

// Lines of `gemini -o stream-json` (Gemini CLI 0.61) the harness reads.
const StatsSchema = z.looseObject({
  input_tokens: z.number().min(0),
  output_tokens: z.number().min(0),
  cached: z.number().min(0).default(0),
});

export const GeminiLineSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('init'), session_id: z.string() }),
  z.looseObject({ type: z.literal('message'), role: z.string(), content: z.string(), delta: z.boolean().optional() }),
  z.looseObject({ type: z.literal('tool_use'), tool_name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() }),
  z.looseObject({ type: z.literal('tool_result') }),
  z.looseObject({ type: z.literal('error'), message: z.string() }),
  // Stats cover this run of the CLI only, a resumed session included.
  z.looseObject({ type: z.literal('result'), status: z.string(), error: z.looseObject({ type: z.string().optional(), message: z.string() }).optional(), stats: StatsSchema.optional() }),
]);

// The error types of a fatal result that name a quota (the CLI's own classes); 0.61 often
// reports "unknown" instead, and the harness then reads the message (gemini-limits.ts).
const QUOTA_ERROR_KIND = { TerminalQuotaError: 'usage_limited', RetryableQuotaError: 'rate_limited' } as const;

/** A fatal result whose error type names a quota, as a limit; the message gives the reset when it says. */
function limitOfResultError(error: { type?: string; message: string }): AgentEvent[] {
  const kind = error.type === 'TerminalQuotaError' || error.type === 'RetryableQuotaError' ? QUOTA_ERROR_KIND[error.type] : null;
  if (!kind) return [];
  // Lines are read as the CLI prints them, so a delay in the message counts from now.
  const now = new Date();
  const read = geminiLimitFromText(error.message, now);
  return [{ kind: 'limit', limit: read ?? { kind, retryAt: geminiRetryAt(error.message, now), window: null, message: error.message.slice(0, 500) } }];
}


/**
 * A reader of one attempt's lines. The CLI streams the assistant's reply in pieces
 * (`delta: true`); the reader joins them, so the last `message` event is the whole reply.
 */
export function createGeminiLineParser(): (line: string) => ParsedLine {
  let reply = '';
  let lastError: string | null = null;
  return (line) => {
    const { event, logged } = readAgentLine(line, GeminiLineSchema);
    if (!event) return { events: [], logged };
    const events: AgentEvent[] = [];
    switch (event.type) {
      case 'init':
        events.push({ kind: 'session', threadId: event.session_id });
        break;
      case 'message':
        if (event.role !== 'assistant') break;
        reply = event.delta ? reply + event.content : event.content;
        events.push({ kind: 'message', text: reply }, { kind: 'item', currentItem: 'writing its reply' });
        break;
      case 'tool_use': {
        reply = '';
        const command = event.parameters?.command ?? event.parameters?.file_path;
        const item = typeof command === 'string' ? `tool: ${event.tool_name}: ${command}` : `tool: ${event.tool_name}`;
        events.push({ kind: 'item', currentItem: itemText(item) });
        break;
      }
      case 'error':
        lastError = event.message;
        events.push({ kind: 'error', message: event.message });
        break;
      case 'result':
        if (event.stats) {
          events.push({ kind: 'usage', scope: 'attempt', usage: { input_tokens: event.stats.input_tokens, cached_input_tokens: event.stats.cached, output_tokens: event.stats.output_tokens } });
        }
        if (event.error) events.push(...limitOfResultError(event.error));
        // The CLI can exit 0 with an error result (a stream that broke off, say).
        if (event.status !== 'success') events.push({ kind: 'failed', message: event.error?.message ?? lastError ?? `the run ended with status ${event.status}` });
        break;
      case 'tool_result':
        break;
    }
    return { events, logged };
  };
}
