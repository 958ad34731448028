import { limitReached, type BatchScoreboard, type Budget, type BudgetStanding, type Spend } from '../core/index.js';
import type { BatchRecord } from '../batch/index.js';

function standing(budget: Budget | null, spent: Spend): BudgetStanding {
  return { budget, spent, reached: limitReached(budget, spent, false)?.key ?? null };
}

/**
 * The scoreboard with what was spent against budget at each level (docs/spec.md §7): the batch,
 * each job with a budget, each step of the page with one. A batch without budgets is left as it is.
 */
export function withBudgets(board: BatchScoreboard, record: BatchRecord): BatchScoreboard {
  const book = record.budgets;
  if (!book.any) return board;
  const spent = record.spent;
  const jobs: Record<string, BudgetStanding> = {};
  for (const job of record.meta.jobs) {
    const budget = book.jobBudget(job.job_id);
    if (budget) jobs[job.job_id] = standing(budget, spent.job(job.job_id));
  }
  const held = record.heldByBudget();
  const unpriced = book.unpricedAgents(record.allAttempts());
  const steps = board.steps.map((entry) => {
    const budget = book.stepBudget(entry.job_id, entry.step_id);
    return budget ? { ...entry, budget: standing(budget, spent.step(entry.job_id, entry.step_id)) } : entry;
  });
  const blocked = {
    ...board.blocked,
    items: board.blocked.items.map((item) => {
      const view = record.view(item.job_id, item.step_id);
      return view?.status === 'blocked' && view.blocked.hold ? { ...item, hold: view.blocked.hold } : item;
    }),
  };
  return {
    ...board,
    blocked,
    steps,
    budgets: {
      batch: standing(book.batchBudget(), spent.batch()),
      jobs,
      held,
      cost_unknown: unpriced.length
        ? `the cost of ${unpriced.join(' and ')} tokens is unknown: they report no cost, and the harness config's pricing has no price for their model; only max_tokens and max_wall_seconds apply to them`
        : null,
    },
  };
}
