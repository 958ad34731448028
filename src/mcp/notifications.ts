import { ProtocolError, ProtocolErrorCode, type McpServer } from '@modelcontextprotocol/server';
import type { Harness } from '../harness/index.js';
import { batchScoreboardUri, SYSTEM_SCOREBOARD_URI } from '../scoreboard/index.js';

// Updates of one scoreboard are sent at most this often, not once per file write.
const COALESCE_MS = 250;
const SUBSCRIBABLE = /^harness:\/\/(scoreboard|batches\/[^/]+\/scoreboard)$/;

/** Where the changes of a harness go: a connection's server, or every listen stream of the HTTP endpoint. */
export interface ChangeSink {
  resourceUpdated(uri: string): void;
  resourcesChanged(): void;
}

/**
 * Tells `sink` of the harness's changes: the scoreboards that changed (coalesced, each at most
 * every COALESCE_MS; `wanted` says which the sink listens to) and each batch that appears.
 * Returns what unhooks it all.
 */
export function publishChanges(harness: Harness, sink: ChangeSink, wanted: (uri: string) => boolean = () => true): () => void {
  const dirty = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    for (const uri of dirty) sink.resourceUpdated(uri);
    dirty.clear();
  };
  const offChanged = harness.onBatchChanged((batchId) => {
    for (const uri of [batchScoreboardUri(batchId), SYSTEM_SCOREBOARD_URI]) if (wanted(uri)) dirty.add(uri);
    if (dirty.size > 0) flushTimer ??= setTimeout(flush, COALESCE_MS);
  });
  const offAdded = harness.onBatchAdded(() => sink.resourcesChanged());
  return () => {
    offChanged();
    offAdded();
    clearTimeout(flushTimer);
  };
}

/**
 * What a server bound to one connection tells its client without being asked, until it closes.
 * A 2025-11-25 client subscribes with resources/subscribe and hears the scoreboards it chose, and
 * the harness's log as MCP logging (filtered by its level). On 2026-07-28 the serving entry
 * answers subscriptions/listen and passes on only what each listen stream asked for, so every
 * change is offered; the log is not, since that revision sends log messages only to a request
 * that asks for them.
 */
export function wireNotifications(server: McpServer, harness: Harness, era: 'legacy' | 'modern'): void {
  const subscribed = new Set<string>();
  if (era === 'legacy') {
    server.server.setRequestHandler('resources/subscribe', async ({ params }) => {
      if (!SUBSCRIBABLE.test(params.uri)) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `uri: \`${params.uri}\` cannot be subscribed to; subscribe to harness://scoreboard or harness://batches/{batch_id}/scoreboard`,
        );
      }
      subscribed.add(params.uri);
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', async ({ params }) => {
      subscribed.delete(params.uri);
      return {};
    });
  }
  const quietly = (sent: Promise<void>) => void sent.catch(() => undefined);
  const unpublish = publishChanges(
    harness,
    {
      resourceUpdated: (uri) => quietly(server.server.sendResourceUpdated({ uri })),
      resourcesChanged: () => quietly(server.server.sendResourceListChanged()),
    },
    era === 'legacy' ? (uri) => subscribed.has(uri) : (uri) => SUBSCRIBABLE.test(uri),
  );
  const offLog =
    era === 'legacy' ? harness.onLog((level, message) => quietly(server.server.sendLoggingMessage({ level, logger: 'harness-mcp', data: message }))) : () => undefined;

  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    unpublish();
    offLog();
  };
}
