import { request, type ClientRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Harness } from '../../src/harness/index.js';
import { openBackgroundTasks, startHttpServer } from '../../src/mcp/index.js';
import { TEST_CONFIG, tempDir, whenDone } from './servers/harness-server.js';

// 300 sessions in CI; SESSIONS=10000 for the full-size run by hand.
const SESSIONS = Number(process.env.SESSIONS ?? 300);

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
const PING = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });

function send(url: string, method: 'POST' | 'DELETE', body: string, sessionId?: string): Promise<{ status: number; body: string; sessionId: string | undefined }> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (sessionId) Object.assign(headers, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, sessionId: res.headers['mcp-session-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A session as a client leaves it that initializes and then vanishes: no GET stream, no DELETE. */
async function openSession(url: string): Promise<string> {
  const init = await send(url, 'POST', INITIALIZE);
  if (init.status !== 200 || !init.sessionId) throw new Error(`initialize answered ${init.status}: ${init.body}`);
  return init.sessionId;
}

/** Opens the session's standalone SSE stream and resolves once the server has answered 200; it stays open. */
function openStream(url: string, sessionId: string): Promise<ClientRequest> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } },
      (res) => (res.statusCode === 200 ? resolve(req) : reject(new Error(`GET answered ${res.statusCode}`))),
    );
    req.on('error', () => undefined);
    req.end();
    whenDone(async () => void req.destroy());
  });
}

// A full collection before each heap reading, so that garbage not yet collected does not count.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function heapMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1048576;
}

/** A harness and its HTTP server in this process, on a clock the test moves by hand. */
async function startInProcess(sessions: { maxSessions: number; idleMs: number }) {
  const dir = await tempDir();
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify(TEST_CONFIG));
  const harness = await Harness.open({ runsDir: join(dir, 'runs'), configFile });
  whenDone(() => harness.close());
  const clock = { ms: 0 };
  const tasks = await openBackgroundTasks(harness);
  whenDone(async () => tasks.close());
  const http = await startHttpServer(harness, tasks, { host: '127.0.0.1', port: 0, token: undefined, jsonResponse: false, sessions, now: () => clock.ms });
  whenDone(() => http.close());
  return { http, clock };
}

describe('HTTP sessions', () => {
  it('expire when idle, are capped with a clear refusal, and end on DELETE; an open stream or a recent request keeps one', async () => {
    const { http, clock } = await startInProcess({ maxSessions: 3, idleMs: 60_000 });

    const [idle, pinged, streaming] = [await openSession(http.url), await openSession(http.url), await openSession(http.url)];
    await openStream(http.url, streaming);
    const refused = await send(http.url, 'POST', INITIALIZE);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.message).toBe(
      'Too many MCP sessions: 3 are open, the most this server allows (--max-sessions); end one with DELETE /mcp, or wait for one to be idle 60 s and expire',
    );

    clock.ms = 40_000;
    expect((await send(http.url, 'POST', PING, pinged)).status).toBe(200);
    clock.ms = 60_001;
    const fourth = await openSession(http.url);
    expect((await send(http.url, 'POST', PING, idle)).status).toBe(404);
    expect((await send(http.url, 'POST', PING, pinged)).status).toBe(200);
    expect((await send(http.url, 'POST', PING, streaming)).status).toBe(200);
    expect((await send(http.url, 'POST', INITIALIZE)).status).toBe(503);

    expect((await send(http.url, 'DELETE', '', fourth)).status).toBe(200);
    expect((await send(http.url, 'POST', PING, fourth)).status).toBe(404);
    await openSession(http.url);
  });

  it(`free the memory of ${SESSIONS} sessions opened and abandoned once they expire`, async () => {
    const { http, clock } = await startInProcess({ maxSessions: SESSIONS + 1, idleMs: 60_000 });
    // Warm: the first sessions load code and fill caches that stay whatever becomes of sessions.
    for (let i = 0; i < 20; i++) await openSession(http.url);
    clock.ms += 60_001;
    await openSession(http.url);
    const baseline = heapMiB();
    const rss = process.memoryUsage().rss / 1048576;
    const ids = [];
    for (let i = 0; i < SESSIONS; i++) ids.push(await openSession(http.url));
    const open = heapMiB();
    const openRss = process.memoryUsage().rss / 1048576;
    clock.ms += 60_001;
    // The next initialize closes the idle sessions before it counts them against the cap.
    await openSession(http.url);
    const afterExpiry = heapMiB();
    expect((await send(http.url, 'POST', PING, ids[0])).status).toBe(404);
    console.log(
      `sessions: ${SESSIONS} opened and abandoned; heap ${baseline.toFixed(1)} MiB before, ${open.toFixed(1)} MiB with them open ` +
        `(${(((open - baseline) * 1024) / SESSIONS).toFixed(0)} KiB each), ${afterExpiry.toFixed(1)} MiB after expiry; ` +
        `RSS ${rss.toFixed(0)} MiB before, ${openRss.toFixed(0)} MiB open, ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB after`,
    );
    expect(open - baseline).toBeGreaterThan(SESSIONS * 0.01);
    expect(afterExpiry - baseline).toBeLessThan((open - baseline) / 10);
  }, 600_000);
});
