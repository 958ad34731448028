import { readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { openRegularFile, type Usage } from '../../core/index.js';

// Lines of codex's session rollout, CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl, as written by
// codex 0.171.0 (tests/fixtures/rollouts/). `codex exec --json` prints usage only at the end
// (turn.completed); the rollout gets it after every model response, twice: a token_usage_record
// line as the response completes, and a token_count event after the tool calls it asked for ran.
// Both carry the thread's totals so far, so the newest of either is the usage now. `codex exec
// resume` (0.171.0) writes its turns to thread_history_1.sqlite, without usage, and nothing here:
// a resumed session is measured only at its turn.completed.
const TokenUsageSchema = z.looseObject({
  input_tokens: z.int().min(0),
  cached_input_tokens: z.int().min(0).default(0),
  output_tokens: z.int().min(0),
});

const RolloutLineSchema = z.union([
  z.looseObject({
    type: z.literal('event_msg'),
    payload: z.looseObject({ type: z.literal('token_count'), info: z.looseObject({ total_token_usage: TokenUsageSchema }) }),
  }),
  z.looseObject({ type: z.literal('token_usage_record'), payload: z.looseObject({ thread_token_usage: TokenUsageSchema }) }),
]);

/** The thread's usage so far that one rollout line reports; null for a line that reports none (most do). */
export function parseRolloutUsage(line: string): Usage | null {
  // Cheap test first: a rollout holds whole prompts and tool outputs, and few lines are usage.
  if (!line.includes('token_count') && !line.includes('token_usage_record')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = RolloutLineSchema.safeParse(raw);
  if (!parsed.success) return null;
  const total = parsed.data.type === 'event_msg' ? parsed.data.payload.info.total_token_usage : parsed.data.payload.thread_token_usage;
  return { input_tokens: total.input_tokens, cached_input_tokens: total.cached_input_tokens, output_tokens: total.output_tokens };
}

async function rolloutFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // sessions/ and its dated folders appear once codex starts writing
  }
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await rolloutFiles(path)));
    else if (entry.isFile() && entry.name.startsWith('rollout-') && entry.name.endsWith('.jsonl')) found.push(path);
  }
  return found;
}

/** A rollout file opened for reading; undefined when it is gone, or is not a regular file (a link or FIFO the agent left in its store). */
async function openRollout(path: string): Promise<FileHandle | undefined> {
  const opened = await openRegularFile(path).catch(() => undefined);
  return opened && 'handle' in opened ? opened.handle : undefined;
}

/** How far each rollout file was read, and the unfinished line at its end (null: too long to be usage, skipped to its end). */
interface FileCursor {
  offset: number;
  partial: string | null;
}

// A usage line is under 2 KB; a longer unfinished line (a prompt, a tool's output) is not kept.
const MAX_PARTIAL_CHARS = 64 * 1024;

// A read takes at most this much at a time, so a rollout that grew by a large tool output is read in steps.
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Follows the rollout files of one CODEX_HOME: what was there before the attempt (a resumed
 * session's copy) is skipped, and each poll reads only the bytes added since the last one.
 */
export class RolloutFollower {
  private readonly cursors = new Map<string, FileCursor>();

  private constructor(private readonly sessionsDir: string) {}

  /** Starts after what `codexHome` holds now. */
  static async start(codexHome: string): Promise<RolloutFollower> {
    const follower = new RolloutFollower(join(codexHome, 'sessions'));
    for (const path of await rolloutFiles(follower.sessionsDir)) {
      const handle = await openRollout(path);
      if (!handle) continue;
      try {
        follower.cursors.set(path, { offset: (await handle.stat()).size, partial: '' });
      } finally {
        await handle.close();
      }
    }
    return follower;
  }

  /** The newest usage written since the last poll, or null when none was. */
  async poll(): Promise<Usage | null> {
    let newest: Usage | null = null;
    const buffer = Buffer.alloc(READ_CHUNK_BYTES);
    for (const path of await rolloutFiles(this.sessionsDir)) {
      const cursor = this.cursors.get(path) ?? { offset: 0, partial: '' };
      this.cursors.set(path, cursor);
      const handle = await openRollout(path);
      if (!handle) continue;
      try {
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK_BYTES, cursor.offset);
          if (bytesRead === 0) break;
          cursor.offset += bytesRead;
          // A chunk may end inside a multi-byte character; that garbles only its own line, never a
          // usage line (all ASCII), and a newline byte is never part of one.
          const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
          const rest = lines.pop()!;
          if (lines.length > 0) {
            const first = cursor.partial === null ? '' : cursor.partial + lines[0]!;
            lines[0] = first;
            cursor.partial = rest;
          } else {
            cursor.partial = cursor.partial === null ? null : cursor.partial + rest;
          }
          if (cursor.partial !== null && cursor.partial.length > MAX_PARTIAL_CHARS) cursor.partial = null;
          for (const line of lines) newest = parseRolloutUsage(line) ?? newest;
        }
      } finally {
        await handle.close();
      }
    }
    return newest;
  }
}
