import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { DashboardAuth } from './dashboard-auth.js';
import { LOGIN_PAGE_CSP, loginPage } from './login-page.js';
import { DEFAULT_LOGIN_SESSION_LIMITS, LoginSessions, type LoginSessionLimits } from './login-sessions.js';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, type LoginThrottleLimits } from './login-throttle.js';

export interface CookieAuthOptions {
  sessions?: Partial<LoginSessionLimits>;
  throttle?: Partial<LoginThrottleLimits>;
  /** The clock of idle expiry and lockout, in ms (default Date.now). */
  now?: () => number;
}

/**
 * The session cookie's name: one per port, since browsers keep cookies per host and not per
 * port, so a `serve --http` and a `dashboard` on one host would otherwise overwrite each other's.
 */
export function sessionCookieName(req: Request): string {
  return `harness_session_${req.socket.localPort ?? 0}`;
}

export type CookieAuth = DashboardAuth & { readonly sessions: LoginSessions };

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The session id the request's cookie carries, if any. */
function sessionIdOf(req: Request): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === sessionCookieName(req)) return value.join('=') || undefined;
  }
  return undefined;
}

function sendLoginPage(res: Response, status: number, error?: string): void {
  res.status(status).set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': LOGIN_PAGE_CSP }).type('html').send(loginPage(error));
}

/**
 * The dashboard of a server with a token: the token is entered once on /login and becomes a
 * session cookie (HttpOnly, so a page's script never reads it; SameSite=Strict, so no other
 * site's request carries it; Secure when the request came over TLS). Each session has its own
 * CSRF token. Without a live session a page is sent to /login and the API (the event stream
 * too) answers 401.
 *
 * The API takes no bearer header: scripts have /mcp, which takes the token and offers every
 * tool, and one way in keeps the CSRF rule simple (every POST of /api comes from a page).
 */
export function cookieAuth(token: string, options: CookieAuthOptions = {}): CookieAuth {
  const now = options.now ?? Date.now;
  const sessions = new LoginSessions({ ...DEFAULT_LOGIN_SESSION_LIMITS, ...options.sessions }, now);
  const throttle = new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, ...options.throttle }, now);
  // Both sides hashed, so the comparison takes the same time whatever was typed (as bearerAuth does).
  const expected = sha256(token);
  const isToken = (given: string) => timingSafeEqual(sha256(given), expected);

  const routes = Router();
  routes.get('/login', (req, res) => {
    if (sessions.use(sessionIdOf(req))) return res.redirect(303, '/');
    sendLoginPage(res, 200);
  });
  routes.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    // The socket's address: behind a proxy every client shares the proxy's, and is throttled as one.
    const client = req.socket.remoteAddress ?? '';
    const lockedFor = throttle.lockedForSeconds(client);
    if (lockedFor > 0) {
      res.set('Retry-After', String(lockedFor));
      return sendLoginPage(res, 429, `Too many wrong tokens: logins are refused for ${lockedFor} s more.`);
    }
    const given = typeof req.body?.token === 'string' ? (req.body.token as string) : '';
    if (!isToken(given)) {
      throttle.failed(client);
      return sendLoginPage(res, 401, given ? 'That is not the token of this server.' : 'Enter the token of this server.');
    }
    throttle.succeeded(client);
    const id = sessions.open(sessionIdOf(req));
    res.cookie(sessionCookieName(req), id, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.redirect(303, '/');
  });
  // No CSRF token needed: SameSite=Strict keeps the cookie off other sites' posts, so only this
  // site can log its own visitor out, and a plain form (no script) can.
  routes.post('/logout', (req, res) => {
    const id = sessionIdOf(req);
    if (id) sessions.end(id);
    res.clearCookie(sessionCookieName(req), { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.redirect(303, '/login');
  });
  // A form too big or not a form: the login page again, not the MCP server's JSON-RPC error.
  const unreadableForm: ErrorRequestHandler = (error: { status?: number }, _req, res, _next) => sendLoginPage(res, error.status ?? 400, 'The login form could not be read; try again.');
  routes.use('/login', unreadableForm);

  const pages: RequestHandler = (req, res, next) => (sessions.use(sessionIdOf(req)) ? next() : res.redirect(303, '/login'));
  const api: RequestHandler = (req, res, next) => {
    const id = sessionIdOf(req);
    if (!id || !sessions.use(id)) {
      return void res.status(401).json({ error: { code: 'unauthenticated', message: 'no live dashboard session: log in at /login (the session cookie is missing or expired)' } });
    }
    // Every answer is tied to its session, so logging out ends an event stream whatever it asked for.
    sessions.follow(id, res);
    next();
  };

  return {
    kind: 'session',
    routes,
    pages,
    api,
    sessions,
    csrfTokenOf: (req) => sessions.use(sessionIdOf(req))?.csrf ?? '',
  };
}
