import type { z } from 'zod';
import type { ParsedLine } from './agent-adapter.js';

const RAW_CHARS = 2000;

/**
 * One JSONL line of an agent's output, read with the agent's schema of the events it knows.
 * `event` is null for a line the schema does not know (logged as `agent.<type>` with the event
 * as sent) or that is not JSON at all (logged as `unparsed` with the start of the line).
 */
export function readAgentLine<T extends { type: string }>(line: string, schema: z.ZodType<T>): { event: T | null; logged: ParsedLine['logged'] } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { event: null, logged: { type: 'unparsed', raw: line.slice(0, RAW_CHARS) } };
  }
  const parsed = schema.safeParse(raw);
  const type = parsed.success ? parsed.data.type : (raw as { type?: unknown })?.type;
  if (typeof type !== 'string') return { event: null, logged: { type: 'unparsed', raw: line.slice(0, RAW_CHARS) } };
  return { event: parsed.success ? parsed.data : null, logged: { type: `agent.${type}`, event: raw } };
}

const ITEM_CHARS = 200;

/** A scoreboard's current_item stays one short line: long commands are cut with an ellipsis. */
export function itemText(text: string): string {
  return text.length > ITEM_CHARS ? `${text.slice(0, ITEM_CHARS)}…` : text;
}
