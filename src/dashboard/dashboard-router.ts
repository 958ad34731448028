import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { HarnessError } from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { attemptsRoute } from './attempts-route.js';
import { ChangeStream } from './change-stream.js';
import { LogFollows } from './log-follow.js';
import { csrfCheck, type DashboardAuth } from './dashboard-auth.js';
import { ResourceMirror } from './resource-mirror.js';
import { dashboardTool, isActionTool, type ToolBridge } from './tool-bridge.js';
import { DASHBOARD_PAGE, WEB_ASSETS_DIR } from './web-assets.js';

export interface Dashboard {
  router: Router;
  close(): void;
}

/** The version of a mirrored resource an answer holds, which the patches of the event stream build on. */
export const VERSION_HEADER = 'x-harness-version';

// Placeholders of the built page that each answer fills in.
const CSRF_SLOT = '__HARNESS_CSRF__';
const MODE_SLOT = '__HARNESS_MODE__';
const AUTH_SLOT = '__HARNESS_AUTH__';

const STATUS_OF_CODE: Record<string, number> = { unknown_tool: 404, not_found: 404, too_many_follows: 503 };

function apiError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The web dashboard at `/`: its page and assets, the event stream (`/api/events`), tool calls
 * (`POST /api/tools/:name`) and resource reads (`GET /api/resource?uri=`) through `bridge`, the
 * scoreboards and batch meta pages follow through one mirror of them all (ResourceMirror).
 * Actions need the CSRF token and a server that runs the root (not a read-only viewer).
 */
export function createDashboard(harness: Harness, bridge: ToolBridge, auth: DashboardAuth): Dashboard {
  const router = Router();
  const mirror = new ResourceMirror(harness, (uri) => bridge.readText(uri));
  const changes = new ChangeStream(harness, mirror);
  const follows = new LogFollows(harness);
  let page: Promise<string> | undefined;
  // Kept once read; a failed read (dist/web not built yet) is tried again on the next visit.
  const readPage = () => (page ??= readFile(join(WEB_ASSETS_DIR, DASHBOARD_PAGE), 'utf8').catch((error: unknown) => ((page = undefined), Promise.reject(error))));

  router.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  if (auth.routes) router.use(auth.routes);
  // Revalidated on each load (ETag): the names carry no hash, and an upgraded server must not
  // meet the browser's old script.
  router.use('/assets', express.static(join(WEB_ASSETS_DIR, 'assets'), { index: false, fallthrough: false, maxAge: 0 }));
  router.get('/', auth.pages, async (req: Request, res: Response) => {
    const html = (await readPage()).replace(CSRF_SLOT, escapeAttribute(auth.csrfTokenOf(req))).replace(MODE_SLOT, harness.mode).replace(AUTH_SLOT, auth.kind);
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" }).type('html').send(html);
  });

  const api = Router();
  api.use(auth.api, csrfCheck(auth), express.json({ limit: '64kb' }));
  api.get('/events', (req, res) => changes.follow(req, res));
  api.get('/attempts', attemptsRoute(harness));
  api.get('/follow', (req, res) => follows.follow(req, res));
  api.get('/resource', async (req, res) => {
    const uri = typeof req.query.uri === 'string' ? req.query.uri : '';
    if (!uri.startsWith('harness://')) return apiError(res, 400, 'invalid_argument', 'uri must be a harness:// resource');
    res.set('Cache-Control', 'no-store').type('json');
    if (!ResourceMirror.mirrors(uri)) return void res.send(await bridge.readText(uri));
    const { version, text } = await mirror.current(uri);
    res.set(VERSION_HEADER, String(version)).send(text);
  });
  api.post('/tools/:name', async (req, res) => {
    const name = dashboardTool(String(req.params.name));
    if (isActionTool(name) && harness.mode !== 'active') {
      return apiError(res, 403, 'read_only', `this dashboard only reads ${harness.paths.root}; actions are taken by the server that runs it`);
    }
    const args = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    res.set('Cache-Control', 'no-store').json(await bridge.call(name, args));
  });
  api.use((error: unknown, _req: Request, res: Response, _next: () => void) => {
    if (error instanceof HarnessError) return apiError(res, STATUS_OF_CODE[error.code] ?? 400, error.code, error.message);
    // A resource read the MCP server refused (an unknown batch): its JSON-RPC error, as a client gets it.
    if (typeof (error as { code?: unknown }).code === 'number') return apiError(res, 400, 'invalid_argument', (error as Error).message);
    const status = (error as { status?: number }).status;
    if (status && status < 500) return apiError(res, status, 'bad_request', (error as Error).message);
    apiError(res, 500, 'internal', (error as Error).message);
  });
  router.use('/api', api);

  return {
    router,
    close: () => {
      changes.close();
      mirror.close();
      follows.close();
    },
  };
}
