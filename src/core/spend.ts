import type { AttemptState } from './attempt-state.js';
import { NO_SPEND, type Price, type Spend } from './budget.js';
import { secondsBetween } from './clock.js';
import { priceOf, type HarnessConfig } from './harness-config.js';
import type { AgentName } from './launch-table.js';
import type { Usage } from './run-report.js';

/** Input plus output tokens: what max_tokens counts (cached input is part of input, as OpenAI counts it). */
export function tokensOf(usage: Usage): number {
  return usage.input_tokens + usage.output_tokens;
}

/** What `usage` cost at `price`, in US dollars: cached input at its own price, the rest of input at the input price. */
export function costAt(usage: Usage, price: Price): number {
  const uncached = Math.max(0, usage.input_tokens - usage.cached_input_tokens);
  return (uncached * price.input_usd_per_mtok + usage.cached_input_tokens * price.cached_input_usd_per_mtok + usage.output_tokens * price.output_usd_per_mtok) / 1e6;
}

/** The spend of a usage: the agent's own cost when it reports one (claude), else priced, else unknown. */
export function spendOfUsage(usage: Usage | null, price: Price | null): Spend {
  if (!usage) return NO_SPEND;
  const tokens = tokensOf(usage);
  if (usage.cost_usd !== undefined) return { tokens, cost_usd: usage.cost_usd, cost_known: true, wall_seconds: 0 };
  if (price) return { tokens, cost_usd: costAt(usage, price), cost_known: true, wall_seconds: 0 };
  return { tokens, cost_usd: 0, cost_known: tokens === 0, wall_seconds: 0 };
}

/**
 * What one attempt spent: its usage (written while it runs, so a running attempt counts what
 * it has used so far) and the seconds it ran, to its end, or to `runningUntil` while it runs
 * (default: its last heartbeat, so the views derive from the files alone).
 */
export function attemptSpend(state: AttemptState, price: Price | null, runningUntil?: string): Spend {
  const spend = spendOfUsage(state.usage, price);
  const start = state.started_at;
  const end = state.ended_at ?? (state.status === 'running' ? (runningUntil ?? state.last_heartbeat_at ?? start) : undefined);
  return { ...spend, wall_seconds: start && end ? secondsBetween(start, end) : 0 };
}

/** The price of an agent's tokens as the harness config says (its model's pricing entry); null: unpriced. */
export type PriceBook = (agent: AgentName) => Price | null;

export function priceBookOf(config: Pick<HarnessConfig, 'agents' | 'pricing'>): PriceBook {
  return (agent) => priceOf(config, agent).price;
}

/** No prices: every cost but the agents' own reports is unknown. */
export const NO_PRICES: PriceBook = () => null;
