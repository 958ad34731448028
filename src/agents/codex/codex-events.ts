import { z } from 'zod';
import type { AgentEvent, ParsedLine } from '../agent-adapter.js';
import { itemText, readAgentLine } from '../agent-line.js';

// Event shapes as emitted by `codex exec --json` 0.169 and 0.171: one JSON object per stdout line.
const ItemSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  text: z.string().optional(),
  command: z.string().optional(),
  changes: z.array(z.looseObject({ path: z.string() })).optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  query: z.string().optional(),
  message: z.string().optional(),
});
type Item = z.infer<typeof ItemSchema>;

const CodexUsageSchema = z.looseObject({
  input_tokens: z.int().min(0),
  cached_input_tokens: z.int().min(0).optional(),
  output_tokens: z.int().min(0),
});

export const CodexEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('thread.started'), thread_id: z.string() }),
  z.looseObject({ type: z.literal('turn.started') }),
  z.looseObject({ type: z.literal('turn.completed'), usage: CodexUsageSchema }),
  z.looseObject({ type: z.literal('turn.failed'), error: z.looseObject({ message: z.string() }) }),
  z.looseObject({ type: z.literal('item.started'), item: ItemSchema }),
  z.looseObject({ type: z.literal('item.updated'), item: ItemSchema }),
  z.looseObject({ type: z.literal('item.completed'), item: ItemSchema }),
  z.looseObject({ type: z.literal('error'), message: z.string() }),
]);


/** What an item is doing, for the scoreboard's current_item: `command: npm test`, `editing src/x.ts`. */
function describeItem(item: Item): string {
  switch (item.type) {
    case 'command_execution':
      return itemText(`command: ${item.command ?? ''}`);
    case 'file_change':
      return itemText(`editing ${(item.changes ?? []).map((c) => c.path).join(', ')}`);
    case 'mcp_tool_call':
      return itemText(`tool: ${item.server ?? '?'}.${item.tool ?? '?'}`);
    case 'web_search':
      return itemText(`searching: ${item.query ?? ''}`);
    case 'reasoning':
      return 'thinking';
    case 'agent_message':
      return 'writing its reply';
    case 'todo_list':
      return 'planning';
    default:
      return item.type;
  }
}

/** One line of `codex exec --json` output in the harness's terms; a line that does not parse is kept as `unparsed`. */
export function parseCodexLine(line: string): ParsedLine {
  const { event, logged } = readAgentLine(line, CodexEventSchema);
  if (!event) return { events: [], logged };
  const events: AgentEvent[] = [];
  switch (event.type) {
    case 'thread.started':
      events.push({ kind: 'session', threadId: event.thread_id });
      break;
    case 'turn.completed':
      events.push({
        kind: 'usage',
        scope: 'thread',
        usage: { input_tokens: event.usage.input_tokens, cached_input_tokens: event.usage.cached_input_tokens ?? 0, output_tokens: event.usage.output_tokens },
      });
      break;
    case 'turn.failed':
      events.push({ kind: 'error', message: event.error.message });
      break;
    case 'error':
      events.push({ kind: 'error', message: event.message });
      break;
    case 'item.started':
    case 'item.updated':
      events.push({ kind: 'item', currentItem: describeItem(event.item) });
      break;
    case 'item.completed':
      if (event.item.type === 'agent_message' && event.item.text !== undefined) events.push({ kind: 'message', text: event.item.text });
      else if (event.item.type === 'error' && event.item.message) events.push({ kind: 'error', message: event.item.message });
      else events.push({ kind: 'item', currentItem: describeItem(event.item) });
      break;
    case 'turn.started':
      break;
  }
  return { events, logged };
}
