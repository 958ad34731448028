// A scripted Gemini API server on 127.0.0.1 for tests: the Gemini CLI is pointed at it with
// GOOGLE_GEMINI_BASE_URL. It answers POST /v1beta/models/<model>:streamGenerateContent?alt=sse
// with data-only server-sent events, the non-streaming :generateContent and :countTokens the CLI
// also calls, and records every generation request.
import type { ServerResponse } from 'node:http';
import { readBody, secondsUntil, startScriptedServer, writeSse, type Conversation, type Script, type Turn } from './script.js';

/** The shell tool as Gemini CLI 0.61 offers it to the model. */
const SHELL_TOOL = 'run_shell_command';

type Part = { text?: unknown; functionCall?: unknown; functionResponse?: { response?: unknown } };
type Content = { role?: string; parts?: Part[] };

export interface GeminiRequest extends Conversation {
  body: { contents?: Content[]; [key: string]: unknown };
  /** The model named in the URL. */
  model: string;
  streamed: boolean;
}

const textOf = (content: Content) => (content.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');

function record(body: GeminiRequest['body'], model: string, streamed: boolean): GeminiRequest {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  // A user turn made only of function responses answers a tool call; it is not the user speaking.
  const spoken = (c: Content) => c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string');
  const lastSpoken = contents.map(spoken).lastIndexOf(true);
  return {
    body,
    model,
    streamed,
    userTexts: contents.filter(spoken).map(textOf),
    assistantTexts: contents.filter((c) => c.role === 'model').map(textOf).filter((t) => t !== ''),
    toolOutputs: contents
      .slice(lastSpoken + 1)
      .flatMap((c) => c.parts ?? [])
      .filter((p) => p.functionResponse)
      .map((p) => JSON.stringify(p.functionResponse?.response ?? null)),
  };
}

function apiError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } }));
}

// Quota answers as the Gemini API sends them: 429 RESOURCE_EXHAUSTED with a QuotaFailure (the
// quota id names the window: …PerMinute… for a rate limit, …PerDay… for a spent daily quota)
// and a RetryInfo delay; its message ends "Please retry in Ns.". Gemini CLI 0.61 reads a
// per-day quota as TerminalQuotaError, a per-minute one as RetryableQuotaError.
function quotaExhausted(res: ServerResponse, model: string, per: 'Minute' | 'Day', retrySeconds: number, limit: number): void {
  const metric = 'generativelanguage.googleapis.com/generate_content_free_tier_requests';
  const message = `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: ${metric}, limit: ${limit}, model: ${model}\nPlease retry in ${retrySeconds}s.`;
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retrySeconds) });
  res.end(
    JSON.stringify({
      error: {
        code: 429,
        message,
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaMetric: metric, quotaId: `GenerateRequestsPer${per}PerProjectPerModel-FreeTier`, quotaDimensions: { location: 'global', model }, quotaValue: String(limit) }],
          },
          { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retrySeconds}s` },
        ],
      },
    }),
  );
}

function chunkOf(part: Record<string, unknown>, model: string, usage: { input_tokens: number; output_tokens: number }) {
  return {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: usage.input_tokens, candidatesTokenCount: usage.output_tokens, totalTokenCount: usage.input_tokens + usage.output_tokens },
    modelVersion: model,
  };
}

function answer(turn: Turn, request: GeminiRequest, res: ServerResponse): void {
  const usage = turn.kind === 'message' && turn.usage ? turn.usage : { input_tokens: 100, output_tokens: 20 };
  let part: Record<string, unknown>;
  switch (turn.kind) {
    case 'http_error':
      return apiError(res, turn.status, turn.message);
    case 'rate_limit':
      return quotaExhausted(res, request.model, 'Minute', turn.retryAfterSeconds, 10);
    case 'usage_limit':
      // Google always names a retry delay; without a reset, a day's.
      return quotaExhausted(res, request.model, 'Day', turn.resetsAt === null ? 86400 : secondsUntil(turn.resetsAt), 250);
    case 'overloaded':
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }));
      return;
    case 'failed':
      if (!request.streamed) return apiError(res, 500, turn.message);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // A stream that breaks off: one chunk without an ending, then an error object.
      res.end(`data: ${JSON.stringify({ error: { code: 500, message: turn.message, status: 'INTERNAL' } })}\n\n`);
      return;
    case 'hang':
      return;
    case 'tool_search':
      return apiError(res, 400, 'tool_search turns are for codex only');
    case 'shell':
      part = { functionCall: { name: SHELL_TOOL, args: { command: turn.cmd, description: 'scripted command' } } };
      break;
    case 'call':
      part = { functionCall: { name: turn.name, args: turn.arguments } };
      break;
    case 'message':
      part = { text: turn.text };
  }
  const chunk = chunkOf(part, request.model, usage);
  if (request.streamed) return writeSse(res, [chunk], false);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(chunk));
}

export interface GeminiServer {
  /** GOOGLE_GEMINI_BASE_URL: http://127.0.0.1:PORT */
  baseUrl: string;
  requests: GeminiRequest[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 at a port the system picks. */
export async function startGeminiServer(script: Script): Promise<GeminiServer> {
  const server = await startScriptedServer<GeminiRequest>(async (req, res, requests) => {
    const match = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)(\?|$)/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return false;
    const body = JSON.parse(await readBody(req)) as GeminiRequest['body'];
    if (match[2] === 'countTokens') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ totalTokens: JSON.stringify(body).length >> 2 }));
      return true;
    }
    const request = record(body, match[1]!, match[2] === 'streamGenerateContent');
    requests.push(request);
    answer(script(request), request, res);
    return true;
  });
  return { baseUrl: server.origin, requests: server.requests, close: server.close };
}
