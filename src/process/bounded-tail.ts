/** Keeps the last `limitBytes` bytes of a stream in memory (default 64 KiB); the rest is on disk. */
export class BoundedTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limitBytes = 64 * 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.limitBytes) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  /** The tail as text, at most `maxChars` characters from the end. */
  text(maxChars = this.limitBytes): string {
    const all = Buffer.concat(this.chunks);
    const text = all.subarray(Math.max(0, all.length - this.limitBytes)).toString('utf8');
    return text.length > maxChars ? text.slice(text.length - maxChars) : text;
  }
}
