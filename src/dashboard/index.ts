import type { Harness } from '../harness/index.js';
import type { BackgroundTasks } from '../mcp/index.js';
import { openAuth } from './dashboard-auth.js';
import { createDashboard, type Dashboard } from './dashboard-router.js';
import { cookieAuth } from './session-auth.js';
import { ToolBridge } from './tool-bridge.js';

export type { Dashboard } from './dashboard-router.js';
export { startDashboardServer } from './dashboard-server.js';

/**
 * The web dashboard of `harness`, ready to mount beside /mcp (or alone: startDashboardServer).
 * Without a token (loopback only, which checkHttpOptions enforces) every visitor may use it;
 * with one, a visitor logs in with it once and then holds a session cookie (cookieAuth).
 * `tasks` is undefined where no MCP tasks run (a read-only viewer).
 */
export async function openDashboard(harness: Harness, tasks: BackgroundTasks | undefined, token: string | undefined): Promise<Omit<Dashboard, 'close'> & { close(): Promise<void> }> {
  const bridge = await ToolBridge.open(harness, tasks);
  const dashboard = createDashboard(harness, bridge, token ? cookieAuth(token) : openAuth());
  return {
    router: dashboard.router,
    close: async () => {
      dashboard.close();
      await bridge.close();
    },
  };
}
