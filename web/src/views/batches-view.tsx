import { useLive } from '../data/use-live.js';
import { hrefOf } from '../routes.js';

interface SystemBoard {
  batches: { batch_id: string; settled: boolean; counts: Record<string, number> }[];
}

/** Every batch of the root. */
export function BatchesView() {
  const { data, error } = useLive((s) => s.callTool<SystemBoard>('get_scoreboard', { detail: 'full' }), () => true, []);
  if (error) return <p class="error">{error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <table>
      <tbody>
        {data.structuredContent.batches.map((b) => (
          <tr key={b.batch_id}>
            <td>
              <a href={hrefOf({ view: 'batch', batchId: b.batch_id })}>{b.batch_id}</a>
            </td>
            <td>{b.settled ? 'settled' : 'open'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
