import type { LimitKind } from '../../core/index.js';
import type { LimitSignal } from '../agent-adapter.js';
import { hour24, limitFromWordings, monthIndex, zonedDay, zonedInstant, type LimitWording } from '../limit-text.js';

// Claude Code says most of what the harness needs in events (claude-events.ts: rate_limit_event,
// system/api_retry, api_error_status on the result); these wordings read the final message when
// an event did not come. The usage-limit message names the reset on the wall clock of a named
// zone, rounded down to the minute: "resets 2:36pm (America/New_York)", "resets Dec 4, 11:36am
// (…)"; the harness takes the end of that minute, so a retry never comes before the reset.
const CAPTURED = 'Claude Code 2.1.332, captured against tools/model-servers (tests/fixtures/agents/limits/claude)';
const BINARY = 'Claude Code 2.1.332, strings of its binary';

const MINUTE_MS = 60_000;
const HALF_DAY_MS = 12 * 3600_000;

/** The windows Claude Code names in words, as its rate_limit_event names them. */
const WINDOW_OF_LABEL: Record<string, string> = { '5-hour': 'five_hour', weekly: 'seven_day' };

/** A window named in words as rate_limit_event would name it: `5-hour` → five_hour, `Opus weekly` → opus_weekly. */
function windowOf(label: string): string {
  return WINDOW_OF_LABEL[label.toLowerCase()] ?? label.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function resetOf(match: RegExpExecArray, now: Date): string | null {
  const [, , monthName, day, hour, minute, meridiem, timeZone] = match;
  if (!hour || !meridiem || !timeZone) return null;
  const today = zonedDay(now, timeZone);
  if (!today) return null;
  const date = monthName ? { ...today, month: monthIndex(monthName), day: Number(day) } : today;
  if (date.month < 0) return null;
  const at = (year: number) => zonedInstant(year, date.month, date.day, hour24(Number(hour), meridiem), Number(minute ?? 0), timeZone);
  let instant = at(date.year);
  // A date without a year that has passed is next year's (a weekly reset read on Dec 30).
  if (instant !== null && monthName && instant < now.getTime() - HALF_DAY_MS) instant = at(date.year + 1);
  // A time alone is within a day (Claude Code prints a date only beyond that): one already past is tomorrow's.
  if (instant !== null && !monthName && instant < now.getTime() - MINUTE_MS) instant += 2 * HALF_DAY_MS;
  return instant === null ? null : new Date(instant + MINUTE_MS).toISOString();
}

const CLAUDE_WORDINGS: LimitWording[] = [
  {
    // "You've hit your 5-hour limit · resets 2:36pm (America/New_York)"; "weekly" for seven_day.
    readFrom: CAPTURED,
    pattern: /You[’']ve hit your (.+?) limit(?: · resets (?:([A-Z][a-z]{2}) (\d{1,2}), )?(\d{1,2})(?::(\d{2}))?(am|pm) \(([^)]+)\))?/,
    kind: 'usage_limited',
    retryAt: resetOf,
    window: (match) => windowOf(match[1]!),
  },
  { readFrom: CAPTURED, pattern: /API Error: Server is temporarily limiting requests/, kind: 'rate_limited' },
  { readFrom: CAPTURED, pattern: /API Error: Request rejected \(429\)/, kind: 'rate_limited' },
  { readFrom: CAPTURED, pattern: /API Error: 529 Overloaded/, kind: 'overloaded' },
  { readFrom: BINARY, pattern: /API Error: 5\d\d\b/, kind: 'overloaded' },
];

/** The provider limit the text of a Claude Code error names. */
export function claudeLimitFromText(text: string, now: Date): LimitSignal | null {
  return limitFromWordings(CLAUDE_WORDINGS, text, now);
}

/** The limit an HTTP status of the API names: 429 a rate limit, 529 and other 5xx an overload. */
export function limitKindOfStatus(status: number): LimitKind | null {
  if (status === 429) return 'rate_limited';
  return status >= 500 && status <= 599 ? 'overloaded' : null;
}
