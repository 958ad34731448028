import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import { AttemptEventSchema, InvalidArgumentError, RunIdSchema } from '../../core/index.js';
import { tailEventLines } from '../../store/index.js';
import type { Harness } from '../../harness/index.js';
import { answer, toolResult } from '../tool-result.js';
import { portable } from '../portable-schema.js';

// The longest stretch of events.jsonl one call reads, whatever `lines` says.
const MAX_SCAN_BYTES = 4 * 1024 * 1024;
const UNPARSED_RAW_CHARS = 2000;

export const TailEventsInput = z.object({
  run_id: RunIdSchema,
  lines: z.int().min(1).optional().describe('How many events (default 50)'),
  cursor: z.string().optional().describe('cursor of an earlier answer: the events written after it'),
});

export const TailEventsOutput = z.object({
  events: z.array(AttemptEventSchema.or(z.object({ type: z.literal('unparsed'), raw: z.string() }))),
  cursor: z.string(),
});

function parseEvent(line: string) {
  try {
    const parsed = AttemptEventSchema.safeParse(JSON.parse(line));
    if (parsed.success) return parsed.data;
  } catch {
    // kept below as unparsed
  }
  return { type: 'unparsed' as const, raw: line.slice(0, UNPARSED_RAW_CHARS) };
}

export function registerTailEvents(server: McpServer, harness: Harness): void {
  const maxLines = harness.configFile.limits.max_tail_events;
  server.registerTool(
    'tail_events',
    {
      title: 'Tail events',
      description:
        'The last events of an attempt (lifecycle events of the harness and the agent’s own), read from the end of ' +
        'events.jsonl; pass the returned cursor back to get only the events written since.',
      inputSchema: portable(TailEventsInput),
      outputSchema: portable(TailEventsOutput),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      answer(async () => {
        const count = args.lines ?? 50;
        if (count > maxLines) throw new InvalidArgumentError('lines', `${count} is over the limit of ${maxLines} (limits.max_tail_events)`);
        const cursor = args.cursor === undefined ? undefined : Number(args.cursor);
        if (cursor !== undefined && (!Number.isSafeInteger(cursor) || cursor < 0)) {
          throw new InvalidArgumentError('cursor', `\`${args.cursor}\` is not a cursor this server gave out`);
        }
        const location = await harness.reader.locateRun(args.run_id);
        const tail = await tailEventLines(harness.paths, location, count, cursor, MAX_SCAN_BYTES);
        const events = tail.lines.map(parseEvent);
        const text = events.length === 0 ? 'No events.' : events.map((e) => JSON.stringify(e)).join('\n');
        return toolResult({ events, cursor: String(tail.cursor) }, text);
      }),
  );
}
