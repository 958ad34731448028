import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Harness } from '../harness/index.js';
import { batchScoreboardUri, SYSTEM_SCOREBOARD_URI } from '../scoreboard/index.js';

// Updates of one scoreboard are sent at most this often, not once per file write.
const COALESCE_MS = 250;
const SUBSCRIBABLE = /^harness:\/\/(scoreboard|batches\/[^/]+\/scoreboard)$/;

/**
 * What the server tells a client without being asked: `notifications/resources/updated` for
 * the scoreboards it subscribed to (coalesced), `notifications/resources/list_changed` when a
 * batch appears, and the harness's log as MCP logging (filtered by the client's level).
 * Everything is unhooked when the session closes.
 */
export function wireNotifications(server: McpServer, harness: Harness): void {
  const subscribed = new Set<string>();
  const dirty = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;

  server.server.setRequestHandler(SubscribeRequestSchema, async ({ params }) => {
    if (!SUBSCRIBABLE.test(params.uri)) {
      throw new McpError(ErrorCode.InvalidParams, `uri: \`${params.uri}\` cannot be subscribed to; subscribe to harness://scoreboard or harness://batches/{batch_id}/scoreboard`);
    }
    subscribed.add(params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async ({ params }) => {
    subscribed.delete(params.uri);
    return {};
  });

  const flush = () => {
    flushTimer = undefined;
    for (const uri of dirty) void server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    dirty.clear();
  };
  const offChanged = harness.onBatchChanged((batchId) => {
    for (const uri of [batchScoreboardUri(batchId), SYSTEM_SCOREBOARD_URI]) if (subscribed.has(uri)) dirty.add(uri);
    if (dirty.size > 0) flushTimer ??= setTimeout(flush, COALESCE_MS);
  });
  const offAdded = harness.onBatchAdded(() => server.sendResourceListChanged());
  const offLog = harness.onLog((level, message) => {
    void server.sendLoggingMessage({ level, logger: 'harness-mcp', data: message }, server.server.transport?.sessionId).catch(() => undefined);
  });

  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    offChanged();
    offAdded();
    offLog();
    clearTimeout(flushTimer);
  };
}
