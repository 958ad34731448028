import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { HarnessError } from '../../core/index.js';
import type { Harness } from '../../harness/index.js';
import { createServer } from '../server.js';
import { bearerAuth } from './bearer-auth.js';
import { BoundedEventStore } from './event-store.js';
import { originCheck } from './origin-check.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Required unless the host is loopback. */
  token: string | undefined;
  /** Answer POSTs with plain JSON instead of an SSE stream. */
  jsonResponse: boolean;
}

export class HttpConfigError extends HarnessError {
  readonly code = 'http_config';
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
// Host and Origin hostnames a loopback server answers to ([::1] as URL parsing spells it).
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const MIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host);
}

/** Refuses options that would expose the server: no token off loopback, a guessable token. */
export function checkHttpOptions(options: Pick<HttpOptions, 'host' | 'token'>): void {
  if (!isLoopback(options.host) && !options.token) {
    throw new HttpConfigError(
      `refusing to serve MCP over HTTP on ${options.host} without a token: set HARNESS_MCP_TOKEN or pass --token-file FILE, or bind to 127.0.0.1`,
    );
  }
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
    throw new HttpConfigError(`the bearer token is too short (${options.token.length} characters); use at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -hex 32\``);
  }
}

/**
 * Serves MCP over Streamable HTTP at /mcp: one MCP session per client, all sharing the one
 * harness; resumable SSE streams; Host and Origin checks on loopback; a bearer token that is
 * required anywhere else; request bodies limited to what a launch table may weigh.
 */
export async function startHttpServer(harness: Harness, options: HttpOptions): Promise<{ url: string; close: () => Promise<void> }> {
  checkHttpOptions(options);
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const eventStore = new BoundedEventStore();
  const app = express();
  app.disable('x-powered-by');
  if (isLoopback(options.host)) app.use(hostHeaderValidation(LOOPBACK_NAMES), originCheck(LOOPBACK_NAMES));
  if (options.token) app.use(bearerAuth(options.token));
  // A launch table may weigh limits.max_launch_table_bytes; the JSON-RPC envelope needs a little more.
  app.use(express.json({ limit: harness.configFile.limits.max_launch_table_bytes + 64 * 1024 }));

  const jsonRpcError = (res: Response, status: number, message: string) =>
    res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });

  app.post('/mcp', async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res, req.body);
    if (sessionId !== undefined) return jsonRpcError(res, 404, `Unknown MCP session ${String(sessionId)}; initialize a new one`);
    if (!isInitializeRequest(req.body)) return jsonRpcError(res, 400, 'No MCP session: send an initialize request first');
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore,
      enableJsonResponse: options.jsonResponse,
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    const server = createServer(harness);
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void server.close();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  const bySession = async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    const transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) return jsonRpcError(res, sessionId ? 404 : 400, sessionId ? `Unknown MCP session ${String(sessionId)}` : 'Missing Mcp-Session-Id header');
    await transport.handleRequest(req, res);
  };
  app.get('/mcp', bySession);
  app.delete('/mcp', bySession);

  const onError: ErrorRequestHandler = (error: { status?: number; type?: string; message?: string }, _req, res, _next) => {
    const status = error.status ?? 500;
    const message = error.type === 'entity.too.large' ? 'Request body too large' : status < 500 ? (error.message ?? 'Bad request') : 'Internal server error';
    jsonRpcError(res, status, message);
  };
  app.use(onError);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/mcp`,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
