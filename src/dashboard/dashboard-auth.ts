import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

/** The header a page sends its CSRF token in with every POST. */
export const CSRF_HEADER = 'x-harness-csrf';

/**
 * Who may use the dashboard, and the CSRF token a page of theirs must send back. `pages`
 * guards what a browser navigates to (a login page when the visitor has no session), `api` the
 * JSON and event-stream routes (401 instead); `routes` adds the auth's own routes, if any.
 */
export interface DashboardAuth {
  /** none: no sign-in (loopback without a token); session: a login page and a cookie, which the page offers to end. */
  readonly kind: 'none' | 'session';
  readonly routes: RequestHandler | undefined;
  readonly pages: RequestHandler;
  readonly api: RequestHandler;
  csrfTokenOf(req: Request): string;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a POST whose CSRF header is not the token its page was given. */
export function csrfCheck(auth: DashboardAuth): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const given = req.get(CSRF_HEADER) ?? '';
    if (given && sameToken(given, auth.csrfTokenOf(req))) return next();
    res.status(403).json({ error: { code: 'csrf', message: `an action needs the page's CSRF token in the ${CSRF_HEADER} header; reload the page` } });
  };
}

/**
 * A loopback server without a token: everyone who reaches it (the Host and Origin checks keep
 * other sites out) may use it; one CSRF token per server process still keeps a page elsewhere
 * from posting actions blind.
 */
export function openAuth(): DashboardAuth {
  const csrf = randomBytes(32).toString('base64url');
  const pass: RequestHandler = (_req, _res, next) => next();
  return { kind: 'none', routes: undefined, pages: pass, api: pass, csrfTokenOf: () => csrf };
}
