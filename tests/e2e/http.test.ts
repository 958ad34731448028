import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI, oneJob, tempDir } from './servers/harness-server.js';
import { startHttpHarness } from './servers/http-server.js';

const TOKEN = 'test-token-0123456789abcdef';

/** A raw POST, for the requests no well-behaved client would send. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw GET of /mcp: the status and the first chunk of the body (an SSE stream may never end). */
function rawGetFirstChunk(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        resolve({ status: res.statusCode ?? 0, body: chunk.toString() });
        req.destroy();
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: '' }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });

describe('MCP over Streamable HTTP', () => {
  it('serves two clients at once from one scheduler', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const [a, b] = await Promise.all([http.connect(), http.connect()]);
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('submit_batch');
    const submitted = await a.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 's', command: ['true'] }]) });
    const batchId = (submitted.structuredContent as any).batch_id;
    const waited = await b.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 30 } });
    expect(waited.structuredContent).toMatchObject({ batch_id: batchId, settled: true, counts: { succeeded: 1 } });
    expect(((await a.callTool({ name: 'list_batches', arguments: {} })).structuredContent as any).batches).toHaveLength(1);
    const config = JSON.parse(await readFile(join(http.runsDir, '_system', 'harness_config.json'), 'utf8'));
    expect(config.interfaces).toMatchObject({ mcp_stdio: { enabled: false }, mcp_http: { enabled: true, auth_mode: 'none' } });
  });

  it('answers with plain JSON in --json-response mode', async () => {
    const http = await startHttpHarness({ args: ['--json-response'] });
    const response = await rawPost(http.url, INITIALIZE, {});
    expect(response.status).toBe(200);
    expect(String(response.headers['content-type'])).toContain('application/json');
    expect(JSON.parse(response.body).result.serverInfo.name).toBe('harness-mcp');
  });

  it('requires the bearer token: none and a wrong one are refused, and it is written nowhere', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    expect(http.stderr()).toContain('(bearer token required)');
    const none = await rawPost(http.url, INITIALIZE, {});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(JSON.parse(none.body).error.message).toMatch(/bearer token is required/);
    const wrong = await rawPost(http.url, INITIALIZE, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.message).toBe('Invalid bearer token');
    await expect(http.connect('not-the-token-at-all')).rejects.toThrow();
    const client = await http.connect(TOKEN);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('submit_batch');

    expect(http.stderr()).not.toContain(TOKEN);
    for (const entry of await readdir(http.runsDir, { recursive: true })) {
      const text = await readFile(join(http.runsDir, entry), 'utf8').catch(() => '');
      expect(text, entry).not.toContain(TOKEN);
    }
    const config = JSON.parse(await readFile(join(http.runsDir, '_system', 'harness_config.json'), 'utf8'));
    expect(config.interfaces.mcp_http).toEqual({ enabled: true, auth_mode: 'token' });
  });

  it('refuses a Host or Origin that is not loopback (DNS rebinding)', async () => {
    const http = await startHttpHarness();
    const host = await rawPost(http.url, INITIALIZE, { host: 'evil.example:80' });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.message).toMatch(/Invalid Host: evil\.example/);
    const origin = await rawPost(http.url, INITIALIZE, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error.message).toMatch(/Origin not allowed/);
    expect((await rawPost(http.url, INITIALIZE, { origin: `http://localhost:${new URL(http.url).port}` })).status).toBe(200);
  });

  it('refuses oversized bodies and requests without a session', async () => {
    const http = await startHttpHarness();
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'submit_batch', arguments: { pad: 'x'.repeat(5 * 1024 * 1024) } } });
    const tooBig = await rawPost(http.url, huge, {});
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.message).toBe('Request body too large');
    const noSession = await rawPost(http.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {});
    expect(noSession.status).toBe(400);
    const unknown = await rawPost(http.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': 'nope' });
    expect(unknown.status).toBe(404);
    // The server is still there for a proper client.
    expect((await (await http.connect()).listTools()).tools.map((t) => t.name)).toContain('submit_batch');
  });

  it('answers a body that is not JSON with -32700, in a session and outside one', async () => {
    const http = await startHttpHarness();
    const init = await rawPost(http.url, INITIALIZE, {});
    const session = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    for (const headers of [{}, session]) {
      const broken = await rawPost(http.url, '{"jsonrpc": "2.0", "id": 1, "method": ', headers);
      expect(broken.status).toBe(400);
      expect(JSON.parse(broken.body)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the body is not valid JSON' } });
    }
    expect((await rawPost(http.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), session)).status).toBe(200);
  });

  it('replays to a session only its own streams: B resuming with the event id of A’s standalone stream gets nothing of A’s', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const a = await http.connect();
    let updates = 0;
    let sawUpdate!: () => void;
    const updated = new Promise<void>((resolve) => (sawUpdate = resolve));
    a.setNotificationHandler('notifications/resources/updated', () => {
      updates++;
      sawUpdate();
    });
    await a.callTool({ name: 'get_scoreboard', arguments: {} });
    await a.subscribeResource({ uri: 'harness://scoreboard' });
    const submitted = await a.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 's', command: ['true'] }]) });
    await a.callTool({ name: 'wait_for_batch', arguments: { batch_id: (submitted.structuredContent as any).batch_id, timeout_seconds: 30 } });
    await updated;
    expect(updates).toBeGreaterThan(0);

    const init = await rawPost(http.url, INITIALIZE, {});
    const sessionB = String(init.headers['mcp-session-id']);
    const headers = { 'mcp-session-id': sessionB, 'mcp-protocol-version': '2025-11-25' };
    expect((await rawPost(http.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers)).status).toBe(202);
    const resumed = await rawGetFirstChunk(http.url, { ...headers, 'last-event-id': '_GET_stream.0' });
    expect(resumed.body).not.toContain('notifications/resources/updated');
    expect(resumed.status).toBe(400);
    expect(JSON.parse(resumed.body).error.message).toBe('Invalid event ID format');
  });

  it('is unharmed by a client that disconnects in the middle of a call', async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const leaving = await http.connect();
    const submitted = await leaving.callTool({ name: 'submit_batch', arguments: oneJob(dir, [{ step_id: 's', command: ['sleep', '0.5'] }]) });
    const batchId = (submitted.structuredContent as any).batch_id;
    const abandoned = leaving.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 30 } }).catch(() => 'gone');
    await leaving.close();
    expect(await abandoned).toBe('gone');
    const staying = await http.connect();
    const waited = await staying.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 30 } });
    expect(waited.structuredContent).toMatchObject({ settled: true, counts: { succeeded: 1 } });
  });

  it('will not listen off loopback without a token, nor with a short, blank or repetitive one, and writes nothing', async () => {
    const dir = await tempDir();
    const run = (args: string[], env: Record<string, string> = {}) =>
      promisify(execFile)(process.execPath, [CLI, '--http', '--port', '0', '--runs-dir', join(dir, 'runs'), ...args], {
        env: { ...process.env, HARNESS_MCP_TOKEN: '', ...env },
        // Not a time window: a server that wrongly started is stopped rather than left running.
        timeout: 60_000,
      }).catch((e) => e);
    const open = await run(['--host', '0.0.0.0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/refusing to serve MCP over HTTP on 0\.0\.0\.0 without a token: set HARNESS_MCP_TOKEN or pass --token-file/);
    const short = await run(['--host', '127.0.0.1'], { HARNESS_MCP_TOKEN: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/token is too short \(5 characters\)/);
    const weak: [string, string][] = [
      [' '.repeat(16), 'is empty or only whitespace'],
      ['a'.repeat(32), 'uses only 1 different character; at least 5 are needed'],
      ['ab'.repeat(16), 'uses only 2 different characters; at least 5 are needed'],
      ['correct horse battery staple', 'contains whitespace, which HTTP trims from a header'],
    ];
    for (const [token, why] of weak) {
      const refused = await run(['--host', '127.0.0.1'], { HARNESS_MCP_TOKEN: token });
      expect(refused.code, token).toBe(2);
      expect(refused.stderr).toContain(`the bearer token ${why}; use a random one, e.g. \`openssl rand -hex 32\``);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
