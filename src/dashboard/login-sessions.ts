import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

export interface LoginSessionLimits {
  /** A session no request used for this long ends (an open event stream counts as use). */
  idleMs: number;
  /** Sessions kept at most; a login beyond that ends the one used longest ago. */
  maxSessions: number;
}

export const DEFAULT_LOGIN_SESSION_LIMITS: LoginSessionLimits = { idleMs: 12 * 3600 * 1000, maxSessions: 1000 };

interface LoginSession {
  readonly csrf: string;
  lastUsedMs: number;
  /** Event streams the session's pages follow, ended with it. */
  readonly streams: Set<Response>;
}

// 32 random bytes: a session id or CSRF token nobody guesses.
const randomToken = () => randomBytes(32).toString('base64url');

/**
 * The dashboard's logged-in browsers, in memory (a restart logs everyone out, which a token
 * entered again undoes). Ids are random and only ever sent in an HttpOnly cookie.
 */
export class LoginSessions {
  private readonly sessions = new Map<string, LoginSession>();

  constructor(
    readonly limits: LoginSessionLimits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A new session; returns its id. Ends `replacing` (a fixed id is never reused) and, beyond the bound, the least recently used. */
  open(replacing: string | undefined): string {
    if (replacing) this.end(replacing);
    for (const [id, session] of this.sessions) if (this.isIdle(session)) this.end(id);
    // Map order is use order (use() re-inserts), so the first is the one used longest ago.
    while (this.sessions.size >= this.limits.maxSessions) this.end(this.sessions.keys().next().value!);
    const id = randomToken();
    this.sessions.set(id, { csrf: randomToken(), lastUsedMs: this.now(), streams: new Set() });
    return id;
  }

  /** The live session of `id`, marked used now; undefined when there is none or it went idle too long. */
  use(id: string | undefined): { csrf: string } | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (id === undefined || !session) return undefined;
    if (this.isIdle(session)) {
      this.end(id);
      return undefined;
    }
    session.lastUsedMs = this.now();
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  /** Ties an event stream to its session, so that logging out ends it too. */
  follow(id: string, stream: Response): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.streams.add(stream);
    stream.on('close', () => session.streams.delete(stream));
  }

  end(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    for (const stream of session.streams) stream.end();
  }

  private isIdle(session: LoginSession): boolean {
    return session.streams.size === 0 && this.now() - session.lastUsedMs > this.limits.idleMs;
  }
}
