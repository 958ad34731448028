import type { Request, Response } from 'express';
import type { Harness } from '../harness/index.js';
import { publishChanges } from '../mcp/notifications.js';

// A comment line this often keeps proxies and the browser from closing an idle stream.
const KEEPALIVE_MS = 15_000;

/**
 * Server-sent events from the harness's own change notifications, one feed for every open page:
 * `changed` with the scoreboard URI that changed (coalesced as for MCP subscribers) and
 * `batches` when a batch appears. Pages re-read what they show when told; nothing polls.
 */
export class ChangeStream {
  private readonly pages = new Set<Response>();
  private readonly unpublish: () => void;
  private readonly keepalive: NodeJS.Timeout;

  constructor(harness: Harness) {
    this.unpublish = publishChanges(harness, {
      resourceUpdated: (uri) => this.send('changed', { uri }),
      resourcesChanged: () => this.send('batches', {}),
    });
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get size(): number {
    return this.pages.size;
  }

  /** Serves one page's GET of the stream until the page goes. */
  follow(req: Request, res: Response): void {
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write('event: ready\ndata: {}\n\n');
    this.pages.add(res);
    req.on('close', () => this.pages.delete(res));
  }

  close(): void {
    this.unpublish();
    clearInterval(this.keepalive);
    for (const page of this.pages) page.end();
    this.pages.clear();
  }

  private send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    for (const page of this.pages) page.write(chunk);
  }
}
