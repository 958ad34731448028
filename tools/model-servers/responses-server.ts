// A scripted OpenAI Responses API server on 127.0.0.1 for tests and the demo: codex is pointed
// at it through a [model_providers.<name>] entry in its config.toml. It answers POST
// /v1/responses with server-sent events, as `codex exec` 0.169 expects them, and records every
// request so a test can see what codex sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Turn =
  /** The assistant answers with a message (its final message when it is the last turn). */
  | { kind: 'message'; text: string; usage?: { input_tokens: number; output_tokens: number } }
  /** The assistant calls the shell tool; codex runs `cmd` in the workspace and sends the output back. */
  | { kind: 'shell'; cmd: string }
  /** The assistant searches codex's deferred tools (MCP tools are found this way in codex 0.169). */
  | { kind: 'tool_search'; query: string }
  /** The assistant calls a function tool by name; MCP tools come in a namespace (`mcp__<server>__`). */
  | { kind: 'call'; name: string; namespace?: string; arguments: Record<string, unknown> }
  | { kind: 'http_error'; status: number; message: string }
  /** The stream starts, then reports a failed response. */
  | { kind: 'failed'; message: string }
  /** Headers never come: codex waits for ever, so only the harness's timeout ends it. */
  | { kind: 'hang' };

/** A request as received, with the parts tests look at pulled out. */
export interface RecordedRequest {
  body: { model?: string; input?: unknown[]; text?: unknown; [key: string]: unknown };
  /** The text of every user message in `input`, oldest first. */
  userTexts: string[];
  /** The text of every assistant message in `input` (a resumed conversation carries them). */
  assistantTexts: string[];
  /** Outputs of tool calls (shell, MCP, tool search) sent back since the last user message. */
  toolOutputs: string[];
  /** The input items that follow the last user message, as sent. */
  afterLastUser: Record<string, unknown>[];
}

/** Picks the turn that answers a request. */
export type Script = (request: RecordedRequest) => Turn;

/**
 * A script keyed by markers: the first rule whose `when` occurs in the latest user message
 * answers, with its turns taken in order as the conversation's tool outputs come back. So
 * concurrent and resumed conversations each get their own turns, whatever order they arrive in.
 */
export function byMarker(rules: { when: string; turns: Turn[] }[], fallback: Turn = { kind: 'message', text: '{"status":"success","summary":"ok"}' }): Script {
  return (request) => {
    const latest = request.userTexts.at(-1) ?? '';
    const rule = rules.find((r) => latest.includes(r.when));
    if (!rule) return fallback;
    return rule.turns[Math.min(request.toolOutputs.length, rule.turns.length - 1)]!;
  };
}

type Item = { type?: string; role?: string; content?: unknown; output?: unknown };

function textsOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c: { text?: unknown }) => (typeof c?.text === 'string' ? c.text : '')).join('');
}

function record(body: RecordedRequest['body']): RecordedRequest {
  const input = (Array.isArray(body.input) ? body.input : []) as Item[];
  const lastUser = input.map((i) => i.type === 'message' && i.role === 'user').lastIndexOf(true);
  return {
    body,
    userTexts: input.filter((i) => i.type === 'message' && i.role === 'user').map((i) => textsOf(i.content)),
    assistantTexts: input.filter((i) => i.type === 'message' && i.role === 'assistant').map((i) => textsOf(i.content)),
    toolOutputs: input
      .slice(lastUser + 1)
      .filter((i) => i.type?.endsWith('_output'))
      .map((i) => (typeof i.output === 'string' ? i.output : JSON.stringify(i.output ?? i))),
    afterLastUser: input.slice(lastUser + 1) as Record<string, unknown>[],
  };
}

export interface ResponsesServer {
  /** The base URL for config.toml: http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

let counter = 0;

function sse(res: ServerResponse, events: Record<string, unknown>[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
}

function answer(turn: Turn, res: ServerResponse): void {
  const id = `resp_${++counter}`;
  const created = { type: 'response.created', response: { id } };
  switch (turn.kind) {
    case 'http_error':
      res.writeHead(turn.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: turn.message, type: 'server_error' } }));
      return;
    case 'failed':
      sse(res, [created, { type: 'response.failed', response: { id, error: { code: 'server_error', message: turn.message } } }]);
      return;
    case 'hang':
      return; // the request stays open until the client goes away or the server closes
    case 'shell':
      sse(res, [
        created,
        {
          type: 'response.output_item.done',
          item: { type: 'function_call', id: `fc_${counter}`, call_id: `call_${counter}`, name: 'exec_command', arguments: JSON.stringify({ cmd: turn.cmd, login: false }) },
        },
        { type: 'response.completed', response: { id, usage: usage(10, 5) } },
      ]);
      return;
    case 'tool_search':
      sse(res, [
        created,
        { type: 'response.output_item.done', item: { type: 'tool_search_call', call_id: `call_${counter}`, execution: 'client', arguments: { query: turn.query } } },
        { type: 'response.completed', response: { id, usage: usage(10, 5) } },
      ]);
      return;
    case 'call':
      sse(res, [
        created,
        {
          type: 'response.output_item.done',
          item: { type: 'function_call', call_id: `call_${counter}`, ...(turn.namespace ? { namespace: turn.namespace } : {}), name: turn.name, arguments: JSON.stringify(turn.arguments) },
        },
        { type: 'response.completed', response: { id, usage: usage(10, 5) } },
      ]);
      return;
    case 'message':
      sse(res, [
        created,
        { type: 'response.output_item.done', item: { type: 'message', role: 'assistant', id: `msg_${counter}`, content: [{ type: 'output_text', text: turn.text }] } },
        { type: 'response.completed', response: { id, usage: usage(turn.usage?.input_tokens ?? 100, turn.usage?.output_tokens ?? 20) } },
      ]);
  }
}

function usage(input: number, output: number) {
  return { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the server on 127.0.0.1 at a port the system picks. */
export async function startResponsesServer(script: Script): Promise<ResponsesServer> {
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/responses')) {
        res.writeHead(404).end();
        return;
      }
      const request = record(JSON.parse(await readBody(req)));
      requests.push(request);
      open.add(res);
      res.once('close', () => open.delete(res));
      answer(script(request), res);
    })().catch((error: Error) => res.writeHead(500).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The config.toml that points codex at a server of this kind, offline and without retries. */
export function codexConfigToml(baseUrl: string, options: { streamIdleTimeoutMs?: number } = {}): string {
  return `model = "gpt-5.5"
model_provider = "mock"

[model_providers.mock]
name = "scripted model"
base_url = "${baseUrl}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = ${options.streamIdleTimeoutMs ?? 10000}

[analytics]
enabled = false

[features]
plugins = false
unbounded_connection_retries = false
`;
}
