import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { HARNESS_NAME, HARNESS_VERSION } from '../core/index.js';
import type { Harness } from '../harness/index.js';
import { wireNotifications } from './notifications.js';
import { publishPortableToolSchemas } from './portable-tool-list.js';
import { registerPrompts } from './prompts.js';
import { HarnessTaskStore } from './task-store.js';
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

const INSTRUCTIONS = `harness-mcp runs batches of coding-agent sessions (and plain commands) in parallel and records everything on disk.
Submit a launch table with submit_batch, then follow it with wait_for_batch (progress notifications, returns when settled) or get_scoreboard.
Read outputs with fetch_artifact (paged) and tail_events; get_changes says what a step or job changed (files, lines, the patch). Subscribe to harness://batches/{batch_id}/scoreboard to hear of changes instead of polling. cancel_run stops work; retry_step runs a step again (cascade re-runs its dependents).
An isolated job's work is on its branch harness/<batch_id>/<job_id>: compare_variants puts the variants of a job side by side, land_job puts a job's branch onto a branch of the repository (dry_run first).`;

/** An MCP server for one harness: the tools of docs/spec.md §8.1 and the resources of §8.2. */
export function createServer(harness: Harness): McpServer {
  const taskStore = new HarnessTaskStore();
  const server = new McpServer(
    { name: HARNESS_NAME, version: HARNESS_VERSION },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true, listChanged: true },
        prompts: {},
        logging: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      instructions: INSTRUCTIONS,
      taskStore,
    },
  );
  registerSubmitBatch(server, harness, taskStore);
  registerGetScoreboard(server, harness);
  registerListBatches(server, harness);
  registerWaitForBatch(server, harness, taskStore);
  registerFetchArtifact(server, harness);
  registerTailEvents(server, harness);
  registerGetChanges(server, harness);
  registerCancelRun(server, harness);
  registerRetryStep(server, harness);
  registerSetBudget(server, harness);
  registerGetHarnessConfig(server, harness);
  registerSetDrain(server, harness);
  registerReleasePool(server, harness);
  registerGc(server, harness);
  registerLandJob(server, harness);
  registerCompareVariants(server, harness);
  publishPortableToolSchemas(server);
  registerResources(server, harness);
  registerPrompts(server, harness);
  wireNotifications(server, harness);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    taskStore.cleanup();
  };
  return server;
}
