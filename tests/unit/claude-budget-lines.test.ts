import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseClaudeLine, type ClaudeMessageUsages } from '../../src/agents/claude/claude-events.js';

// Captured from Claude Code 2.1.332 (`claude -p --output-format stream-json --verbose
// --max-budget-usd 0.01`) against tools/model-servers/anthropic-server.ts: an assistant line of
// a first turn of a million input tokens, then the result it ended on.
const [assistant, result] = (await readFile(new URL('../fixtures/claude/claude-2.1.332-max-budget.jsonl', import.meta.url), 'utf8')).trimEnd().split('\n') as [string, string];

describe('claude lines and budgets', () => {
  it('adds each message’s usage into the run’s so far, counting a message repeated on several lines once', () => {
    const live: ClaudeMessageUsages = new Map();
    const usage = { kind: 'usage', scope: 'attempt', usage: { input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1 } };
    expect(parseClaudeLine(assistant, live).events).toContainEqual(usage);
    expect(parseClaudeLine(assistant, live).events).toContainEqual(usage);
    const second = assistant.replace('"id":"msg_1"', '"id":"msg_2"');
    expect(parseClaudeLine(second, live).events).toContainEqual({ ...usage, usage: { input_tokens: 2_000_000, cached_input_tokens: 0, output_tokens: 2 } });
  });

  it('reads no live usage without a tally to add it to', () => {
    expect(parseClaudeLine(assistant).events.some((e) => e.kind === 'usage')).toBe(false);
  });

  it('takes error_max_budget_usd as the agent stopping at its budget, before the cost it reports', () => {
    const events = parseClaudeLine(result, new Map()).events;
    expect(events[0]).toEqual({ kind: 'budget_exceeded', message: 'Reached maximum budget ($0.01)' });
    expect(events[1]).toMatchObject({ kind: 'usage', scope: 'thread', usage: { cost_usd: 4.002 } });
    expect(events.some((e) => e.kind === 'failed')).toBe(false);
  });
});
