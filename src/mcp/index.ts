// What the other floors may use of mcp/; everything else in it is its own (docs/architecture.md).
export { createServer, serveConnection } from './server.js';
export { openBackgroundTasks } from './tasks/open-tasks.js';
export type { BackgroundTasks } from './tasks/background-tasks.js';
export { publishChanges } from './notifications.js';
export { checkHttpOptions, startHttpServer } from './http/http-server.js';
export { createGuardedApp, listenOn, type Listening } from './http/guarded-app.js';
export { maxMessageBytes } from './message-limit.js';
export { BoundedStdioTransport } from './stdio-transport.js';
export { DASHBOARD_PAGE, WEB_ASSETS_DIR } from './web-assets.js';
export { CancelRunOutput } from './tools/cancel-run.js';
export { describeRelease, ReleasePoolOutput } from './tools/release-pool.js';
export { RetryStepOutput } from './tools/retry-step.js';
export { SetBudgetOutput } from './tools/set-budget.js';
export { describeLanding, LandJobOutput } from './tools/land-job.js';
export { describeComparison } from './tools/compare-variants.js';
