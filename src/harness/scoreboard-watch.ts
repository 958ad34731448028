import { stat } from 'node:fs/promises';
import { listBatchIds, type RunsPaths } from '../store/index.js';

/**
 * Tells `changed` of each batch whose scoreboard.batch.json the server that runs the root has
 * rewritten (it does on every change of the batch), or that appeared, looking every
 * `intervalMs`: a root another server runs changes only on disk, and this is how a read-only
 * server's listeners (a dashboard's event stream, MCP subscriptions) hear of it. What is there
 * at the first look is taken as known. Returns what stops the watch.
 */
export function watchScoreboardFiles(paths: RunsPaths, changed: (batchId: string) => void, intervalMs: number): () => void {
  let seen: Map<string, number> | undefined;
  let looking = false;
  const look = async () => {
    if (looking) return; // a slow disk: one look at a time
    looking = true;
    try {
      const now = new Map<string, number>();
      for (const batchId of await listBatchIds(paths)) {
        const info = await stat(paths.batchScoreboardFile(batchId)).catch(() => undefined);
        now.set(batchId, info?.mtimeMs ?? 0);
      }
      const before = seen;
      seen = now;
      if (!before) return;
      for (const [batchId, mtimeMs] of now) if (before.get(batchId) !== mtimeMs) changed(batchId);
    } catch {
      // An unreadable root this time is looked at again next time.
    } finally {
      looking = false;
    }
  };
  void look();
  const timer = setInterval(() => void look(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
