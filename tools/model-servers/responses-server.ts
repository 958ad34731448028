// A scripted OpenAI Responses API server on 127.0.0.1 for tests and the demo: codex is pointed
// at it through a [model_providers.<name>] entry in its config.toml. It answers POST
// /v1/responses with server-sent events, as `codex exec` 0.169 and 0.171 expect them, and records every
// request so a test can see what codex sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, secondsUntil, startScriptedServer, writeSse, type Conversation, type Turn } from './script.js';

export { byMarker, firstThen, type Script, type Turn } from './script.js';

/** A request as received: the conversation, the body, and the input items after the last user message. */
export interface RecordedRequest extends Conversation {
  body: { model?: string; input?: unknown[]; text?: unknown; [key: string]: unknown };
  afterLastUser: Record<string, unknown>[];
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
  /** Requests refused with a 429 because `maxConcurrent` were already being answered. */
  readonly refused: number;
  /** The most requests answered at once. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

export interface ResponsesServerOptions {
  /**
   * A provider that answers at most `requests` at once and refuses any beyond with 429 and
   * `Retry-After: retryAfterSeconds` (a rate limit by concurrency, for the bench).
   */
  maxConcurrent?: { requests: number; retryAfterSeconds: number };
  /** How long each answer takes to start, so requests overlap as they do against a real model. */
  answerDelayMs?: number;
}

let counter = 0;

const sse = (res: ServerResponse, events: Record<string, unknown>[]) => writeSse(res, events, true);

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// Error answers as the OpenAI API and the ChatGPT backend send them; codex 0.171 reads a 429
// whose error.type is usage_limit_reached (with resets_at, epoch seconds) as a spent plan,
// any other 429 as a rate limit, and a 503 with error.code server_is_overloaded as overload.
function rateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  const message = `Rate limit reached for gpt-5.5 in organization org-scripted on requests per min (RPM): Limit 4, Used 4, Requested 1. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`;
  json(res, 429, { error: { message, type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-limit-requests': '4', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': `${retryAfterSeconds}s` });
}

function usageLimited(res: ServerResponse, resetsAt: number | null): void {
  const error = { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus' };
  if (resetsAt === null) return json(res, 429, { error }, { 'x-codex-primary-used-percent': '100', 'x-codex-primary-window-minutes': '300' });
  const inSeconds = secondsUntil(resetsAt);
  json(
    res,
    429,
    { error: { ...error, resets_at: resetsAt, resets_in_seconds: inSeconds } },
    { 'x-codex-primary-used-percent': '100', 'x-codex-primary-window-minutes': '300', 'x-codex-primary-reset-at': String(resetsAt), 'x-codex-primary-reset-after-seconds': String(inSeconds) },
  );
}

function answer(turn: Turn, res: ServerResponse): void {
  const id = `resp_${++counter}`;
  const created = { type: 'response.created', response: { id } };
  switch (turn.kind) {
    case 'rate_limit':
      return rateLimited(res, turn.retryAfterSeconds);
    case 'usage_limit':
      return usageLimited(res, turn.resetsAt);
    case 'overloaded':
      return json(res, 503, { error: { message: 'The server is overloaded. Please try again later.', type: 'server_error', param: null, code: 'server_is_overloaded' } });
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
        { type: 'response.completed', response: { id, usage: usage(turn.usage?.input_tokens ?? 10, turn.usage?.output_tokens ?? 5) } },
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

/** Starts the server on 127.0.0.1 at a port the system picks. */
export async function startResponsesServer(script: (request: RecordedRequest) => Turn, options: ResponsesServerOptions = {}): Promise<ResponsesServer> {
  let inFlight = 0;
  let maxInFlight = 0;
  let refused = 0;
  const server = await startScriptedServer<RecordedRequest>(async (req: IncomingMessage, res, requests) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/responses')) return false;
    const body = await readBody(req);
    const cap = options.maxConcurrent;
    if (cap && inFlight >= cap.requests) {
      refused += 1;
      rateLimited(res, cap.retryAfterSeconds);
      return true;
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    const request = record(JSON.parse(body));
    requests.push(request);
    const turn = script(request);
    if (options.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs));
    if (!res.destroyed) answer(turn, res);
    return true;
  });
  return {
    baseUrl: `${server.origin}/v1`,
    requests: server.requests,
    get refused() {
      return refused;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: server.close,
  };
}

/** The config.toml that points codex at a server of this kind, offline and without retries. */
export function codexConfigToml(baseUrl: string, options: { streamIdleTimeoutMs?: number; requestMaxRetries?: number; streamMaxRetries?: number } = {}): string {
  return `model = "gpt-5.5"
model_provider = "mock"

[model_providers.mock]
name = "scripted model"
base_url = "${baseUrl}"
wire_api = "responses"
request_max_retries = ${options.requestMaxRetries ?? 0}
stream_max_retries = ${options.streamMaxRetries ?? 0}
stream_idle_timeout_ms = ${options.streamIdleTimeoutMs ?? 10000}

[analytics]
enabled = false

[features]
plugins = false
unbounded_connection_retries = false
`;
}
