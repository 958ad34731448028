import type { LimitSignal } from '../agent-adapter.js';
import { limitFromWordings, secondsAfter, type LimitWording } from '../limit-text.js';

// Gemini CLI 0.61 classifies a 429 or 503 itself (TerminalQuotaError, RetryableQuotaError, in
// packages/core/src/utils/googleQuotaErrors.ts) and retries the retryable ones up to
// general.maxAttempts. What reaches its stream-json output is the `result` error's message
// ("[API Error: …]"); its stderr's end names the class and the API's own message, whose
// "Please retry in 17995s." still gives the reset of a spent daily quota after the CLI
// shortened the message to "You have exhausted your daily quota on this model.".
const CAPTURED = 'Gemini CLI 0.61.0, captured against tools/model-servers (tests/fixtures/agents/limits/gemini)';
const SOURCES = 'Gemini CLI 0.61.0, its bundle (classifyGoogleError)';

const RETRY_IN = /Please retry in ([0-9.]+)(ms|s)\b/;

/** The reset the API named anywhere in `text` ("Please retry in 3s.", "… in 250ms."), counted from `now`; null when it names none. */
export function geminiRetryAt(text: string, now: Date): string | null {
  const retry = RETRY_IN.exec(text);
  if (!retry) return null;
  const seconds = Number(retry[1]) / (retry[2] === 'ms' ? 1000 : 1);
  return Number.isFinite(seconds) ? secondsAfter(now, seconds) : null;
}

const retryInOf = (_match: RegExpExecArray, now: Date, text: string) => geminiRetryAt(text, now);

const GEMINI_WORDINGS: LimitWording[] = [
  // A per-day quota (QuotaFailure quotaId …PerDay…): the CLI's own sentence.
  { readFrom: CAPTURED, pattern: /You have exhausted your daily quota on this model\./, kind: 'usage_limited', retryAt: retryInOf, window: () => 'daily' },
  // 503 UNAVAILABLE, which the CLI also calls a RetryableQuotaError; capacity errors.
  { readFrom: CAPTURED, pattern: /The model is overloaded\./, kind: 'overloaded' },
  { readFrom: SOURCES, pattern: /exhausted your capacity|capacity exceeded|MODEL_CAPACITY_EXHAUSTED/i, kind: 'overloaded' },
  // A per-minute quota: the API's message with its delay, then the CLI's advice.
  { readFrom: CAPTURED, pattern: /You exceeded your current quota[^\n]*/, kind: 'rate_limited', retryAt: retryInOf },
  { readFrom: CAPTURED, pattern: /\bTerminalQuotaError\b/, kind: 'usage_limited', retryAt: retryInOf },
  { readFrom: CAPTURED, pattern: /\bRetryableQuotaError\b/, kind: 'rate_limited', retryAt: retryInOf },
];

/** The provider limit the text of a Gemini CLI error (its result message and stderr's end) names. */
export function geminiLimitFromText(text: string, now: Date): LimitSignal | null {
  return limitFromWordings(GEMINI_WORDINGS, text, now);
}
