import { priceOf, type AgentName, type Budget, type HarnessConfig } from '../core/index.js';

/** A step's budget: its own, else defaults.budget; null: no limit of its own. */
export function resolveStepBudget(own: Budget | undefined, defaults: Budget | undefined): Budget | null {
  return own ?? defaults ?? null;
}

/**
 * Why a step's max_cost_usd cannot be kept, or null when it can: claude reports what its run
 * cost (total_cost_usd); any other agent's cost is its tokens at the harness config's price
 * for its model, and without one the cost is unknown.
 */
export function costBudgetProblem(agent: AgentName, config: Pick<HarnessConfig, 'agents' | 'pricing'>, source: 'step' | 'defaults'): string | null {
  if (agent === 'claude') return null;
  const from = source === 'defaults' ? ' (from defaults.budget)' : '';
  if (agent === 'command') return source === 'step' ? 'a command step spends no tokens, so it has no cost to limit; use max_wall_seconds' : null;
  const { model, price } = priceOf(config, agent);
  if (price) return null;
  if (model === null) {
    return `max_cost_usd${from} needs a price: ${agent} reports no cost, and agents.${agent}.model is not set in the harness config, so its model is unknown; set agents.${agent}.model and pricing.<model>, or limit max_tokens instead`;
  }
  return `max_cost_usd${from} needs a price: ${agent} reports no cost, and the harness config has no pricing.${model} (the model of agents.${agent}.model); add it (input_usd_per_mtok, cached_input_usd_per_mtok, output_usd_per_mtok) or limit max_tokens instead`;
}
