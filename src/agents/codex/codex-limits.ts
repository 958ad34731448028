import type { LimitSignal } from '../agent-adapter.js';
import { hour24, limitFromWordings, monthIndex, zonedDay, zonedInstant, type LimitWording } from '../limit-text.js';

// Codex reports a limit only in words: `error` and `turn.failed` carry a message, no code
// (`codex exec --json` 0.169 and 0.171). The usage-limit message names the reset in the local
// time of the codex process, rounded down to the minute: `6:40 AM` when it falls today, else
// `Dec 3rd, 2026 6:43 AM`; the harness reads it in its own zone, which codex inherits, and takes
// the end of that minute, so a retry never comes before the reset.
const CAPTURED = 'codex-cli 0.171.0, captured against tools/model-servers (tests/fixtures/agents/limits/codex)';
const BINARY = 'codex-cli 0.171.0, strings of its binary';

const MINUTE_MS = 60_000;
const RESET = /try again at (?:([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th), (\d{4}) )?(\d{1,2}):(\d{2}) ([AP]M)/;

/** The reset a usage-limit message names, read in `timeZone`: the end of the minute it prints. */
function resetOf(match: RegExpExecArray, now: Date, timeZone: string): string | null {
  const [, monthName, day, year, hour, minute, meridiem] = match;
  const today = zonedDay(now, timeZone);
  const date = monthName ? { year: Number(year), month: monthIndex(monthName), day: Number(day) } : today;
  if (!date || date.month < 0) return null;
  const at = zonedInstant(date.year, date.month, date.day, hour24(Number(hour), meridiem!), Number(minute), timeZone);
  return at === null ? null : new Date(at + MINUTE_MS).toISOString();
}

function codexWordings(timeZone: string): LimitWording[] {
  return [
    {
      // "You’ve hit your usage limit. Upgrade to Pro (…), visit … to purchase more credits or try
      // again at 11:37 AM." The middle sentence depends on the plan; "try again later." without
      // a resets_at. The apostrophe is U+2019; a plain one is taken too.
      readFrom: CAPTURED,
      pattern: new RegExp(`You[’']ve hit your usage limit\\.[^\\n]*?(?:${RESET.source}|try again later)`, 'i'),
      kind: 'usage_limited',
      retryAt: (match, now) => (match[4] ? resetOf(match, now, timeZone) : null),
    },
    // A ChatGPT workspace out of credits, and an API account out of quota (insufficient_quota).
    { readFrom: BINARY, pattern: /You[’']ve reached your usage limit\.|Your workspace is out of credits\./, kind: 'usage_limited' },
    { readFrom: BINARY, pattern: /Quota exceeded\. Check your plan and billing details\./, kind: 'usage_limited' },
    // Any other 429, after request_max_retries retries ("Reconnecting... 1/2 (…)" before each).
    { readFrom: CAPTURED, pattern: /exceeded retry limit, last status: 429\b/, kind: 'rate_limited' },
    // 503 server_is_overloaded; a 500; 5xx after its retries.
    { readFrom: CAPTURED, pattern: /Selected model is at capacity\. Please try a different model\./, kind: 'overloaded' },
    { readFrom: CAPTURED, pattern: /We[’']re currently experiencing high demand, which may cause temporary errors\./, kind: 'overloaded' },
    { readFrom: BINARY, pattern: /Codex is currently experiencing high load\./, kind: 'overloaded' },
    { readFrom: CAPTURED, pattern: /(?:exceeded retry limit, last status:?|unexpected status:?) 5\d\d\b/, kind: 'overloaded' },
  ];
}

/** The time zone this process reads local times in (TZ, else the system's). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The provider limit a codex error message names; local times are read in `timeZone`. */
export function codexLimitFromText(text: string, now: Date, timeZone: string = localTimeZone()): LimitSignal | null {
  return limitFromWordings(codexWordings(timeZone), text, now);
}
