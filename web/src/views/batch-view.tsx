import { batchScoreboardUri } from '../data/source.js';
import { useLive } from '../data/use-live.js';

/** One batch. */
export function BatchView({ batchId }: { batchId: string }) {
  const uri = batchScoreboardUri(batchId);
  const { data, error } = useLive((s) => s.readResource<{ counts: Record<string, number> }>(uri), (u) => u === uri, [uri]);
  if (error) return <p class="error">{error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  return <h1>{batchId}</h1>;
}
