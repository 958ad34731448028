import { describe, expect, it } from 'vitest';
import { parseClaudeLine } from '../../src/agents/claude/claude-events.js';
import { createGeminiLineParser } from '../../src/agents/gemini/gemini-events.js';
import { addUsage, sumUsages, usageSince } from '../../src/core/index.js';

const line = (value: unknown) => JSON.stringify(value);

describe('parseClaudeLine', () => {
  it('reads the session, tool use, usage over the session with cost, and the structured report', () => {
    expect(parseClaudeLine(line({ type: 'system', subtype: 'init', session_id: 's-1' })).events).toEqual([{ kind: 'session', threadId: 's-1' }]);
    expect(parseClaudeLine(line({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'npm test' } }] } })).events).toEqual([
      { kind: 'item', currentItem: 'tool: Bash: npm test' },
    ]);
    const result = parseClaudeLine(
      line({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'prose',
        structured_output: { status: 'success', summary: 'ok' },
        total_cost_usd: 0.25,
        modelUsage: { a: { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 6, cacheCreationInputTokens: 2 }, b: { inputTokens: 1, outputTokens: 1 } },
      }),
    );
    expect(result.events).toEqual([
      { kind: 'usage', scope: 'thread', usage: { input_tokens: 19, cached_input_tokens: 6, output_tokens: 5, cost_usd: 0.25 } },
      { kind: 'message', text: '{"status":"success","summary":"ok"}' },
    ]);
  });

  it('takes is_error, not subtype, as a failed run', () => {
    const events = parseClaudeLine(line({ type: 'result', subtype: 'success', is_error: true, result: 'API Error: 500 boom' })).events;
    expect(events).toEqual([{ kind: 'failed', message: 'API Error: 500 boom' }]);
  });

  it('keeps lines it does not know, and lines that are not JSON, in the log', () => {
    expect(parseClaudeLine(line({ type: 'stream_event', x: 1 }))).toEqual({ events: [], logged: { type: 'agent.stream_event', event: { type: 'stream_event', x: 1 } } });
    expect(parseClaudeLine('not json').logged).toEqual({ type: 'unparsed', raw: 'not json' });
  });
});

describe('the gemini line parser', () => {
  it('joins a reply streamed in pieces and starts afresh after a tool call', () => {
    const parse = createGeminiLineParser();
    const messages = (l: unknown) => parse(line(l)).events.filter((e) => e.kind === 'message');
    expect(messages({ type: 'message', role: 'assistant', content: 'I will ', delta: true })).toEqual([{ kind: 'message', text: 'I will ' }]);
    expect(parse(line({ type: 'tool_use', tool_name: 'run_shell_command', parameters: { command: 'ls' } })).events).toEqual([{ kind: 'item', currentItem: 'tool: run_shell_command: ls' }]);
    messages({ type: 'message', role: 'assistant', content: '{"status":', delta: true });
    expect(messages({ type: 'message', role: 'assistant', content: '"success"}', delta: true })).toEqual([{ kind: 'message', text: '{"status":"success"}' }]);
    expect(messages({ type: 'message', role: 'user', content: 'the prompt' })).toEqual([]);
  });

  it('reads usage of this run, and an error result as a failed run even at exit 0', () => {
    const parse = createGeminiLineParser();
    expect(parse(line({ type: 'init', session_id: 'g-1' })).events).toEqual([{ kind: 'session', threadId: 'g-1' }]);
    parse(line({ type: 'error', severity: 'error', message: 'Model stream ended without a finish reason.' }));
    expect(parse(line({ type: 'result', status: 'error', stats: { input_tokens: 7, output_tokens: 2, cached: 3 } })).events).toEqual([
      { kind: 'usage', scope: 'attempt', usage: { input_tokens: 7, cached_input_tokens: 3, output_tokens: 2 } },
      { kind: 'failed', message: 'Model stream ended without a finish reason.' },
    ]);
  });
});

describe('usage arithmetic', () => {
  const u = (input: number, cost?: number) => ({ input_tokens: input, cached_input_tokens: 0, output_tokens: 1, ...(cost === undefined ? {} : { cost_usd: cost }) });

  it('keeps a cost only where every part reports one', () => {
    expect(addUsage(u(1, 0.5), u(2, 0.25))).toEqual({ ...u(3, 0.75), output_tokens: 2 });
    expect(addUsage(u(1, 0.5), u(2))).toEqual({ ...u(3), output_tokens: 2 });
    expect(sumUsages([null, u(1), null])).toEqual(u(1));
    expect(sumUsages([null])).toBeNull();
  });

  it('takes what a resumed conversation used since its source, never below zero', () => {
    expect(usageSince(u(10, 1), u(4, 0.25))).toEqual({ ...u(6, 0.75), output_tokens: 0 });
    expect(usageSince(u(3), u(4))).toEqual({ ...u(0), output_tokens: 0 });
    expect(usageSince(u(3), null)).toEqual(u(3));
  });
});
