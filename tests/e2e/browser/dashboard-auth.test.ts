import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHttpHarness } from '../servers/http-server.js';
import { CLI, cliEnv, oneJob, runCli, tempDir, treeSnapshot, whenDone, workDirIn } from '../servers/harness-server.js';
import { launchChromium, saveScreenshot } from './chromium.js';

const TOKEN = randomBytes(32).toString('hex');
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });

/** The dashboard's address of a server whose MCP endpoint is `mcpUrl`. */
const dashboardOf = (mcpUrl: string) => new URL('/', mcpUrl).href;

/** POSTs the login form as a browser would; redirects are not followed, so the answer shows. */
function postLogin(base: string, token: string, cookie?: string): Promise<Response> {
  return fetch(new URL('/login', base), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie && { cookie }) },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** `harness_session_<port>=…` as the login's Set-Cookie gave it, for the Cookie header of the next requests. */
async function logIn(base: string): Promise<{ cookie: string; setCookie: string }> {
  const answer = await postLogin(base, TOKEN);
  expect(answer.status).toBe(303);
  const setCookie = answer.headers.getSetCookie().find((c) => /^harness_session_\d+=/.test(c));
  if (!setCookie) throw new Error(`no session cookie in ${JSON.stringify(answer.headers.getSetCookie())}`);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

/** The CSRF token GET / puts in the page of the session of `cookie`. */
async function csrfOf(base: string, cookie: string): Promise<string> {
  const html = await (await fetch(base, { headers: { cookie } })).text();
  const csrf = /<meta name="harness-csrf" content="([^"]*)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no CSRF token in the page: ${html.slice(0, 300)}`);
  return csrf;
}

/** The `error` of a refused API request's JSON. */
async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

function callTool(base: string, name: string, args: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(new URL(`/api/tools/${name}`, base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });
}

/** A raw HTTP request, to send a Host header of our choosing (fetch keeps its own). */
function rawRequest(url: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `harness-mcp dashboard` on 127.0.0.1 at a free port; stopped (SIGTERM) when the test ends. */
async function startViewer(runsDir: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'dashboard', '--port', '0', '--runs-dir', runsDir], { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  whenDone(stop);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /dashboard at (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`harness-mcp dashboard exited ${code}: ${stderr}`)));
  });
  return { url, stop };
}

describe('the dashboard of a server with a token', () => {
  it('sends a visitor without a session to the login page, refuses a wrong token and logs the right one in with an HttpOnly, SameSite=Strict cookie', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    const context = await (await launchChromium()).newContext();
    const page = await context.newPage();

    await page.goto(base);
    expect(new URL(page.url()).pathname).toBe('/login');
    const field = page.getByLabel('Token');
    await field.waitFor();
    await saveScreenshot(page, 'login');

    await field.fill('not-the-token-0123456789abcdef');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Log in' }).click()]);
    expect(refused.status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toContain('not the token');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await context.cookies()).toEqual([]);
    await saveScreenshot(page, 'login-refused');

    await page.getByLabel('Token').fill(TOKEN);
    await Promise.all([page.waitForURL(base), page.getByRole('button', { name: 'Log in' }).click()]);
    const csrf = await page.locator('meta[name="harness-csrf"]').getAttribute('content');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('meta[name="harness-mode"]').getAttribute('content')).toBe('active');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: `harness_session_${new URL(base).port}`, httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    // HttpOnly: the page's own script cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');

    // The page's own Sign out ends the session: back at the login page, and the dashboard asks again.
    await Promise.all([page.waitForURL((url) => url.pathname === '/login'), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.goto(base);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it("refuses actions without the session's own CSRF token, even with the cookie, and the API without the cookie", async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    const mine = await logIn(base);
    const other = await logIn(base);
    const otherCsrf = await csrfOf(base, other.cookie);

    const noCookie = await fetch(new URL('/api/resource?uri=harness://scoreboard', base));
    expect(noCookie.status).toBe(401);
    expect((await errorOf(noCookie)).code).toBe('unauthenticated');
    expect((await callTool(base, 'set_drain', { drain: false }, { 'x-harness-csrf': otherCsrf })).status).toBe(401);

    const noCsrf = await callTool(base, 'set_drain', { drain: false }, { cookie: mine.cookie });
    expect(noCsrf.status).toBe(403);
    expect((await errorOf(noCsrf)).code).toBe('csrf');
    // Another session's token is no token of this one.
    expect((await callTool(base, 'set_drain', { drain: false }, { cookie: mine.cookie, 'x-harness-csrf': otherCsrf })).status).toBe(403);

    const allowed = await callTool(base, 'set_drain', { drain: false }, { cookie: mine.cookie, 'x-harness-csrf': await csrfOf(base, mine.cookie) });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { isError: boolean }).isError).toBe(false);
    expect((await fetch(new URL('/api/resource?uri=harness://scoreboard', base), { headers: { cookie: mine.cookie } })).status).toBe(200);
  });

  it('refuses the event stream without the cookie and serves it with one', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    const refused = await fetch(new URL('/api/events', base), { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe('unauthenticated');

    const { cookie } = await logIn(base);
    const abort = new AbortController();
    const stream = await fetch(new URL('/api/events', base), { headers: { accept: 'text/event-stream', cookie }, signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const first = await stream.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain('event: ready');
    abort.abort();
  });

  it('keeps /mcp on the bearer token: the session cookie alone is refused there', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const { cookie } = await logIn(dashboardOf(http.url));
    const withCookie = await rawRequest(http.url, 'POST', { cookie, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, INITIALIZE);
    expect(withCookie.status).toBe(401);
    expect(JSON.parse(withCookie.body).error.message).toMatch(/bearer token is required/);
    const client = await http.connect(TOKEN);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('ends the session on logout: its open event stream closes, and its cookie opens nothing after', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    const { cookie } = await logIn(base);
    const stream = await fetch(new URL('/api/events', base), { headers: { accept: 'text/event-stream', cookie } });
    const reader = stream.body!.getReader();
    await reader.read(); // event: ready

    const out = await fetch(new URL('/logout', base), { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(out.headers.getSetCookie().join()).toMatch(/harness_session_\d+=;.*Expires=Thu, 01 Jan 1970/);
    // The server ends the stream; the read sees its end rather than hanging.
    let read = await reader.read();
    while (!read.done) read = await reader.read();

    expect((await fetch(new URL('/api/events', base), { headers: { accept: 'text/event-stream', cookie } })).status).toBe(401);
    const page = await fetch(base, { redirect: 'manual', headers: { cookie } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
  });

  it('refuses every login for a while after ten wrong tokens in a row, the right one too', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    for (let i = 0; i < 10; i++) expect((await postLogin(base, `wrong-token-${i}-abcdefghij`)).status).toBe(401);
    const locked = await postLogin(base, TOKEN);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await locked.text()).toContain('Too many wrong tokens');
    expect(locked.headers.getSetCookie()).toEqual([]);
  });

  it('applies the loopback Host and Origin checks to the dashboard and its login', async () => {
    const http = await startHttpHarness({ env: { HARNESS_MCP_TOKEN: TOKEN } });
    const base = dashboardOf(http.url);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const foreignOrigin = await rawRequest(new URL('/login', base).href, 'POST', { ...form, origin: 'http://evil.example' }, `token=${TOKEN}`);
    expect(foreignOrigin.status).toBe(403);
    expect(foreignOrigin.body).toMatch(/Origin not allowed/);
    const foreignHost = await rawRequest(base, 'GET', { host: 'evil.example:80' });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.body).toMatch(/Invalid Host: evil\.example/);
    const { cookie } = await logIn(base);
    const csrf = await csrfOf(base, cookie);
    const foreignAction = await rawRequest(new URL('/api/tools/set_drain', base).href, 'POST', { 'content-type': 'application/json', cookie, 'x-harness-csrf': csrf, origin: 'http://evil.example' }, '{"drain":true}');
    expect(foreignAction.status).toBe(403);
    expect((await rawRequest(new URL('/login', base).href, 'POST', { ...form, origin: `http://127.0.0.1:${new URL(base).port}` }, `token=${TOKEN}`)).status).toBe(303);
  });
});

