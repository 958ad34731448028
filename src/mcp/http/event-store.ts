import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { InvalidArgumentError } from '../../core/index.js';

/** How much the replay memory of all HTTP sessions together may hold, and for how long. */
export interface EventStoreLimits {
  /** Bytes (as JSON) of every stored message of every session together; the least recently used streams go first. */
  totalBytes: number;
  /** A message bigger than this is not kept; an answer is replaced by an error that says to call again. */
  eventBytes: number;
  /** Messages a stream keeps, its latest. */
  perStream: number;
  /** A stream not written nor replayed for this long is dropped. */
  idleMs: number;
  /** A POST stream that has sent its answer keeps only the answer, and for this long. */
  finishedMs: number;
}

export const DEFAULT_EVENT_STORE_LIMITS: EventStoreLimits = {
  totalBytes: 32 * 1024 * 1024,
  eventBytes: 256 * 1024,
  perStream: 1000,
  idleMs: 15 * 60 * 1000,
  finishedMs: 60 * 1000,
};

// The SDK's name for a session's standalone (GET) stream, the same in every session (SDK 1.32,
// webStandardStreamableHttp.js); it never finishes.
const STANDALONE_STREAM = '_GET_stream';
const SWEEP_EVERY_MS = 1000;

export interface StoredEvent {
  seq: number;
  message: JSONRPCMessage;
  bytes: number;
}

export interface Stream {
  id: string;
  session: Map<string, Stream>;
  events: StoredEvent[];
  nextSeq: number;
  bytes: number;
  lastUsedAt: number;
  finished: boolean;
}

/**
 * The replay memory of every HTTP session (resumable SSE: a client that lost its connection
 * reconnects with Last-Event-ID and gets what it missed). Each session reads and writes only its
 * own streams, through `openSession()`: stream ids are the SDK's and repeat across sessions, so
 * one shared namespace would replay one session's messages to another. Memory is bounded in total.
 */
export class BoundedEventStore {
  // Insertion order is use order: the first stream is the least recently used.
  private readonly streams = new Set<Stream>();
  private totalBytes = 0;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: EventStoreLimits = DEFAULT_EVENT_STORE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The event store of one session; `close()` it when the session ends, which frees its streams. */
  openSession(): SessionEventStore {
    return new SessionEventStore(this);
  }

  /** Bytes held now, for all sessions. */
  get heldBytes(): number {
    return this.totalBytes;
  }

  /** Stores `message` on a session's stream, creating the stream; returns its sequence number. */
  store(session: Map<string, Stream>, streamId: string, message: JSONRPCMessage): number {
    const now = this.now();
    this.sweep(now);
    let stream = session.get(streamId);
    if (!stream) {
      stream = { id: streamId, session, events: [], nextSeq: 1, bytes: 0, lastUsedAt: now, finished: false };
      session.set(streamId, stream);
    }
    const seq = stream.nextSeq++;
    const kept = this.keepable(message);
    if (kept) {
      const { message: keptMessage, bytes } = kept;
      if (isAnswer(keptMessage) && streamId !== STANDALONE_STREAM) {
        // What a client resuming a finished stream still needs is its answer, not the progress before it.
        this.dropEvents(stream, stream.events.filter((event) => !isAnswer(event.message)));
        stream.finished = true;
      }
      stream.events.push({ seq, message: keptMessage, bytes });
      stream.bytes += bytes;
      this.totalBytes += bytes;
      if (stream.events.length > this.limits.perStream) this.dropEvents(stream, stream.events.slice(0, stream.events.length - this.limits.perStream));
    }
    this.touch(stream, now);
    this.evictOverBudget();
    return seq;
  }

  /** The events of a session's stream after `seq`, or undefined if it has no such stream (any more). */
  eventsAfter(session: Map<string, Stream>, streamId: string, seq: number): StoredEvent[] | undefined {
    this.sweep(this.now());
    const stream = session.get(streamId);
    if (!stream) return undefined;
    this.touch(stream, this.now());
    return stream.events.filter((event) => event.seq > seq);
  }

  /** Frees every stream of a session. */
  forget(session: Map<string, Stream>): void {
    for (const stream of session.values()) this.remove(stream);
  }

  /** What to keep of a message: itself, a small stand-in for an answer too big to keep, or nothing. */
  private keepable(message: JSONRPCMessage): { message: JSONRPCMessage; bytes: number } | undefined {
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (bytes <= this.limits.eventBytes) return { message, bytes };
    if (!isAnswer(message)) return undefined;
    const standIn: JSONRPCMessage = {
      jsonrpc: '2.0',
      id: message.id,
      error: { code: -32000, message: `The answer was ${bytes} bytes, over the ${this.limits.eventBytes} kept for replay after a lost connection; send the request again` },
    };
    return { message: standIn, bytes: Buffer.byteLength(JSON.stringify(standIn)) };
  }

  private touch(stream: Stream, now: number): void {
    stream.lastUsedAt = now;
    this.streams.delete(stream);
    this.streams.add(stream);
  }

  private dropEvents(stream: Stream, dropped: StoredEvent[]): void {
    if (dropped.length === 0) return;
    const gone = new Set(dropped);
    stream.events = stream.events.filter((event) => !gone.has(event));
    for (const event of dropped) {
      stream.bytes -= event.bytes;
      this.totalBytes -= event.bytes;
    }
  }

  private remove(stream: Stream): void {
    this.totalBytes -= stream.bytes;
    this.streams.delete(stream);
    stream.session.delete(stream.id);
  }

  private evictOverBudget(): void {
    for (const stream of this.streams) {
      if (this.totalBytes <= this.limits.totalBytes) return;
      this.remove(stream);
    }
  }

  private sweep(now: number): void {
    if (now - this.lastSweepAt < SWEEP_EVERY_MS) return;
    this.lastSweepAt = now;
    for (const stream of this.streams) {
      const keepMs = stream.finished ? this.limits.finishedMs : this.limits.idleMs;
      if (now - stream.lastUsedAt > keepMs) this.remove(stream);
    }
  }
}

/** One session's view of the replay memory: the SDK's EventStore, over that session's streams only. */
export class SessionEventStore implements EventStore {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly memory: BoundedEventStore) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    return eventId(streamId, this.memory.store(this.streams, streamId, message));
  }

  async getStreamIdForEventId(id: string): Promise<string | undefined> {
    const parsed = parseEventId(id);
    return parsed && this.streams.has(parsed.streamId) ? parsed.streamId : undefined;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const parsed = parseEventId(lastEventId);
    const events = parsed && this.memory.eventsAfter(this.streams, parsed.streamId, parsed.seq);
    if (!parsed || !events) throw new InvalidArgumentError('Last-Event-ID', `Unknown or expired event id ${lastEventId}`);
    for (const event of events) await send(eventId(parsed.streamId, event.seq), event.message);
    return parsed.streamId;
  }

  /** Frees every stream of this session. */
  close(): void {
    this.memory.forget(this.streams);
  }
}

function isAnswer(message: JSONRPCMessage): message is JSONRPCMessage & { id: string | number } {
  return 'id' in message && ('result' in message || 'error' in message);
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
