import type { Response } from 'express';
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { SessionEventStore } from './event-store.js';

/** How many HTTP sessions may be open at once, and how long one may sit idle. */
export interface SessionLimits {
  maxSessions: number;
  idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 1000, idleMs: 30 * 60 * 1000 };

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  events: SessionEventStore;
  lastActiveAt: number;
  // Requests whose HTTP response is still open (a standalone SSE stream, a long tool call): a
  // session with one is in use however long ago it began.
  openRequests: number;
}

/**
 * The open MCP sessions of the HTTP server. A session is closed, and everything it holds freed,
 * when its client ends it (DELETE), when the server closes, or when it has had no request open
 * for `idleMs`: clients that vanish without a DELETE would otherwise pile up for the server's life.
 */
export class HttpSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly limits: SessionLimits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  add(id: string, transport: NodeStreamableHTTPServerTransport, events: SessionEventStore): void {
    this.sessions.set(id, { transport, events, lastActiveAt: this.now(), openRequests: 0 });
  }

  /** The session's transport, counting `res` as open on it until the response closes. */
  use(id: string, res: Response): NodeStreamableHTTPServerTransport | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    session.openRequests++;
    session.lastActiveAt = this.now();
    res.once('close', () => {
      session.openRequests--;
      session.lastActiveAt = this.now();
    });
    return session.transport;
  }

  /** Forgets a session whose transport has closed, and frees its replay memory. */
  remove(id: string): void {
    this.sessions.get(id)?.events.close();
    this.sessions.delete(id);
  }

  /** Closes the sessions idle for longer than the limit; returns how many. */
  async closeIdle(): Promise<number> {
    const cutoff = this.now() - this.limits.idleMs;
    const idle = [...this.sessions].filter(([, s]) => s.openRequests === 0 && s.lastActiveAt < cutoff);
    await Promise.all(idle.map(([id, s]) => this.close(id, s)));
    return idle.length;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions].map(([id, s]) => this.close(id, s)));
  }

  private async close(id: string, session: Session): Promise<void> {
    this.remove(id);
    await session.transport.close().catch(() => undefined);
  }
}
