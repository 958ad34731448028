import { BUDGET_KEYS, describeAmount, describeLimit, type BatchScoreboard, type DamagedFile, type StepCounts, type Usage } from '../core/index.js';

/** `3 succeeded, 1 failed`: the counts that are not zero. */
export function describeCounts(counts: StepCounts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return parts.join(', ') || 'no steps';
}

const DAMAGE_OUTCOMES: Record<DamagedFile['outcome'], string> = {
  batch_not_served: 'the batch is not served until the file is repaired or removed (then restart)',
  attempt_ended: 'moved aside (.damaged); its attempt ended failed/runner_lost',
  set_aside: 'moved aside (.damaged) and rebuilt',
};

/** One line per file that could not be read: which, why, and what became of it. */
export function describeDamaged(damaged: DamagedFile[]): string[] {
  return damaged.map((d) => `damaged: ${d.path} ${d.problem}; ${DAMAGE_OUTCOMES[d.outcome]}`);
}

/**
 * How the reader of a failure line gets at the attempt's whole output: a person at a terminal
 * types a command, a model calls a tool. The line itself holds only the end of the output.
 */
export type LogsPointer = (runId: string) => string;

export const CLI_LOGS: LogsPointer = (runId) => `harness-mcp logs ${runId} --stream stderr`;
export const MCP_LOGS: LogsPointer = (runId) => `fetch_artifact {"run_id": "${runId}", "name": "stderr"}`;

/** A few lines a person or a model reads first: counts, failure groups, stuck steps, more pages. */
export function describeBatch(board: BatchScoreboard, logsOf: LogsPointer): string {
  const lines = [`${board.batch_id}: ${describeCounts(board.counts)}${board.settled ? ' (settled)' : ''}`];
  for (const group of board.failure_groups.slice(0, 5)) {
    const example = group.examples[0]!;
    lines.push(`- ${group.count} × ${group.failure_reason ?? 'failed'}${group.message ? `: ${group.message.slice(0, 160)}` : ''} (e.g. ${example.job_id}/${example.step_id}; logs: ${logsOf(example.run_id)})`);
  }
  for (const item of board.attention.items.filter((a) => a.kind === 'stuck').slice(0, 5)) {
    lines.push(`- ${item.kind}: ${item.job_id}/${item.step_id} (run ${item.run_id})${item.message ? `: ${item.message.slice(0, 200)}` : ''}`);
  }
  const usage = Object.entries(board.usage_by_agent).map(([agent, u]) => `${agent} ${describeUsage(u)}`);
  if (usage.length > 0) lines.push(`Usage: ${usage.join('; ')}`);
  if (board.budgets) lines.push(describeBudgets(board.budgets));
  if (board.next_cursor) lines.push(`More steps: cursor ${board.next_cursor}`);
  return lines.join('\n');
}

/** `Budget: 12,000 of 10,000 tokens; max_tokens reached; 2 step(s) held …`. */
function describeBudgets(budgets: NonNullable<BatchScoreboard['budgets']>): string {
  const { budget, spent, reached } = budgets.batch;
  const limits = budget
    ? BUDGET_KEYS.filter((k) => budget[k] !== undefined).map((k) => describeLimit({ key: k, spent: k === 'max_tokens' ? spent.tokens : k === 'max_cost_usd' ? spent.cost_usd : spent.wall_seconds, limit: budget[k]! }))
    : [];
  const parts = [limits.length ? `Budget: ${limits.join(', ')}` : `Spent: ${describeAmount('max_tokens', spent.tokens)}`];
  if (reached) parts.push(`${reached} reached`);
  if (budgets.held > 0) parts.push(`${budgets.held} step(s) held (budget_exhausted; set_budget raises it)`);
  if (budgets.cost_unknown) parts.push(budgets.cost_unknown);
  return parts.join('; ');
}

/** `1,200 in (300 cached), 80 out, $0.0123`. */
function describeUsage(usage: Usage): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const cached = usage.cached_input_tokens > 0 ? ` (${n(usage.cached_input_tokens)} cached)` : '';
  const cost = usage.cost_usd === undefined ? '' : `, $${usage.cost_usd.toFixed(4)}`;
  return `${n(usage.input_tokens)} in${cached}, ${n(usage.output_tokens)} out${cost}`;
}
