import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedLine } from '../../src/agents/agent-adapter.js';
import { claudeLimitFromText } from '../../src/agents/claude/claude-limits.js';
import { parseClaudeLine } from '../../src/agents/claude/claude-events.js';
import { codexLimitFromText } from '../../src/agents/codex/codex-limits.js';
import { parseCodexLine } from '../../src/agents/codex/codex-events.js';
import { createGeminiLineParser } from '../../src/agents/gemini/gemini-events.js';
import { geminiLimitFromText } from '../../src/agents/gemini/gemini-limits.js';
import type { LimitKind, ProviderLimit } from '../../src/core/index.js';
import { initialObserved, observeAgentEvent } from '../../src/runner/observed.js';
import { providerLimitOf } from '../../src/runner/provider-limit.js';

// Lines the real CLIs printed against tools/model-servers, captured by tools/capture-limit-lines.ts.
const FIXTURES = fileURLToPath(new URL('../fixtures/agents/limits/', import.meta.url));

interface Capture {
  cli: string;
  case: string;
  captured_at: string;
  tz: string;
  turns: { kind: string; resetsAt?: number | null; retryAfterSeconds?: number }[];
  exit_code: number;
  stdout: string[];
  stderr: string[];
}

const AGENTS = {
  codex: { parser: () => parseCodexLine, limitFromText: (text: string, now: Date) => codexLimitFromText(text, now) },
  claude: { parser: () => parseClaudeLine, limitFromText: claudeLimitFromText },
  gemini: { parser: createGeminiLineParser, limitFromText: geminiLimitFromText },
} satisfies Record<string, { parser: () => (line: string) => ParsedLine; limitFromText: (text: string, now: Date) => unknown }>;
type Agent = keyof typeof AGENTS;

function capture(agent: Agent, name: string): Capture {
  return JSON.parse(readFileSync(join(FIXTURES, agent, `${name}.json`), 'utf8')) as Capture;
}

/** When the CLI printed its last line: the time its text is read at, as the runner does when the run ends. */
function endOf(c: Capture): Date {
  const stamps = c.stdout.map((l) => (JSON.parse(l) as { timestamp?: string }).timestamp).filter((t): t is string => typeof t === 'string');
  return new Date(stamps.at(-1) ?? c.captured_at);
}

/** An attempt that starts a conversation, with no env of its own. */
const FRESH = { stepEnv: {}, continuing: false };

/** What the runner makes of a captured run: its lines through the adapter's parser, then the limit reading. */
function limitOf(agent: Agent, c: Capture): ProviderLimit | null {
  const observed = initialObserved(null);
  const parse = AGENTS[agent].parser();
  for (const line of c.stdout) for (const event of parse(line).events) observeAgentEvent(observed, event, null);
  return providerLimitOf({ limitFromText: AGENTS[agent].limitFromText }, observed, c.stderr.join('\n'), endOf(c), FRESH)?.limit ?? null;
}

const resetOf = (c: Capture) => c.turns[0]!.resetsAt! * 1000;

