import type { ErrorRequestHandler, Router } from 'express';
import { checkHttpOptions, createGuardedApp, listenOn } from '../mcp/index.js';

export interface DashboardServerOptions {
  host: string;
  port: number;
  /** Required unless the host is loopback, as for MCP over HTTP; the dashboard's router must be made with it. */
  token: string | undefined;
}

/**
 * An HTTP server of the dashboard alone (no /mcp), with the protections and token rules of
 * MCP over HTTP: Host and Origin checks on loopback, a token anywhere else.
 */
export async function startDashboardServer(dashboard: Router, options: DashboardServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  checkHttpOptions(options, 'the dashboard');
  const app = createGuardedApp(options.host);
  app.use(dashboard);
  // Express's own handler would answer with an HTML stack trace.
  const onError: ErrorRequestHandler = (error: { status?: number; message?: string }, _req, res, _next) => {
    const status = error.status ?? 500;
    res.status(status).json({ error: { code: status < 500 ? 'bad_request' : 'internal', message: status < 500 ? (error.message ?? 'Bad request') : 'Internal server error' } });
  };
  app.use(onError);
  const listening = await listenOn(app, options.host, options.port);
  return { url: `${listening.origin}/`, close: () => listening.close() };
}
