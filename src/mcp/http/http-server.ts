import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isInitializeRequest, isLegacyRequest } from '@modelcontextprotocol/server';
import { HarnessError } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { maxMessageBytes } from '../message-limit.js';
import { publishChanges } from '../notifications.js';
import { createServer } from '../server.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { bearerAuth } from './bearer-auth.js';
import { BoundedEventStore, DEFAULT_EVENT_STORE_LIMITS, type EventStoreLimits } from './event-store.js';
import { createGuardedApp, isLoopback, listenOn } from './guarded-app.js';
import { DEFAULT_SESSION_LIMITS, HttpSessions, type SessionLimits } from './http-sessions.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Required unless the host is loopback. */
  token: string | undefined;
  /** Answer POSTs with plain JSON instead of an SSE stream. */
  jsonResponse: boolean;
  /** Open sessions at most, and how long one may be idle (defaults: DEFAULT_SESSION_LIMITS). */
  sessions?: Partial<SessionLimits>;
  /** What resumable streams keep (defaults: DEFAULT_EVENT_STORE_LIMITS). */
  replay?: Partial<EventStoreLimits>;
  /** The clock of idle expiry, in ms (default Date.now); tests pass a fake one. */
  now?: () => number;
  /** The web dashboard's routes, served at `/` beside `/mcp` (the caller makes them: see src/dashboard). */
  dashboard?: Router;
}

export class HttpConfigError extends HarnessError {
  readonly code = 'http_config';
}

const MIN_TOKEN_LENGTH = 16;
// `openssl rand -hex 8`, the shortest random token allowed, has 5 different characters or more
// in all but about one draw in a million; a character repeated, or two in turn, has fewer.
const MIN_TOKEN_DISTINCT_CHARACTERS = 5;

/** What makes a bearer token guessable, or undefined when nothing does. */
function tokenWeakness(token: string): string | undefined {
  if (token.trim() === '') return `is empty or only whitespace`;
  if (/\s/.test(token)) return 'contains whitespace, which HTTP trims from a header';
  if (token.length < MIN_TOKEN_LENGTH) return `is too short (${token.length} characters); at least ${MIN_TOKEN_LENGTH} are needed`;
  const distinct = new Set(token).size;
  if (distinct < MIN_TOKEN_DISTINCT_CHARACTERS) return `uses only ${distinct} different character${distinct === 1 ? '' : 's'}; at least ${MIN_TOKEN_DISTINCT_CHARACTERS} are needed`;
  return undefined;
}

/**
 * Refuses options that would expose the server: no token off loopback, a guessable token.
 * `what` names what would be served, for the message.
 */
export function checkHttpOptions(options: Pick<HttpOptions, 'host' | 'token'>, what = 'MCP over HTTP'): void {
  if (!isLoopback(options.host) && !options.token) {
    throw new HttpConfigError(
      `refusing to serve ${what} on ${options.host} without a token: set HARNESS_MCP_TOKEN or pass --token-file FILE, or bind to 127.0.0.1`,
    );
  }
  const weakness = options.token === undefined ? undefined : tokenWeakness(options.token);
  if (weakness) throw new HttpConfigError(`the bearer token ${weakness}; use a random one, e.g. \`openssl rand -hex 32\``);
}

/**
 * Serves MCP over Streamable HTTP at /mcp, both revisions at one URL, all sharing the one
 * harness. A 2026-07-28 request (its `_meta` envelope says so) is answered statelessly by a
 * server made for it, and subscriptions/listen streams hear of changes; a 2025-11-25 client gets
 * an MCP session of its own with resumable SSE streams. Host and Origin checks on loopback; a
 * bearer token that is required anywhere else; request bodies limited to what a launch table
 * may weigh.
 */