describe('harness-mcp dashboard', () => {
  it('serves a runs root read-only: the page shows its batch, an action is refused, and nothing under the root changes', async () => {
    const dir = await tempDir();
    const work = await workDirIn(dir);
    const http = await startHttpHarness();
    const client = await http.connect();
    const submitted = await client.callTool({ name: 'submit_batch', arguments: oneJob(work, [{ step_id: 'quick', command: ['true'] }]) });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;
    await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId } });
    await http.stop();
    const before = await treeSnapshot(http.runsDir);

    const viewer = await startViewer(http.runsDir);
    const page = await (await launchChromium()).newPage();
    await page.goto(viewer.url);
    // Playwright's wait (30 s), not expect.poll's 1 s: a first render on a loaded machine takes longer.
    await page.getByRole('link', { name: batchId }).waitFor();
    expect(await page.locator('meta[name="harness-mode"]').getAttribute('content')).toBe('read_only');
    const csrf = (await page.locator('meta[name="harness-csrf"]').getAttribute('content'))!;
    await saveScreenshot(page, 'dashboard-read-only');

    const action = await callTool(viewer.url, 'set_drain', { drain: true }, { 'x-harness-csrf': csrf });
    expect(action.status).toBe(403);
    expect(await errorOf(action)).toMatchObject({ code: 'read_only', message: expect.stringContaining(http.runsDir) });
    // Reads still work, and nothing serves MCP here.
    expect((await fetch(new URL(`/api/resource?uri=harness://batches/${batchId}/scoreboard`, viewer.url))).status).toBe(200);
    expect((await fetch(new URL('/mcp', viewer.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: INITIALIZE })).status).toBe(404);

    expect(await viewer.stop()).toBe(0);
    expect(await treeSnapshot(http.runsDir)).toEqual(before);
  });

  it('tells its pages when the server that runs the root changes a batch', async () => {
    const work = await workDirIn(await tempDir());
    const http = await startHttpHarness();
    const client = await http.connect();
    // A step that runs until the test writes `release` into its working directory.
    const step = { step_id: 'wait', command: ['sh', '-c', 'while [ ! -f release ]; do sleep 0.05; done'] };
    const submitted = await client.callTool({ name: 'submit_batch', arguments: oneJob(work, [step]) });
    const batchId = (submitted.structuredContent as { batch_id: string }).batch_id;

    const viewer = await startViewer(http.runsDir);
    const abort = new AbortController();
    const stream = await fetch(new URL('/api/events', viewer.url), { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let heard = decoder.decode((await reader.read()).value);
    expect(heard).toContain('event: ready');
    await writeFile(join(work, 'release'), '');
    const changed = `"uri":"harness://batches/${batchId}/scoreboard"`;
    while (!heard.includes(changed)) heard += decoder.decode((await reader.read()).value);
    abort.abort();
  });

  it('refuses a runs dir that does not exist, and a host off loopback without a token, creating nothing', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'no-such-runs');
    const gone = await runCli(dir, ['dashboard', '--port', '0', '--runs-dir', missing]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`no such directory: ${missing}`);
    const open = await runCli(dir, ['dashboard', '--host', '0.0.0.0', '--port', '0', '--runs-dir', dir]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/refusing to serve the dashboard on 0\.0\.0\.0 without a token/);
    expect(await treeSnapshot(dir)).toEqual({});
  });
});
