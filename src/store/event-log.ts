import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { nowIso, type AttemptEvent } from '../core/index.js';

/** An attempt's events.jsonl, appended line by line as events happen. */
export class EventLog {
  private readonly stream: WriteStream;
  /** Why events can no longer be written (a full disk, say), once they cannot. */
  error: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (error) => {
      this.error ??= error;
    });
  }

  /** Appends one event stamped with the current time; false when the caller should wait for drain(). */
  append(type: string, fields: Record<string, unknown> = {}): boolean {
    if (this.error) return true; // the log is lost; the attempt's outcome says why
    const event: AttemptEvent = { ts: nowIso(), type, ...fields };
    return this.stream.write(`${JSON.stringify(event)}\n`);
  }

  async drain(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.error) return void this.stream.destroy();
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}
