import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { nowIso, type AttemptEvent } from '../core/index.js';

/** An attempt's events.jsonl, appended line by line as events happen. */
export class EventLog {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  /** Appends one event stamped with the current time; false when the caller should wait for drain(). */
  append(type: string, fields: Record<string, unknown> = {}): boolean {
    const event: AttemptEvent = { ts: nowIso(), type, ...fields };
    return this.stream.write(`${JSON.stringify(event)}\n`);
  }

  async drain(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
