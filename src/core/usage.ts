import type { Usage } from './run-report.js';

const TOKEN_KEYS = ['input_tokens', 'cached_input_tokens', 'output_tokens'] as const;

/** Cost is kept only when both sides report it: a sum with an unknown part is unknown. */
function combineCost(a: Usage, b: Usage, combine: (x: number, y: number) => number): Pick<Usage, 'cost_usd'> {
  return a.cost_usd !== undefined && b.cost_usd !== undefined ? { cost_usd: Math.max(0, combine(a.cost_usd, b.cost_usd)) } : {};
}

export function addUsage(a: Usage, b: Usage): Usage {
  const tokens = Object.fromEntries(TOKEN_KEYS.map((k) => [k, a[k] + b[k]])) as Omit<Usage, 'cost_usd'>;
  return { ...tokens, ...combineCost(a, b, (x, y) => x + y) };
}

/** What `total` adds to `before`, never below zero (an agent may count a resumed thread afresh). */
export function usageSince(total: Usage, before: Usage | null): Usage {
  if (!before) return total;
  const tokens = Object.fromEntries(TOKEN_KEYS.map((k) => [k, Math.max(0, total[k] - before[k])])) as Omit<Usage, 'cost_usd'>;
  return { ...tokens, ...(total.cost_usd !== undefined ? { cost_usd: Math.max(0, total.cost_usd - (before.cost_usd ?? 0)) } : {}) };
}

/** The sum of whatever usages are known; null when none is. */
export function sumUsages(usages: Iterable<Usage | null>): Usage | null {
  let total: Usage | null = null;
  for (const usage of usages) {
    if (usage) total = total ? addUsage(total, usage) : usage;
  }
  return total;
}
