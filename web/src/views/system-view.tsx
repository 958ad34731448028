import type { RunnerHealth, SystemScoreboard } from '../../../src/core/scoreboard.js';
import { ActionButton } from '../components/action-button.js';
import { describeCounts } from '../components/statuses.js';
import { StatusBar } from '../components/status-bar.js';
import { formatBytes, formatAge } from '../components/units.js';
import { act, SYSTEM_SCOREBOARD } from '../data/source.js';
import { useLive, useSource } from '../data/use-live.js';

function RunnerCard({ runner, now, onChanged }: { runner: RunnerHealth; now: number; onChanged: () => void }) {
  const source = useSource();
  const { pressure } = runner;
  return (
    <section class="panel runner" data-runner={runner.runner_id} data-drain={String(runner.drain)} aria-labelledby={`runner-${runner.runner_id}`}>
      <header class="job-head">
        <h2 id={`runner-${runner.runner_id}`} class="mono">
          {runner.runner_id}
        </h2>
        <span class="muted">
          {runner.hostname}, pid {runner.pid}, updated {formatAge(runner.updated_at, now)} ago
        </span>
        {runner.mode === 'active' &&
          (runner.drain ? (
            <ActionButton label="Undrain" question="Let ready steps start again on this runner?" run={() => act(source, 'set_drain', { drain: false })} onDone={onChanged} />
          ) : (
            <ActionButton
              label="Drain"
              danger
              question="Stop new attempts from starting? Running ones finish; ready steps wait until you undrain."
              run={() => act(source, 'set_drain', { drain: true })}
              onDone={onChanged}
            />
          ))}
      </header>
      <dl class="facts">
        <dt>Mode</dt>
        <dd>{runner.mode === 'active' ? 'active' : 'read only (another server owns the runs root)'}</dd>
        <dt>Running</dt>
        <dd>
          {runner.running} of {runner.capacity}
        </dd>
        <dt>Drain</dt>
        <dd class="runner-drain">{runner.drain ? 'draining: no new attempts start' : 'off'}</dd>
        <dt>Paused</dt>
        <dd>{runner.paused_reason ?? <span class="muted">no</span>}</dd>
        <dt>Free disk</dt>
        <dd>{pressure.free_disk_bytes === null ? 'unknown' : formatBytes(pressure.free_disk_bytes)}</dd>
        <dt>Load (1 min)</dt>
        <dd>{pressure.load_average_1m.toFixed(2)}</dd>
        <dt>Free memory</dt>
        <dd>{formatBytes(pressure.free_memory_bytes)}</dd>
      </dl>
      {runner.pools.length > 0 && (
        <table class="pools">
          <caption>Provider pools</caption>
          <thead>
            <tr>
              <th>Agent</th>
              <th>Profile</th>
              <th>Running</th>
              <th>Cap</th>
              <th>Parked</th>
            </tr>
          </thead>
          <tbody>
            {runner.pools.map((pool) => (
              <tr key={`${pool.agent}/${pool.profile}`} data-pool={pool.agent}>
                <td class="mono">{pool.agent}</td>
                <td>{pool.profile}</td>
                <td>{pool.running}</td>
                <td>
                  {pool.cap} of {pool.max_cap}
                </td>
                <td>
                  {pool.parked ? (
                    <span class="error" title={pool.parked.message}>
                      until {pool.parked.until}: {pool.parked.kind.replace('_', ' ')}
                    </span>
                  ) : (
                    <span class="muted">no</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The runners of the root: their health, pressure and pools, with drain and undrain. */
export function SystemView() {
  const { data, error, reload } = useLive((s) => s.readResource<SystemScoreboard>(SYSTEM_SCOREBOARD), (uri) => uri === SYSTEM_SCOREBOARD, []);
  if (error && !data) return <p class="error">{error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  const now = Date.parse(data.computed_at);
  return (
    <div class="system-view">
      <h1>System</h1>
      <p class="muted">
        {data.runs_root}: {data.batches_total === 1 ? '1 batch' : `${data.batches_total} batches`}, {describeCounts(data.counts)}
      </p>
      <StatusBar counts={data.counts} />
      {error && <p class="error">Showing older data: {error.message}</p>}
      {data.runners.length === 0 ? <p class="muted">No runner is running on this root.</p> : data.runners.map((r) => <RunnerCard key={r.runner_id} runner={r} now={now} onChanged={reload} />)}
      {data.damaged.length > 0 && (
        <section class="panel" aria-labelledby="damaged-title">
          <h2 id="damaged-title">Damaged files ({data.damaged.length})</h2>
          <ul>
            {data.damaged.map((d) => (
              <li key={d.path}>
                <code>{d.path}</code> ({d.batch_id}): {d.problem} → {d.outcome.replace(/_/g, ' ')}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
