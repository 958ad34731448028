import type { ReportReading } from './agent-adapter.js';

/** The final message as a run report: the whole message as JSON, or a fenced ```json block in it. */
export function reportFromMessage(text: string): ReportReading {
  const candidates = [text.trim(), /```(?:json)?\s*\n([\s\S]*?)```/.exec(text)?.[1]?.trim()].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    try {
      return { kind: 'report', source: 'agent', report: JSON.parse(candidate) };
    } catch {
      // try the next reading
    }
  }
  return { kind: 'unreadable', reason: `the final message is not JSON: ${text.slice(0, 300)}` };
}
