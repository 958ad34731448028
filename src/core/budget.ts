import { z } from 'zod';

// A budget of zero would hold every step before it started: leaving the key out is "no limit".
const positive = (what: string, whole = false) => {
  const rule = (issue: { input?: unknown }) =>
    `is ${String(JSON.stringify(issue.input) ?? issue.input).slice(0, 40)}; ${what} must be a ${whole ? 'whole number' : 'finite number'} above 0 (leave it out for no limit)`;
  return (whole ? z.int({ error: rule }) : z.number({ error: rule })).positive({ error: rule });
};

/**
 * What a step, a job or the batch may spend (docs/spec.md §3 "Budgets"). Tokens are input plus
 * output tokens as the agents report them (cached input is part of input); cost is in US dollars;
 * wall is the seconds its attempts ran, added up (two attempts side by side for 10 s are 20 s).
 * An empty budget sets no limit.
 */
export const BudgetSchema = z.strictObject({
  max_tokens: positive('max_tokens', true).optional().describe('Input plus output tokens, over every attempt it covers'),
  max_cost_usd: positive('max_cost_usd').optional().describe('US dollars: claude’s own reported cost, else the harness config’s pricing'),
  max_wall_seconds: positive('max_wall_seconds').optional().describe('Seconds its attempts ran, added up'),
});
export type Budget = z.infer<typeof BudgetSchema>;
export const BUDGET_KEYS = ['max_tokens', 'max_cost_usd', 'max_wall_seconds'] as const;
export type BudgetKey = (typeof BUDGET_KEYS)[number];

/** The prices of one model, supplied by the user in the harness config's `pricing`. */
export const PriceSchema = z.strictObject({
  input_usd_per_mtok: z.number({ error: 'the price of input tokens is missing: US dollars per million tokens' }).min(0),
  cached_input_usd_per_mtok: z.number({ error: 'the price of cached input tokens is missing: US dollars per million tokens' }).min(0),
  output_usd_per_mtok: z.number({ error: 'the price of output tokens is missing: US dollars per million tokens' }).min(0),
});
export type Price = z.infer<typeof PriceSchema>;

/** What a step, a job or the batch has spent so far. */
export const SpendSchema = z.strictObject({
  tokens: z.int().min(0).describe('Input plus output tokens'),
  cost_usd: z.number().min(0).describe('The known part of the cost'),
  cost_known: z.boolean().describe('false: some tokens have no price (no reported cost, no pricing entry for their model), so cost_usd is less than was spent and only the token budget applies to them'),
  wall_seconds: z.number().min(0),
});
export type Spend = z.infer<typeof SpendSchema>;

export const NO_SPEND: Spend = { tokens: 0, cost_usd: 0, cost_known: true, wall_seconds: 0 };

export function addSpend(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens + b.tokens, cost_usd: a.cost_usd + b.cost_usd, cost_known: a.cost_known && b.cost_known, wall_seconds: a.wall_seconds + b.wall_seconds };
}

/** A limit of a budget and what was spent against it. */
export interface BudgetLimitReached {
  key: BudgetKey;
  spent: number;
  limit: number;
}

function spentOn(spend: Spend, key: BudgetKey): number {
  return key === 'max_tokens' ? spend.tokens : key === 'max_cost_usd' ? spend.cost_usd : spend.wall_seconds;
}

/**
 * The first limit of `budget` that `spend` is over (`strictly`: an attempt is stopped once it
 * spends more than the limit) or has reached (not strictly: nothing new starts once the limit is
 * spent, since whatever it ran would go over); null when none.
 */
export function limitReached(budget: Budget | null, spend: Spend, strictly: boolean): BudgetLimitReached | null {
  if (!budget) return null;
  for (const key of BUDGET_KEYS) {
    const limit = budget[key];
    if (limit === undefined) continue;
    const spent = spentOn(spend, key);
    if (strictly ? spent > limit : spent >= limit) return { key, spent, limit };
  }
  return null;
}

function figure(key: BudgetKey, amount: number): string {
  if (key === 'max_tokens') return amount.toLocaleString('en-US');
  if (key === 'max_cost_usd') return `$${amount.toFixed(4)}`;
  return String(Number(amount.toFixed(1)));
}

/** An amount in a limit's unit: "10,000 tokens", "$0.5000", "30 seconds of wall time". */
export function describeAmount(key: BudgetKey, amount: number): string {
  if (key === 'max_tokens') return `${figure(key, amount)} tokens`;
  if (key === 'max_cost_usd') return figure(key, amount);
  return `${figure(key, amount)} seconds of wall time`;
}

/** What was spent of a limit: "12,500 of 10,000 tokens", "$0.0120 of $0.0100", "0.6 of 0.5 seconds of wall time". */
export function describeLimit({ key, spent, limit }: BudgetLimitReached): string {
  return `${figure(key, spent)} of ${describeAmount(key, limit)}`;
}

/** A budget with an override's fields over it: a number sets a limit, null removes it. */
export function overriddenBudget(budget: Budget | null, override: BudgetOverride | undefined): Budget | null {
  if (!override) return budget;
  const merged: Budget = { ...budget };
  for (const key of BUDGET_KEYS) {
    const value = override[key];
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** A budget as set_budget changes it: a number sets a limit, null removes it, absent keeps it. */
export const BudgetOverrideSchema = z.strictObject({
  max_tokens: positive('max_tokens', true).nullable().optional(),
  max_cost_usd: positive('max_cost_usd').nullable().optional(),
  max_wall_seconds: positive('max_wall_seconds').nullable().optional(),
});
export type BudgetOverride = z.infer<typeof BudgetOverrideSchema>;

/** A budget on a scoreboard: its limits now, what was spent against them, and the first limit spent. */
export const BudgetStandingSchema = z.strictObject({
  budget: BudgetSchema.nullable().describe('Its limits now (as planned, then as set_budget changed them); null: none'),
  spent: SpendSchema,
  reached: z.enum(BUDGET_KEYS).nullable().describe('The first limit that is spent: nothing more under it starts'),
});
export type BudgetStanding = z.infer<typeof BudgetStandingSchema>;
