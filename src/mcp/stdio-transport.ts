import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import { parseJSONRPCMessage, type JSONRPCMessage, type RequestId, type Transport } from '@modelcontextprotocol/server';

// JSON-RPC 2.0 §5.1.
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
// What is kept of the ends of a line too long to read: enough to find its id.
const KEPT_END_BYTES = 1024;

/**
 * MCP over stdin/stdout, one JSON message a line, like the SDK's StdioServerTransport but
 * answering what that one drops: a line that is not JSON gets a -32700 error, one that is not
 * JSON-RPC a -32600, and a line over `maxLineBytes` is skipped unread to its newline and
 * answered with an error (the SDK's closes the transport, and the server with it, on a 10 MiB
 * message). The transport ends only when stdin does; `ended` settles then (the serving entry
 * that owns the transport takes its `onclose`).
 */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  // While a line over the limit is being skipped: its first bytes, its last bytes and its length.
  private skipping: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  private closed = false;
  private markEnded!: () => void;
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(
    private readonly maxLineBytes: number,
    private readonly tooLongHint: string,
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
  ) {}

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    this.stdin.once('end', this.onEnd);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.stdout.write(JSON.stringify(message) + '\n')) return;
    await new Promise<void>((resolve) => this.stdout.once('drain', resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    this.stdin.off('end', this.onEnd);
    this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
    this.markEnded();
  }

  private readonly onEnd = () => void this.close();
  private readonly onStreamError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.take(chunk.subarray(start, newline));
      this.endLine();
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  };

  private take(part: Buffer): void {
    if (this.skipping) return this.skip(part);
    if (this.bufferedBytes + part.length <= this.maxLineBytes) {
      // Copied: a subarray would keep the whole chunk alive.
      this.chunks.push(Buffer.from(part));
      this.bufferedBytes += part.length;
      return;
    }
    const line = Buffer.concat([...this.chunks, part]);
    this.chunks = [];
    this.bufferedBytes = 0;
    this.skipping = { head: Buffer.from(line.subarray(0, KEPT_END_BYTES)), tail: Buffer.alloc(0), bytes: 0 };
    this.skip(line);
  }

  private skip(part: Buffer): void {
    const skipping = this.skipping!;
    skipping.bytes += part.length;
    const tail = Buffer.concat([skipping.tail, part.subarray(-KEPT_END_BYTES)]);
    skipping.tail = Buffer.from(tail.subarray(-KEPT_END_BYTES));
  }

  private endLine(): void {
    if (this.skipping) {
      const { head, tail, bytes } = this.skipping;
      this.skipping = undefined;
      const message = `The message is ${bytes} bytes, over the ${this.maxLineBytes} this server reads on stdio; it was not read. ${this.tooLongHint}`;
      return this.answerError(idOfTruncated(head.toString('utf8'), tail.toString('utf8')), INVALID_REQUEST, message);
    }
    const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.bufferedBytes = 0;
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      return this.answerError(null, PARSE_ERROR, `Parse error: the line is not JSON (${(error as Error).message})`);
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(json);
    } catch {
      return this.answerError(idOf(json), INVALID_REQUEST, 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 message');
    }
    this.onmessage?.(message);
  }

  private answerError(id: RequestId | null, code: number, message: string): void {
    this.onerror?.(new Error(message));
    // JSON-RPC answers an unknown id with null; the SDK's types want one, the wire allows it.
    void this.send({ jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage).catch(() => undefined);
  }
}

function idOf(json: unknown): RequestId | null {
  const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
}

// An id as the first or the last member of the top-level object: the SDK's client writes it last.
const ID_FIRST = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/;
const ID_LAST = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$/;

/** The request id of a message read only at its two ends, if either end shows it; else null. */
function idOfTruncated(head: string, tail: string): RequestId | null {
  const match = ID_FIRST.exec(head) ?? ID_LAST.exec(tail);
  if (!match) return null;
  try {
    return idOf({ id: JSON.parse(match[1]!) });
  } catch {
    return null;
  }
}
