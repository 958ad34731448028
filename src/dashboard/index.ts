import type { Harness } from '../harness/index.js';
import type { BackgroundTasks } from '../mcp/index.js';
import { openAuth } from './dashboard-auth.js';
import { createDashboard, type Dashboard } from './dashboard-router.js';
import { ToolBridge } from './tool-bridge.js';

export type { Dashboard } from './dashboard-router.js';

/**
 * The web dashboard of `harness`, ready to mount beside /mcp. Without a token (loopback only,
 * which checkHttpOptions enforces) every visitor may use it. Returns undefined when a token is set:
 * the login page that token needs is not built yet, and the dashboard is not served without it.
 */
export async function openDashboard(harness: Harness, tasks: BackgroundTasks | undefined, token: string | undefined): Promise<(Dashboard & { close(): Promise<void> }) | undefined> {
  if (token) return undefined;
  const bridge = await ToolBridge.open(harness, tasks);
  const dashboard = createDashboard(harness, bridge, openAuth());
  return {
    router: dashboard.router,
    get followers() {
      return dashboard.followers;
    },
    close: async () => {
      dashboard.close();
      await bridge.close();
    },
  };
}