type Expected = { kind: LimitKind; source: 'event' | 'message'; window?: string | null; retry?: 'none' | 'exact' | 'within_seconds' | 'within_minute' | 'retry_after' };
const EXPECTED: Record<Agent, Record<string, Expected>> = {
  codex: {
    'rate-limit': { kind: 'rate_limited', source: 'message', retry: 'none' },
    'rate-limit-retried': { kind: 'rate_limited', source: 'message', retry: 'none' },
    'usage-limit-today': { kind: 'usage_limited', source: 'message', retry: 'within_minute' },
    'usage-limit-later-day': { kind: 'usage_limited', source: 'message', retry: 'within_minute' },
    'usage-limit-no-reset': { kind: 'usage_limited', source: 'message', retry: 'none' },
    overloaded: { kind: 'overloaded', source: 'message', retry: 'none' },
    'overloaded-retried': { kind: 'overloaded', source: 'message', retry: 'none' },
    'internal-server-error': { kind: 'overloaded', source: 'message', retry: 'none' },
    'server-error': { kind: 'overloaded', source: 'message', retry: 'none' },
  },
  claude: {
    'rate-limit': { kind: 'rate_limited', source: 'event', retry: 'none' },
    'rate-limit-retried': { kind: 'rate_limited', source: 'event', retry: 'none' },
    'rate-limit-subscriber': { kind: 'rate_limited', source: 'event', retry: 'none' },
    // With an API key Claude Code does not read the unified headers: a plain 429 to it.
    'usage-limit-api-key': { kind: 'rate_limited', source: 'event', retry: 'none' },
    'usage-limit-five-hour': { kind: 'usage_limited', source: 'event', window: 'five_hour', retry: 'exact' },
    'usage-limit-seven-day': { kind: 'usage_limited', source: 'event', window: 'seven_day', retry: 'exact' },
    overloaded: { kind: 'overloaded', source: 'event', retry: 'none' },
    'overloaded-retried': { kind: 'overloaded', source: 'event', retry: 'none' },
  },
  gemini: {
    'rate-limit': { kind: 'rate_limited', source: 'message', retry: 'retry_after' },
    'rate-limit-retried': { kind: 'rate_limited', source: 'message', retry: 'retry_after' },
    // The reset comes as a whole number of seconds from the API's answer, read when the CLI ends.
    'usage-limit': { kind: 'usage_limited', source: 'message', window: 'daily', retry: 'within_seconds' },
    overloaded: { kind: 'overloaded', source: 'message', retry: 'none' },
  },
};

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe.each(Object.keys(EXPECTED) as Agent[])('the limits %s printed', (agent) => {
  it('has a capture for every expected case and an expectation for every capture', () => {
    const files = readdirSync(join(FIXTURES, agent)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(EXPECTED[agent]).sort());
  });

  it.each(Object.entries(EXPECTED[agent]))('%s is read as the limit it was', (name, expected) => {
    const c = capture(agent, name);
    // Codex printed the reset in the capture's local time; the runner reads it in its own.
    process.env.TZ = c.tz;
    const limit = limitOf(agent, c);
    expect(limit).toMatchObject({ kind: expected.kind, source: expected.source, mid_conversation: false });
    if (expected.window !== undefined) expect(limit!.window).toBe(expected.window);
    const retryAt = limit!.retry_at === null ? null : Date.parse(limit!.retry_at);
    switch (expected.retry) {
      case 'none':
        expect(limit!.retry_at).toBeNull();
        break;
      case 'exact':
        expect(Math.abs(retryAt! - resetOf(c))).toBeLessThanOrEqual(1000);
        break;
      case 'within_seconds':
        expect(Math.abs(retryAt! - resetOf(c))).toBeLessThanOrEqual(2000);
        break;
      case 'within_minute':
        // Printed rounded down to the minute; the harness takes the minute's end: never early.
        expect(retryAt! - resetOf(c)).toBeGreaterThanOrEqual(0);
        expect(retryAt! - resetOf(c)).toBeLessThanOrEqual(60_000);
        break;
      case 'retry_after':
        expect(retryAt! - endOf(c).getTime()).toBe(c.turns.at(-1)!.retryAfterSeconds! * 1000);
        break;
    }
  });
});

describe('codex usage-limit times', () => {
  const text = (at: string) => `You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at ${at}.`;
  const now = new Date('2026-12-01T16:35:00Z');

  it('reads a time of today in the given zone, taking the end of its minute', () => {
    expect(codexLimitFromText(text('11:37 AM'), now, 'America/New_York')?.retryAt).toBe('2026-12-01T16:38:00.000Z');
    expect(codexLimitFromText(text('1:37 AM'), now, 'Asia/Tokyo')?.retryAt).toBe('2026-12-01T16:38:00.000Z');
    expect(codexLimitFromText(text('12:05 AM'), new Date('2026-12-01T00:01:00Z'), 'UTC')?.retryAt).toBe('2026-12-01T00:06:00.000Z');
  });

  it('reads a dated time, and the local zone from TZ by default', () => {
    expect(codexLimitFromText(text('Dec 3rd, 2026 12:35 PM'), now, 'America/New_York')?.retryAt).toBe('2026-12-03T17:36:00.000Z');
    process.env.TZ = 'Europe/Paris';
    expect(codexLimitFromText(text('Jan 1st, 2027 6:43 AM'), now)?.retryAt).toBe('2027-01-01T05:44:00.000Z');
  });

  it('takes a plain apostrophe and "Try again later." as a usage limit without a reset', () => {
    expect(codexLimitFromText("You've hit your usage limit. Try again later.", now, 'UTC')).toMatchObject({ kind: 'usage_limited', retryAt: null });
    expect(codexLimitFromText('Quota exceeded. Check your plan and billing details.', now, 'UTC')).toMatchObject({ kind: 'usage_limited', retryAt: null });
  });

  it('reads no limit in errors that are not one', () => {
    expect(codexLimitFromText('unexpected status 400 Bad Request: bad input', now, 'UTC')).toBeNull();
    expect(codexLimitFromText('exceeded retry limit, last status: 401 Unauthorized', now, 'UTC')).toBeNull();
  });
});

