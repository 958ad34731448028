import { HarnessError } from '../core/index.js';
import { checkHttpOptions } from '../mcp/index.js';
import { openDashboard, startDashboardServer } from '../dashboard/index.js';
import { EXIT, fail, openHarness, readToken, type StoreOptions } from './common.js';

export interface DashboardOptions extends StoreOptions {
  host?: string;
  port?: number;
  tokenFile?: string;
}

/** The viewer's default port: beside a `serve --http` on its default 8765. */
export const DASHBOARD_PORT = 8766;

/**
 * `harness-mcp dashboard`: the web dashboard of a runs root that another server runs (over stdio,
 * say), or none: it reads the files and writes nothing under the root, so its actions are refused.
 * Ends on SIGINT or SIGTERM.
 */
export async function dashboard(options: DashboardOptions): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DASHBOARD_PORT;
  const token = await readToken(options.tokenFile);
  try {
    checkHttpOptions({ host, token }, 'the dashboard');
  } catch (error) {
    fail((error as Error).message);
  }
  const harness = await openHarness(options, { readOnly: true });
  const view = await openDashboard(harness, undefined, token);
  let http: Awaited<ReturnType<typeof startDashboardServer>>;
  try {
    http = await startDashboardServer(view.router, { host, port, token });
  } catch (error) {
    await view.close();
    await harness.close();
    if (error instanceof HarnessError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail((error as Error).message);
    throw error;
  }
  process.stderr.write(`harness-mcp: dashboard at ${http.url} (read-only view of ${harness.paths.root}${token ? '; log in with the token' : ''}); Ctrl-C stops\n`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await view.close().catch(() => undefined);
    await http.close().catch(() => undefined);
    await harness.close();
    process.exit(EXIT.ok);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
