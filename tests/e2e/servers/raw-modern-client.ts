import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MODERN_REVISION } from './harness-client.js';
import { CLI, cliEnv, whenDone } from './harness-server.js';

/**
 * A 2026-07-28 client written out by hand, for what the SDK's client does not take: task
 * results (it refuses `resultType: "task"`). Every request carries the revision's `_meta`
 * envelope, and its capabilities name the tasks extension unless `tasks: false`. Over stdio it
 * speaks to the built server as a child process; over HTTP it POSTs with the revision's headers.
 */
export interface RawModernClient {
  /** The JSON-RPC answer of one request: its result, or its error. */
  request(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<RawAnswer>;
  /** The result of a request that must succeed. */
  ok(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<any>;
}

/** `tasks: false` leaves the tasks extension out of the request's capabilities; `capabilities` adds others (`{ elicitation: { form: {} } }`). */
export interface RequestOptions {
  tasks?: boolean;
  capabilities?: Record<string, unknown>;
}

export interface RawAnswer {
  result?: any;
  error?: { code: number; message: string; data?: unknown };
  /** Over HTTP: the notifications the answer's stream carried before it. */
  notifications?: { method: string; params?: any }[];
}

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

function envelope({ tasks = true, capabilities = {} }: RequestOptions): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-modern-client', version: '0.0.0' },
    'io.modelcontextprotocol/clientCapabilities': { ...capabilities, ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) },
  };
}

function message(id: number, method: string, params: Record<string, unknown>, options: RequestOptions) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...(params._meta as object), ...envelope(options) } } };
}

function withOk(request: RawModernClient['request']): RawModernClient {
  return {
    request,
    async ok(method, params, options) {
      const answer = await request(method, params, options);
      if (answer.error) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
      return answer.result;
    },
  };
}

/** The built server over stdio, started with these arguments (after the CLI's path); stopped when the test ends. */
export function rawStdio(args: string[]): RawModernClient & { stop(): Promise<void>; stderr(): string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting = new Map<number, (answer: RawAnswer) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as RawAnswer & { id?: number };
    if (typeof parsed.id === 'number') waiting.get(parsed.id)?.(parsed);
  });
  let nextId = 1;
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  whenDone(stop);
  const client = withOk(
    (method, params = {}, options = {}) =>
      new Promise<RawAnswer>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.stdin.write(`${JSON.stringify(message(id, method, params, options))}\n`, (error) => error && reject(error));
      }),
  );
  return { ...client, stop, stderr: () => stderr };
}

/** What a request's Mcp-Name header carries: the tool's or prompt's name, the resource's URI, the task's id. */
function nameOf(params: Record<string, unknown>): string | undefined {
  const name = params.name ?? params.uri ?? params.taskId;
  return typeof name === 'string' ? name : undefined;
}

/** The server at `url` over Streamable HTTP, as a 2026-07-28 client posts to it (no session). */
export function rawHttp(url: string): RawModernClient {
  let nextId = 1;
  return withOk(async (method, params = {}, options = {}) => {
    const id = nextId++;
    const name = nameOf(params);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN_REVISION,
        'mcp-method': method,
        ...(name === undefined ? {} : { 'mcp-name': name }),
      },
      body: JSON.stringify(message(id, method, params, options)),
    });
    const text = await response.text();
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text) as RawAnswer;
    // An SSE answer: progress and the like first, the response (the message with our id) last.
    const notifications: RawAnswer['notifications'] = [];
    for (const line of text.split('\n').filter((l) => l.startsWith('data:'))) {
      const parsed = JSON.parse(line.slice(5)) as RawAnswer & { id?: number; method?: string; params?: unknown };
      if (parsed.id === id) return { ...parsed, notifications };
      if (parsed.method) notifications.push({ method: parsed.method, params: parsed.params });
    }
    throw new Error(`no answer to ${method} in the stream: ${text}`);
  });
}
