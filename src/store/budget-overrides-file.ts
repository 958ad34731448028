import { BudgetOverridesSchema, type BudgetOverrides } from '../core/index.js';
import { readJsonIfExists, writeJsonAtomic } from './json-file.js';
import type { RunsPaths } from './paths.js';

/** A batch's budgets.json, or undefined while set_budget never changed one of its budgets. */
export function readBudgetOverrides(paths: RunsPaths, batchId: string): Promise<BudgetOverrides | undefined> {
  return readJsonIfExists(paths.budgetOverridesFile(batchId), BudgetOverridesSchema);
}

/** Replaces budgets.json whole (atomically: a reader sees the old file or the new one); one writer per batch at a time. */
export function writeBudgetOverrides(paths: RunsPaths, overrides: BudgetOverrides): Promise<void> {
  return writeJsonAtomic(paths.budgetOverridesFile(overrides.batch_id), overrides);
}
