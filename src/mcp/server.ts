import { McpServer, type Transport } from '@modelcontextprotocol/server';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import { HARNESS_NAME, HARNESS_VERSION } from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { wireNotifications } from './notifications.js';
import { registerBatchApp, UI_EXTENSION } from './batch-app.js';
import { SERVER_CACHE_HINTS } from './cache-hints.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerCancelRun } from './tools/cancel-run.js';
import { registerCompareVariants } from './tools/compare-variants.js';
import { registerFetchArtifact } from './tools/fetch-artifact.js';
import { registerGc } from './tools/gc.js';
import { registerGetChanges } from './tools/get-changes.js';
import { registerGetHarnessConfig } from './tools/get-harness-config.js';
import { registerGetScoreboard } from './tools/get-scoreboard.js';
import { registerLandJob } from './tools/land-job.js';
import { registerListBatches } from './tools/list-batches.js';
import { registerRetryStep } from './tools/retry-step.js';
import { registerReleasePool } from './tools/release-pool.js';
import { registerSetBudget } from './tools/set-budget.js';
import { registerSetDrain } from './tools/set-drain.js';
import { registerSubmitBatch } from './tools/submit-batch.js';
import { registerTailEvents } from './tools/tail-events.js';
import { registerWaitForBatch } from './tools/wait-for-batch.js';
import { registerRunBatch } from './tools/run-batch.js';
import type { BackgroundTasks } from './tasks/background-tasks.js';
import { offerTasks, type TaskStarter } from './tasks/task-calls.js';
import { registerTaskMethods, TASKS_EXTENSION } from './tasks/task-protocol.js';

const INSTRUCTIONS = `harness-mcp runs batches of coding-agent sessions (and plain commands) in parallel and records everything on disk.
Submit a launch table with submit_batch, then follow it with wait_for_batch (progress notifications, returns when settled) or get_scoreboard; run_batch does both in one call (a task, to a client that takes tasks).
Read outputs with fetch_artifact (paged) and tail_events; get_changes says what a step or job changed (files, lines, the patch). Subscribe to harness://batches/{batch_id}/scoreboard to hear of changes instead of polling. cancel_run stops work; retry_step runs a step again (cascade re-runs its dependents).
An isolated job's work is on its branch harness/<batch_id>/<job_id>: compare_variants puts the variants of a job side by side, land_job puts a job's branch onto a branch of the repository (dry_run first).`;

/** Which revision a server instance speaks, and whether it lives for a connection or one HTTP request. */
export interface ServerRole {
  era: 'legacy' | 'modern';
  /**
   * A server bound to a connection (stdio, a 2025-11-25 HTTP session) tells its client of changes
   * itself; one made for a single 2026-07-28 HTTP request does not: the endpoint's listen streams do.
   */
  connection: 'pinned' | 'per-request';
}

/**
 * An MCP server for one harness: the tools of docs/spec.md §8.1 and the resources of §8.2. On
 * 2026-07-28 it also offers the tasks extension: run_batch, wait_for_batch and retry_step (with
 * wait) answer a task to a client that takes them, and tasks/get, tasks/update, tasks/cancel
 * answer from `tasks`. 2025-11-25 has no such extension; the same tools answer plain calls, and a
 * server of that era needs no `tasks` (the dashboard's in-memory one has none).
 */
export function createServer(harness: Harness, tasks: BackgroundTasks | undefined, role: ServerRole): McpServer {
  const modern = role.era === 'modern';
  if (modern && !tasks) throw new Error('a 2026-07-28 server answers tasks: it needs the BackgroundTasks of its root');
  const server = new McpServer(
    { name: HARNESS_NAME, version: HARNESS_VERSION },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true, listChanged: true },
        prompts: {},
        logging: {},
        // MCP Apps work at both revisions (hosts of 2025-11-25 render them too); tasks are 2026-07-28's.
        extensions: { ...UI_EXTENSION, ...(modern ? { [TASKS_EXTENSION]: {} } : {}) },
      },
      instructions: INSTRUCTIONS,
      cacheHints: SERVER_CACHE_HINTS,
    },
  );
  const taskTools = modern ? tasks : undefined;
  const starters: Record<string, TaskStarter | undefined> = {};
  registerSubmitBatch(server, harness);
  starters.run_batch = registerRunBatch(server, harness, taskTools);
  registerGetScoreboard(server, harness);
  registerListBatches(server, harness);
  starters.wait_for_batch = registerWaitForBatch(server, harness, taskTools);
  registerFetchArtifact(server, harness);
  registerTailEvents(server, harness);
  registerGetChanges(server, harness);
  registerCancelRun(server, harness);
  starters.retry_step = registerRetryStep(server, harness, taskTools);
  registerSetBudget(server, harness);
  registerGetHarnessConfig(server, harness);
  registerSetDrain(server, harness);
  registerReleasePool(server, harness);
  registerGc(server, harness);
  registerLandJob(server, harness);
  registerCompareVariants(server, harness);
  registerResources(server, harness);
  registerBatchApp(server);
  registerPrompts(server, harness);
  if (modern && tasks) {
    offerTasks(server, starters, () => tasks.runsRoot());
    registerTaskMethods(server, tasks);
  }
  if (role.connection === 'pinned') wireNotifications(server, harness, role.era);
  return server;
}

/**
 * Serves one connection (stdin/stdout, or any stream-like transport): its first message says
 * which revision it speaks (a 2025-11-25 `initialize`, or a 2026-07-28 request with its `_meta`
 * envelope), and a server of that era is made for it. The entry answers subscriptions/listen.
 */
export function serveConnection(harness: Harness, tasks: BackgroundTasks, transport: Transport): StdioServerHandle {
  return serveStdio(({ era }) => createServer(harness, tasks, { era, connection: 'pinned' }), { transport });
}
