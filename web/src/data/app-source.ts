// The MCP App's source: every read and action is a request to the host (tools/call,
// resources/read), which passes it to this server over the conversation's connection.
import type { App } from '@modelcontextprotocol/ext-apps';
import { BATCHES_CHANGED, batchMetaUri, batchScoreboardUri, SYSTEM_SCOREBOARD, type HarnessSource, type ToolAnswer } from './source.js';

/**
 * How often an unsettled batch is read again. A sandboxed app has no event stream (its only
 * channel is the host, which forwards no resource notifications to it), so a view that should
 * move while steps run has to ask; a settled batch no longer changes and is not asked again.
 */
export const POLL_MS = 5000;

// Tools that only read: calling one changes nothing, so it triggers no refresh (a refresh after
// get_scoreboard would read it again, and again).
const READ_TOOLS = new Set(['get_scoreboard', 'list_batches', 'wait_for_batch', 'fetch_artifact', 'tail_events', 'get_changes', 'compare_variants', 'get_harness_config']);

export interface AppSource extends HarnessSource {
  /** Tells every view that the batch may have changed: a tool result arrived, an action ended, the person asked. */
  refresh(): void;
  /** Stops the polling. */
  close(): void;
}

function textOf(content: { type: string; text?: string }[] | undefined): string {
  return (content ?? []).flatMap((c) => (c.type === 'text' && c.text !== undefined ? [c.text] : [])).join('\n');
}

/** `batchId` names the batch the host showed the app, once a tool's input or result said it. */
export function appSource(app: App, batchId: () => string | undefined): AppSource {
  const listeners = new Set<(uri: string) => void>();
  let poll: ReturnType<typeof setTimeout> | undefined;

  const refresh = () => {
    const id = batchId();
    const uris = [SYSTEM_SCOREBOARD, BATCHES_CHANGED, ...(id ? [batchScoreboardUri(id), batchMetaUri(id)] : [])];
    for (const uri of uris) for (const listener of listeners) listener(uri);
  };

  // Each read of the batch's scoreboard says whether it is settled; an unsettled one is read again
  // after POLL_MS, a hidden one (the conversation scrolled away, the tab in the background) when it shows again.
  const pollAgain = () => {
    if (poll !== undefined) return;
    poll = setTimeout(() => {
      poll = undefined;
      if (!document.hidden) return refresh();
      document.addEventListener('visibilitychange', refresh, { once: true });
    }, POLL_MS);
  };

  return {
    canAct: true,
    async callTool<T>(name: string, args: Record<string, unknown>): Promise<ToolAnswer<T>> {
      const result = await app.callServerTool({ name, arguments: args });
      if (!READ_TOOLS.has(name)) refresh();
      return { structuredContent: result.structuredContent as T, text: textOf(result.content), isError: result.isError === true };
    },
    async readResource<T>(uri: string): Promise<T> {
      const { contents } = await app.readServerResource({ uri });
      const first = contents[0];
      if (!first || !('text' in first)) throw new Error(`${uri} answered no text`);
      const value = JSON.parse(first.text) as T;
      const id = batchId();
      if (id && uri === batchScoreboardUri(id) && (value as { settled?: boolean }).settled === false) pollAgain();
      return value;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh,
    close() {
      clearTimeout(poll);
      document.removeEventListener('visibilitychange', refresh);
    },
  };
}
