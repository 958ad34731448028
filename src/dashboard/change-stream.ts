import type { Request, Response } from 'express';
import type { Harness } from '../harness/index.js';
import { KeyedSerial } from '../core/index.js';
import { publishChanges } from '../mcp/index.js';
import type { ResourceMirror } from './resource-mirror.js';

// A comment line this often keeps proxies and the browser from closing an idle stream.
const KEEPALIVE_MS = 15_000;
// A page that reads nothing of its stream (a stalled tab, a dead peer TCP has not noticed) is
// dropped once this much waits for it, rather than held in memory; it reads everything again
// when it reconnects.
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;
// A batch's meta changes on retry and land; pages hear of it with its scoreboard's change.
const metaOf = (uri: string) => /^harness:\/\/batches\/([^/]+)\/scoreboard$/.exec(uri)?.[1];

/**
 * Server-sent events from the harness's own change notifications, one feed for every open page:
 * `changed` when a scoreboard changed (coalesced as for MCP subscribers), with its patch (see
 * ResourceMirror) when pages have read it, and `batches` when a batch appears. Nothing polls.
 */
export class ChangeStream {
  private readonly pages = new Set<Response>();
  private readonly unpublish: () => void;
  private readonly keepalive: NodeJS.Timeout;

  // One patch of a resource at a time, in order: each is the difference from the one before.
  private readonly serial = new KeyedSerial();

  constructor(harness: Harness, mirror: ResourceMirror) {
    this.unpublish = publishChanges(harness, {
      resourceUpdated: (uri) => {
        // No page open: no patch is worked out (the next page reads afresh).
        if (this.pages.size === 0) return;
        void this.serial.run(uri, async () => {
          const patch = await mirror.changed(uri).catch(() => undefined);
          this.send('changed', patch ?? { uri });
          const batchId = metaOf(uri);
          if (batchId === undefined) return;
          const metaUri = `harness://batches/${batchId}/meta`;
          const meta = await mirror.changed(metaUri).catch(() => undefined);
          if (meta?.base !== undefined) this.send('changed', meta);
        });
      },
      resourcesChanged: () => this.send('batches', {}),
    });
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
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
    for (const page of this.pages) {
      if (page.writableLength > MAX_UNSENT_BYTES) {
        this.pages.delete(page);
        page.destroy();
      } else page.write(chunk);
    }
  }
}
