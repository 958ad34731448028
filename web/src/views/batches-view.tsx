import { useState } from 'preact/hooks';
import type { BatchScoreboard, SystemScoreboard } from '../../../src/core/scoreboard.js';
import { attentionCount, describeCounts } from '../components/statuses.js';
import { StatusBar } from '../components/status-bar.js';
import { formatAge, formatTokens, formatUsd } from '../components/units.js';
import { BATCHES_CHANGED, batchScoreboardUri, SYSTEM_SCOREBOARD } from '../data/source.js';
import { useLive } from '../data/use-live.js';
import { hrefOf } from '../routes.js';

type Batch = SystemScoreboard['batches'][number];
type Show = 'all' | 'open' | 'attention' | 'settled';

/** Needs attention first, then open, then settled; newest first within each. */
function rank(batch: Batch): number {
  if (attentionCount(batch.counts) > 0) return 0;
  return batch.settled ? 2 : 1;
}

function byAttentionThenNewest(a: Batch, b: Batch): number {
  return rank(a) - rank(b) || b.submitted_at.localeCompare(a.submitted_at);
}

function shows(batch: Batch, show: Show, text: string): boolean {
  if (text && !batch.batch_id.toLowerCase().includes(text)) return false;
  if (show === 'open') return !batch.settled;
  if (show === 'settled') return batch.settled;
  if (show === 'attention') return attentionCount(batch.counts) > 0;
  return true;
}

/** A batch's tokens and cost, read from its own scoreboard (the system one has only counts) and followed. */
function BatchUsage({ batchId }: { batchId: string }) {
  const uri = batchScoreboardUri(batchId);
  const { data } = useLive(
    (s) => s.callTool<Pick<BatchScoreboard, 'usage'>>('get_scoreboard', { batch_id: batchId, detail: 'summary' }),
    (u) => u === uri,
    [uri],
  );
  const usage = data?.structuredContent.usage;
  if (!usage) return <span class="muted">—</span>;
  return (
    <span>
      {formatTokens(usage.input_tokens + usage.output_tokens)} tokens
      {usage.cost_usd !== undefined && `, ${formatUsd(usage.cost_usd)}`}
    </span>
  );
}

/** Every batch of the root, those that need a person first, with counts, age and spend; filtered by id and state. */
export function BatchesView() {
  const { data, error } = useLive(
    (s) => s.readResource<SystemScoreboard>(SYSTEM_SCOREBOARD),
    (uri) => uri === SYSTEM_SCOREBOARD || uri === BATCHES_CHANGED,
    [],
  );
  const [text, setText] = useState('');
  const [show, setShow] = useState<Show>('all');
  if (error && !data) return <p class="error">{error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  const now = Date.parse(data.computed_at);
  const batches = data.batches.filter((b) => shows(b, show, text.trim().toLowerCase())).sort(byAttentionThenNewest);
  return (
    <div class="batches-view">
      <header class="batches-head">
        <h1>Batches</h1>
        <p class="muted">
          {data.batches_total === 1 ? '1 batch' : `${data.batches_total} batches`}: {describeCounts(data.counts)}
        </p>
      </header>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Batch id{' '}
          <input type="search" value={text} placeholder="filter" onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          Show{' '}
          <select value={show} onChange={(e) => setShow(e.currentTarget.value as Show)}>
            <option value="all">all</option>
            <option value="open">open only</option>
            <option value="attention">needing attention</option>
            <option value="settled">settled</option>
          </select>
        </label>
      </form>
      {error && <p class="error">Showing older data: {error.message}</p>}
      {batches.length === 0 ? (
        <p class="muted">{data.batches.length === 0 ? 'No batches yet.' : 'No batch matches the filter.'}</p>
      ) : (
        <table class="batches">
          <thead>
            <tr>
              <th>Batch</th>
              <th>Steps</th>
              <th class="bar-cell">Status</th>
              <th>Age</th>
              <th>Usage</th>
            </tr>
          </thead>
          <tbody>
            {batches.map((b) => (
              <tr key={b.batch_id} data-batch={b.batch_id} class={attentionCount(b.counts) > 0 ? 'needs-attention' : undefined}>
                <td>
                  <a class="mono" href={hrefOf({ view: 'batch', batchId: b.batch_id })}>
                    {b.batch_id}
                  </a>
                  <div class="muted">{b.settled ? 'settled' : 'open'}</div>
                </td>
                <td>{b.steps_total}</td>
                <td class="bar-cell">
                  <StatusBar counts={b.counts} />
                  <div class="muted small">{describeCounts(b.counts)}</div>
                </td>
                <td>{formatAge(b.submitted_at, now)}</td>
                <td>
                  <BatchUsage batchId={b.batch_id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
