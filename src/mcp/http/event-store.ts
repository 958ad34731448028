import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InvalidArgumentError } from '../../core/index.js';

interface Stream {
  events: { seq: number; message: JSONRPCMessage }[];
  nextSeq: number;
  lastUsed: number;
}

/**
 * Keeps the messages sent on each SSE stream so that a client that lost its connection can
 * reconnect with Last-Event-ID and get what it missed (resumable streams). Memory is bounded:
 * each stream keeps its last `perStream` messages, and streams idle for `idleMs` are dropped.
 */
export class BoundedEventStore implements EventStore {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly perStream = 1000,
    private readonly idleMs = 15 * 60 * 1000,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    this.evictIdle();
    const stream = this.streams.get(streamId) ?? { events: [], nextSeq: 1, lastUsed: Date.now() };
    const seq = stream.nextSeq++;
    stream.events.push({ seq, message });
    if (stream.events.length > this.perStream) stream.events.shift();
    stream.lastUsed = Date.now();
    this.streams.set(streamId, stream);
    return eventId(streamId, seq);
  }

  async getStreamIdForEventId(id: string): Promise<string | undefined> {
    const parsed = parseEventId(id);
    return parsed && this.streams.has(parsed.streamId) ? parsed.streamId : undefined;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const parsed = parseEventId(lastEventId);
    const stream = parsed && this.streams.get(parsed.streamId);
    if (!parsed || !stream) throw new InvalidArgumentError('Last-Event-ID', `Unknown or expired event id ${lastEventId}`);
    stream.lastUsed = Date.now();
    for (const event of stream.events) {
      if (event.seq > parsed.seq) await send(eventId(parsed.streamId, event.seq), event.message);
    }
    return parsed.streamId;
  }

  private evictIdle(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, stream] of this.streams) if (stream.lastUsed < cutoff) this.streams.delete(id);
  }
}

// Stream ids are the SDK's (UUIDs or `_GET_stream`); the sequence number follows the last `.`.
function eventId(streamId: string, seq: number): string {
  return `${streamId}.${seq}`;
}

function parseEventId(id: string): { streamId: string; seq: number } | undefined {
  const dot = id.lastIndexOf('.');
  const seq = Number(id.slice(dot + 1));
  return dot > 0 && Number.isSafeInteger(seq) ? { streamId: id.slice(0, dot), seq } : undefined;
}
