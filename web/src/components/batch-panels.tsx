// The lists of a batch page beside its DAGs: what needs a person, what runs, what holds dispatch.
import type { BatchScoreboard, RunnerHealth } from '../../../src/core/scoreboard.js';
import type { BudgetStanding } from '../../../src/core/budget.js';
import { hrefOf } from '../routes.js';
import { formatSeconds, formatTokens, formatUsd } from './units.js';

function StepLink({ batchId, jobId, stepId }: { batchId: string; jobId: string; stepId: string }) {
  return (
    <a class="mono" href={hrefOf({ view: 'step', batchId, jobId, stepId })}>
      {jobId}/{stepId}
    </a>
  );
}

function more(total: number, shown: number) {
  return total > shown ? <p class="muted">and {total - shown} more</p> : null;
}

/** Stuck, needing attention, failed: the steps a person should look at, in that order. */
export function AttentionList({ board }: { board: BatchScoreboard }) {
  const { items, total } = board.attention;
  if (total === 0) return null;
  return (
    <section class="panel" aria-labelledby="attention-title">
      <h2 id="attention-title">Needs attention ({total})</h2>
      <ul class="attention">
        {items.map((item) => (
          <li key={`${item.job_id}/${item.step_id}`} data-attention={`${item.job_id}/${item.step_id}`}>
            <span class={`status status-${item.kind === 'stuck' ? 'running' : item.kind}`}>{item.kind.replace('_', ' ')}</span>{' '}
            <StepLink batchId={board.batch_id} jobId={item.job_id} stepId={item.step_id} />
            {item.failure_reason && <span class="muted"> {item.failure_reason}</span>}
            {item.message && <span class="attention-message"> — {item.message}</span>}
          </li>
        ))}
      </ul>
      {more(total, items.length)}
    </section>
  );
}

/** The steps running now: what each is doing and how long since it last said it was alive. */
export function RunningList({ board }: { board: BatchScoreboard }) {
  const { items, total } = board.running;
  if (total === 0) return null;
  return (
    <section class="panel" aria-labelledby="running-title">
      <h2 id="running-title">Running ({total})</h2>
      <table class="running">
        <thead>
          <tr>
            <th>Step</th>
            <th>Doing</th>
            <th>Heartbeat</th>
            <th>Running for</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const age = item.seconds_since_last_heartbeat;
            const stale = age !== null && age > board.heartbeat_stale_after_seconds;
            return (
              <tr key={item.run_id} data-running={`${item.job_id}/${item.step_id}`}>
                <td>
                  <StepLink batchId={board.batch_id} jobId={item.job_id} stepId={item.step_id} />
                </td>
                <td class="current-item">{item.current_item ?? <span class="muted">—</span>}</td>
                <td class={stale ? 'error' : undefined}>{age === null ? 'none yet' : `${formatSeconds(age)} ago${stale ? ' (stale)' : ''}`}</td>
                <td>{formatSeconds(item.run_duration_seconds)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {more(total, items.length)}
    </section>
  );
}

/** Why ready steps do not start, and which provider pools are parked by a limit. */
export function DispatchPanel({ board, runners }: { board: BatchScoreboard; runners: readonly RunnerHealth[] }) {
  const parked = runners.flatMap((r) => r.pools.filter((p) => p.parked).map((p) => ({ ...p, runner: r.runner_id })));
  if (!board.dispatch_paused && parked.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="dispatch-title">
      <h2 id="dispatch-title">Dispatch</h2>
      {board.dispatch_paused && <p class="dispatch-paused">Paused: {board.dispatch_paused}</p>}
      {parked.length > 0 && (
        <ul>
          {parked.map((p) => (
            <li key={`${p.runner}/${p.agent}/${p.profile}`}>
              <span class="mono">
                {p.agent}
                {p.profile === 'default' ? '' : ` (${p.profile})`}
              </span>{' '}
              parked until {p.parked!.until}: {p.parked!.kind.replace('_', ' ')}
              {p.parked!.window ? ` (${p.parked!.window})` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Standing({ name, standing }: { name: string; standing: BudgetStanding }) {
  const { budget, spent, reached } = standing;
  const cost = `${formatUsd(spent.cost_usd)}${spent.cost_known ? '' : '+'}`;
  const part = (used: string, limit: number | undefined, show: (n: number) => string) => (limit === undefined ? used : `${used} of ${show(limit)}`);
  return (
    <tr data-budget={name} class={reached ? 'budget-reached' : undefined}>
      <td class="mono">{name}</td>
      <td>{part(formatTokens(spent.tokens), budget?.max_tokens, formatTokens)}</td>
      <td>{part(cost, budget?.max_cost_usd, formatUsd)}</td>
      <td>{part(formatSeconds(spent.wall_seconds), budget?.max_wall_seconds, formatSeconds)}</td>
      <td>{reached ? <span class="error">{reached.replace('max_', '')} spent</span> : <span class="muted">within</span>}</td>
    </tr>
  );
}

/** Spent against each budget: the batch's and each job's with one of its own. */
export function BudgetsPanel({ board }: { board: BatchScoreboard }) {
  const budgets = board.budgets;
  if (!budgets) return null;
  return (
    <section class="panel" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      <table>
        <thead>
          <tr>
            <th>Of</th>
            <th>Tokens</th>
            <th>Cost</th>
            <th>Wall time</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <Standing name="batch" standing={budgets.batch} />
          {Object.entries(budgets.jobs).map(([jobId, standing]) => (
            <Standing key={jobId} name={jobId} standing={standing} />
          ))}
        </tbody>
      </table>
      {budgets.held > 0 && <p>{budgets.held} steps held because a budget over them is spent.</p>}
      {budgets.cost_unknown && <p class="muted">No cost known for {budgets.cost_unknown}.</p>}
    </section>
  );
}
