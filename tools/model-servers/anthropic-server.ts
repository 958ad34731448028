// A scripted Anthropic Messages API server on 127.0.0.1 for tests: Claude Code is pointed at it
// with ANTHROPIC_BASE_URL. It answers the `HEAD /` preflight, POST /v1/messages as server-sent
// events (message_start, content_block_start/delta/stop, message_delta, message_stop), and the
// non-streaming POST Claude Code falls back to when a stream breaks; every request is recorded.
import type { ServerResponse } from 'node:http';
import { readBody, secondsUntil, startScriptedServer, writeSse, type Conversation, type Script, type Turn } from './script.js';

/** The shell tool as Claude Code 2.1 offers it to the model. */
const SHELL_TOOL = 'Bash';
/** The tool `--json-schema` adds; the model answers with its report as the tool's input. */
export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

type Block = { type?: string; text?: unknown; content?: unknown; name?: unknown; input?: unknown };
type Message = { role?: string; content?: string | Block[] };

export interface AnthropicRequest extends Conversation {
  body: { model?: string; messages?: Message[]; stream?: boolean; tools?: { name?: string }[]; [key: string]: unknown };
  /** Whether the request was streamed (false: the non-streaming fallback). */
  streamed: boolean;
  /** Names of the tools offered. */
  tools: string[];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: Block) => (b?.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
}

/** What an assistant message says: its text, or the report it gave through StructuredOutput. */
function replyOf(message: Message): string {
  const blocks = Array.isArray(message.content) ? message.content : [];
  const report = blocks.find((b) => b.type === 'tool_use' && b.name === STRUCTURED_OUTPUT_TOOL);
  return report ? JSON.stringify(report.input) : textOf(message.content);
}

function record(body: AnthropicRequest['body']): AnthropicRequest {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const blocks = (m: Message): Block[] => (Array.isArray(m.content) ? m.content : [{ type: 'text', text: m.content ?? '' }]);
  // A user message that carries only tool results answers a tool call; it is not the user speaking.
  const spoken = (m: Message) => m.role === 'user' && blocks(m).some((b) => b.type === 'text');
  const lastSpoken = messages.map(spoken).lastIndexOf(true);
  return {
    body,
    streamed: body.stream === true,
    tools: (body.tools ?? []).map((t) => String(t.name)),
    userTexts: messages.filter(spoken).map((m) => textOf(m.content)),
    assistantTexts: messages.filter((m) => m.role === 'assistant').map(replyOf).filter((t) => t !== ''),
    toolOutputs: messages
      .slice(lastSpoken + 1)
      .flatMap(blocks)
      .filter((b) => b.type === 'tool_result')
      .map((b) => (typeof b.content === 'string' ? b.content : textOf(b.content))),
  };
}

let counter = 0;

type ContentBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/**
 * The content that plays a turn. A message whose text is JSON becomes a StructuredOutput call
 * when the request offers that tool (Claude Code run with --json-schema), as a model would.
 */
function contentOf(turn: Extract<Turn, { kind: 'message' | 'shell' | 'call' }>, request: AnthropicRequest): ContentBlock {
  const id = `toolu_${++counter}`;
  switch (turn.kind) {
    case 'shell':
      return { type: 'tool_use', id, name: SHELL_TOOL, input: { command: turn.cmd, description: 'scripted command' } };
    case 'call':
      return { type: 'tool_use', id, name: turn.name, input: turn.arguments };
    case 'message':
      if (request.tools.includes(STRUCTURED_OUTPUT_TOOL) && request.toolOutputs.length === 0) {
        try {
          const report = JSON.parse(turn.text) as unknown;
          if (report && typeof report === 'object' && !Array.isArray(report)) return { type: 'tool_use', id, name: STRUCTURED_OUTPUT_TOOL, input: report as Record<string, unknown> };
        } catch {
          // prose stays prose
        }
      }
      return { type: 'text', text: turn.text };
  }
}

function usageOf(turn: Turn) {
  return (turn.kind === 'message' || turn.kind === 'shell') && turn.usage ? turn.usage : { input_tokens: 100, output_tokens: 20 };
}

