// What the scripted model servers share: the turns a test scripts, the conversation as each
// server reads it out of a request, and the marker-keyed script that picks a turn.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Turn =
  /** The assistant answers with a message (its final message when it is the last turn). */
  | { kind: 'message'; text: string; usage?: { input_tokens: number; output_tokens: number } }
  /** The assistant calls the agent's shell tool; the agent runs `cmd` in the workspace and sends the output back. */
  | { kind: 'shell'; cmd: string; usage?: { input_tokens: number; output_tokens: number } }
  /** The assistant searches codex's deferred tools (MCP tools are found this way in codex 0.169; codex only). */
  | { kind: 'tool_search'; query: string }
  /** The assistant calls a tool by name; MCP tools in codex come in a namespace (`mcp__<server>__`). */
  | { kind: 'call'; name: string; namespace?: string; arguments: Record<string, unknown> }
  | { kind: 'http_error'; status: number; message: string }
  /** The stream starts, then reports an error. */
  | { kind: 'failed'; message: string }
  /** Headers never come: the agent waits for ever, so only the harness's timeout ends it. */
  | { kind: 'hang' }
  /** HTTP 429 with `Retry-After: retryAfterSeconds` and the body the real API sends for a rate limit. */
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  /**
   * The answer the real API gives when a plan or quota window is spent, saying it reopens at
   * `resetsAt` (epoch seconds; null: the API does not say when); `window` names it where the
   * API does (Anthropic: five_hour, seven_day).
   */
  | { kind: 'usage_limit'; resetsAt: number | null; window?: string }
  /** The API is overloaded: 529 overloaded_error (Anthropic), 503 (OpenAI, Gemini). */
  | { kind: 'overloaded' };

/** A request as received, with the parts scripts and tests look at pulled out. */
export interface Conversation {
  /** The text of every user message, oldest first (tool results are not user messages). */
  userTexts: string[];
  /** The text of every assistant message (a resumed conversation carries them). */
  assistantTexts: string[];
  /** Outputs of tool calls sent back since the last user message. */
  toolOutputs: string[];
}

/** Picks the turn that answers a request. */
export type Script = (request: Conversation) => Turn;

export const DEFAULT_TURN: Turn = { kind: 'message', text: '{"status":"success","summary":"ok"}' };

/**
 * A script keyed by markers: the first rule whose `when` occurs in the latest user message
 * answers, with its turns taken in order as the conversation's tool outputs come back. So
 * concurrent and resumed conversations each get their own turns, whatever order they arrive in.
 */
export function byMarker(rules: { when: string; turns: Turn[] }[], fallback: Turn = DEFAULT_TURN): Script {
  return (request) => {
    const latest = request.userTexts.at(-1) ?? '';
    const rule = rules.find((r) => latest.includes(r.when));
    if (!rule) return fallback;
    return rule.turns[Math.min(request.toolOutputs.length, rule.turns.length - 1)]!;
  };
}

/**
 * A script that answers its first requests with `first`, in order, then hands over to `then`:
 * a provider that refuses for a while, then serves again (the retry that follows succeeds).
 */
export function firstThen(first: Turn[], then: Script): Script {
  let answered = 0;
  return (request) => (answered < first.length ? first[answered++]! : then(request));
}

/** The seconds from now until `resetsAt` (epoch seconds), never negative: what Retry-After says of a reset. */
export function secondsUntil(resetsAt: number): number {
  return Math.max(0, Math.ceil(resetsAt - Date.now() / 1000));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface ScriptedServer<R> {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Every model request, in the order received. */
  requests: R[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 at a port the system picks. `handle` answers a request, or
 * returns false for a 404; responses still open (a hanging turn) are destroyed on close.
 */
export async function startScriptedServer<R>(handle: (req: IncomingMessage, res: ServerResponse, requests: R[]) => Promise<boolean>): Promise<ScriptedServer<R>> {
  const requests: R[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    handle(req, res, requests).then(
      (handled) => {
        if (!handled) res.writeHead(404).end();
      },
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes server-sent events; `named` adds an `event:` line with each event's type. */
export function writeSse(res: ServerResponse, events: Record<string, unknown>[], named: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) res.write(`${named ? `event: ${String(event.type)}\n` : ''}data: ${JSON.stringify(event)}\n\n`);
  res.end();
}