describe('claude limit wordings', () => {
  it('reads the window and the reset of its usage-limit message in the zone it names', () => {
    const now = new Date('2026-12-01T16:35:00Z');
    expect(claudeLimitFromText("You've hit your 5-hour limit · resets 2:36pm (America/New_York)", now)).toMatchObject({ kind: 'usage_limited', window: 'five_hour', retryAt: '2026-12-01T19:37:00.000Z' });
    expect(claudeLimitFromText("You've hit your weekly limit · resets Dec 4, 11:36am (America/New_York)", now)).toMatchObject({ window: 'seven_day', retryAt: '2026-12-04T16:37:00.000Z' });
    expect(claudeLimitFromText("You've hit your weekly limit · resets Jan 2, 9am (UTC)", new Date('2026-12-30T10:00:00Z'))?.retryAt).toBe('2027-01-02T09:01:00.000Z');
  });

  it('reads a time alone that has passed today as tomorrow’s (it prints a date only beyond a day)', () => {
    expect(claudeLimitFromText("You've hit your 5-hour limit · resets 1am (America/New_York)", new Date('2026-12-02T04:00:00Z'))?.retryAt).toBe('2026-12-02T06:01:00.000Z');
  });

  it('reads no limit in an API error that is not one', () => {
    expect(claudeLimitFromText('API Error: 400 {"type":"error","error":{"type":"invalid_request_error"}}', new Date())).toBeNull();
  });
});

describe('the limit the runner keeps', () => {
  const limitEvent = (kind: LimitKind) => ({ kind: 'limit' as const, limit: { kind, retryAt: null, window: null, message: kind } });

  it('keeps a usage limit over the bare 429 reported after it, and says whether the model had answered', () => {
    const observed = initialObserved(null);
    observeAgentEvent(observed, { kind: 'message', text: 'working' }, null);
    observeAgentEvent(observed, { ...limitEvent('usage_limited'), limit: { ...limitEvent('usage_limited').limit, window: 'five_hour' } }, null);
    observeAgentEvent(observed, limitEvent('rate_limited'), null);
    expect(observed.limit).toMatchObject({ kind: 'usage_limited', window: 'five_hour', midConversation: true });
  });

  it('forgets a limit the model answered after: the agent retried past it', () => {
    const observed = initialObserved(null);
    observeAgentEvent(observed, limitEvent('overloaded'), null);
    observeAgentEvent(observed, { kind: 'item', currentItem: 'thinking' }, null);
    expect(observed.limit).toBeNull();
    expect(providerLimitOf({ limitFromText: () => null }, observed, '', new Date(), FRESH)).toBeNull();
  });

  it('does not read an error the model answered after as the run’s ending (codex’s own retry of a 429 got through)', () => {
    const observed = initialObserved(null);
    observeAgentEvent(observed, { kind: 'error', message: 'Reconnecting... 1/1 (exceeded retry limit, last status: 429 Too Many Requests)' }, null);
    observeAgentEvent(observed, { kind: 'item', currentItem: 'thinking' }, null);
    expect(providerLimitOf({ limitFromText: (text, now) => codexLimitFromText(text, now) }, observed, '', new Date(), FRESH)).toBeNull();
    // Said after the model's last answer, it is the ending.
    observeAgentEvent(observed, { kind: 'error', message: 'exceeded retry limit, last status: 429 Too Many Requests' }, null);
    expect(providerLimitOf({ limitFromText: (text, now) => codexLimitFromText(text, now) }, observed, '', new Date(), FRESH)?.limit).toMatchObject({ kind: 'rate_limited', mid_conversation: true });
  });

  it('counts an attempt that continues a session as mid-conversation, though the model had not answered in it yet', () => {
    const observed = initialObserved(null);
    observeAgentEvent(observed, limitEvent('rate_limited'), null);
    expect(providerLimitOf({ limitFromText: () => null }, observed, '', new Date(), { stepEnv: {}, continuing: true })?.limit.mid_conversation).toBe(true);
    expect(providerLimitOf({ limitFromText: () => null }, observed, '', new Date(), FRESH)?.limit.mid_conversation).toBe(false);
  });

  it('reads codex’s 5xx after its own retries as an overload', () => {
    expect(codexLimitFromText('exceeded retry limit, last status: 502 Bad Gateway', new Date())).toMatchObject({ kind: 'overloaded' });
  });
});

describe('a Gemini result whose error type names a quota', () => {
  it('is a limit event, its reset read from the message when it gives one', () => {
    const result = (type: string, message: string) => JSON.stringify({ type: 'result', status: 'error', error: { type, message } });
    const terminal = createGeminiLineParser()(result('TerminalQuotaError', 'You have exhausted your daily quota on this model.')).events;
    expect(terminal[0]).toEqual({ kind: 'limit', limit: { kind: 'usage_limited', retryAt: null, window: 'daily', message: 'You have exhausted your daily quota on this model.' } });
    const retryable = createGeminiLineParser()(result('RetryableQuotaError', 'Resource exhausted. Please retry in 30s.')).events;
    expect(retryable[0]).toMatchObject({ kind: 'limit', limit: { kind: 'rate_limited' } });
    expect(Date.parse((retryable[0] as { limit: { retryAt: string } }).limit.retryAt) - Date.now()).toBeGreaterThan(25_000);
    expect(createGeminiLineParser()(result('unknown', 'You have exhausted your daily quota on this model.')).events.some((e) => e.kind === 'limit')).toBe(false);
  });
});