export async function startHttpServer(harness: Harness, tasks: BackgroundTasks, options: HttpOptions): Promise<{ url: string; close: () => Promise<void> }> {
  checkHttpOptions(options);
  const now = options.now ?? Date.now;
  const sessions = new HttpSessions({ ...DEFAULT_SESSION_LIMITS, ...options.sessions }, now);
  const replay = new BoundedEventStore({ ...DEFAULT_EVENT_STORE_LIMITS, ...options.replay }, now);
  const app = createGuardedApp(options.host);
  if (options.token) app.use('/mcp', bearerAuth(options.token));
  // A launch table may weigh limits.max_launch_table_bytes; the JSON-RPC envelope needs a little more.
  // Only /mcp's bodies, and after its bearer check: the dashboard's routes take small ones, once signed in.
  app.use('/mcp', express.json({ limit: maxMessageBytes(harness.configFile.limits.max_launch_table_bytes) }));

  const jsonRpcError = (res: Response, status: number, message: string, code = -32000) =>
    res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });

  const modern = createMcpHandler(() => createServer(harness, tasks, { era: 'modern', connection: 'per-request' }), {
    legacy: 'reject',
    responseMode: options.jsonResponse ? 'json' : 'auto',
  });
  const serveModern = toNodeHandler(modern);
  const unpublish = publishChanges(harness, modern.notify);

  app.post('/mcp', async (req: Request, res: Response) => {
    // The body is parsed already; the predicate reads the headers and that.
    const classified = new globalThis.Request(`http://${req.headers.host ?? 'localhost'}${req.originalUrl}`, { method: 'POST', headers: req.headers as Record<string, string> });
    if (!(await isLegacyRequest(classified, req.body))) return serveModern(req, res, req.body);
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.use(sessionId, res) : undefined;
    if (existing) return existing.handleRequest(req, res, req.body);
    if (sessionId !== undefined) return jsonRpcError(res, 404, `Unknown MCP session ${String(sessionId)}; initialize a new one`);
    if (!isInitializeRequest(req.body)) return jsonRpcError(res, 400, 'No MCP session: send an initialize request first');
    await sessions.closeIdle();
    if (sessions.size >= sessions.limits.maxSessions) {
      return jsonRpcError(
        res,
        503,
        `Too many MCP sessions: ${sessions.size} are open, the most this server allows (--max-sessions); end one with DELETE /mcp, or wait for one to be idle ${Math.round(sessions.limits.idleMs / 1000)} s and expire`,
      );
    }
    const events = replay.openSession();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: events,
      enableJsonResponse: options.jsonResponse,
      onsessioninitialized: (id) => sessions.add(id, transport, events),
    });
    const server = createServer(harness, tasks, { era: 'legacy', connection: 'pinned' });
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId);
      events.close();
      void server.close();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    // An initialize that failed made no session; nothing else would close its transport.
    if (!transport.sessionId) await transport.close();
  });

  const bySession = async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    const transport = typeof sessionId === 'string' ? sessions.use(sessionId, res) : undefined;
    if (!transport) return jsonRpcError(res, sessionId ? 404 : 400, sessionId ? `Unknown MCP session ${String(sessionId)}` : 'Missing Mcp-Session-Id header');
    await transport.handleRequest(req, res);
  };
  app.get('/mcp', bySession);
  app.delete('/mcp', bySession);
  if (options.dashboard) app.use(options.dashboard);

  const onError: ErrorRequestHandler = (error: { status?: number; type?: string; message?: string }, _req, res, _next) => {
    const status = error.status ?? 500;
    if (error.type === 'entity.parse.failed') return void jsonRpcError(res, 400, 'Parse error: the body is not valid JSON', -32700);
    const message = error.type === 'entity.too.large' ? 'Request body too large' : status < 500 ? (error.message ?? 'Bad request') : 'Internal server error';
    jsonRpcError(res, status, message);
  };
  app.use(onError);

  const listening = await listenOn(app, options.host, options.port);
  // Idle sessions are also closed before each new one is counted against the limit.
  const sweep = setInterval(() => void sessions.closeIdle(), Math.min(60_000, Math.max(1000, sessions.limits.idleMs / 4)));
  sweep.unref();
  return {
    url: `${listening.origin}/mcp`,
    close: async () => {
      clearInterval(sweep);
      unpublish();
      await modern.close();
      await sessions.closeAll();
      await listening.close();
    },
  };
}