function streamEvents(block: ContentBlock, usage: { input_tokens: number; output_tokens: number }, model: string): Record<string, unknown>[] {
  const stopReason = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
  const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
  const delta = block.type === 'tool_use' ? { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } : { type: 'text_delta', text: block.text };
  return [
    {
      type: 'message_start',
      message: {
        id: `msg_${counter}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: start },
    { type: 'content_block_delta', index: 0, delta },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } },
    { type: 'message_stop' },
  ];
}

function apiError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const type = status === 529 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : 'api_error';
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_scripted${++counter}`, ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

// Limit answers as the Anthropic API sends them. A rate limit is a 429 with Retry-After and
// the anthropic-ratelimit-requests-* headers. A spent subscription window is a 429 whose
// anthropic-ratelimit-unified-* headers say status rejected, the reset (epoch seconds) and the
// window that is spent (representative-claim): Claude Code 2.1.332 turns those into its
// rate_limit_event with status rejected, resetsAt and rateLimitType.
const UNIFIED_WINDOW_PREFIX: Record<string, string> = { five_hour: '5h', seven_day: '7d' };

function rateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  const resetAt = new Date(Date.now() + retryAfterSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  apiError(res, 429, "This request would exceed your organization's rate limit of 50 requests per minute (org: scripted, model: claude-scripted). For details, refer to: https://docs.claude.com/en/api/rate-limits.", {
    'retry-after': String(retryAfterSeconds),
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
    'anthropic-ratelimit-requests-reset': resetAt,
  });
}

function usageLimited(res: ServerResponse, resetsAt: number | null, window: string): void {
  const prefix = resetsAt === null ? undefined : UNIFIED_WINDOW_PREFIX[window];
  apiError(res, 429, "This request would exceed your account's rate limit. Please try again later.", {
    ...(resetsAt === null ? {} : { 'retry-after': String(secondsUntil(resetsAt)), 'anthropic-ratelimit-unified-reset': String(resetsAt) }),
    'anthropic-ratelimit-unified-status': 'rejected',
    'anthropic-ratelimit-unified-representative-claim': window,
    'anthropic-ratelimit-unified-fallback': 'unavailable',
    'anthropic-ratelimit-unified-overage-status': 'rejected',
    'anthropic-ratelimit-unified-overage-disabled-reason': 'org_level_disabled',
    ...(prefix
      ? { [`anthropic-ratelimit-unified-${prefix}-status`]: 'rejected', [`anthropic-ratelimit-unified-${prefix}-reset`]: String(resetsAt), [`anthropic-ratelimit-unified-${prefix}-utilization`]: '1.0' }
      : {}),
  });
}

function answer(turn: Turn, request: AnthropicRequest, res: ServerResponse): void {
  const model = request.body.model ?? 'claude-scripted';
  switch (turn.kind) {
    case 'http_error':
      return apiError(res, turn.status, turn.message);
    case 'rate_limit':
      return rateLimited(res, turn.retryAfterSeconds);
    case 'usage_limit':
      return usageLimited(res, turn.resetsAt, turn.window ?? 'five_hour');
    case 'overloaded':
      return apiError(res, 529, 'Overloaded');
    case 'failed':
      // An error event mid-stream; the non-streaming fallback then gets the same error.
      if (!request.streamed) return apiError(res, 500, turn.message);
      return writeSse(res, [streamEvents({ type: 'text', text: '' }, usageOf(turn), model)[0]!, { type: 'error', error: { type: 'api_error', message: turn.message } }], true);
    case 'hang':
      return; // the request stays open until the client goes away or the server closes
    case 'tool_search':
      return apiError(res, 400, 'tool_search turns are for codex only');
    default: {
      const block = contentOf(turn, request);
      const usage = usageOf(turn);
      if (request.streamed) return writeSse(res, streamEvents(block, usage, model), true);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `msg_${counter}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [block],
          stop_reason: block.type === 'tool_use' ? 'tool_use' : 'end_turn',
          stop_sequence: null,
          usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        }),
      );
    }
  }
}

export interface AnthropicServer {
  /** ANTHROPIC_BASE_URL: http://127.0.0.1:PORT */
  baseUrl: string;
  requests: AnthropicRequest[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 at a port the system picks. */
export async function startAnthropicServer(script: Script): Promise<AnthropicServer> {
  const server = await startScriptedServer<AnthropicRequest>(async (req, res, requests) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'HEAD' && path === '/') {
      res.writeHead(200).end();
      return true;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') return false;
    const request = record(JSON.parse(await readBody(req)));
    requests.push(request);
    answer(script(request), request, res);
    return true;
  });
  return { baseUrl: server.origin, requests: server.requests, close: server.close };
}
