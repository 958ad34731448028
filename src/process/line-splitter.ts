/**
 * Cuts a byte stream into lines for agents that speak JSONL. A line longer than `maxLineBytes`
 * is handed on cut short with `truncated: true` rather than held in memory without bound.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(
    private readonly onLine: (line: string, truncated: boolean) => void,
    private readonly maxLineBytes = 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** Hands on the last line when the stream ends without a newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.overflowed) this.emit();
  }

  private append(part: Buffer): void {
    const room = this.maxLineBytes - this.pendingBytes;
    if (part.length > room) {
      this.overflowed = true;
      part = part.subarray(0, Math.max(0, room));
    }
    if (part.length > 0) {
      this.pending.push(part);
      this.pendingBytes += part.length;
    }
  }

  private emit(): void {
    const line = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
    const truncated = this.overflowed;
    this.pending = [];
    this.pendingBytes = 0;
    this.overflowed = false;
    this.onLine(line, truncated);
  }
}
