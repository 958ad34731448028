import { z } from 'zod';
import { BudgetOverrideSchema } from './budget.js';
import { IdSchema } from './ids.js';

/**
 * budgets.json of a batch: the budgets set_budget changed, over those of batch_meta.json (which
 * is written once). Each level's fields replace the planned ones (null removes a limit); a level
 * or a field it does not name keeps what was planned (docs/spec.md §4.1).
 */
export const BudgetOverridesSchema = z.strictObject({
  batch_id: IdSchema,
  batch: BudgetOverrideSchema.optional(),
  jobs: z.record(IdSchema, BudgetOverrideSchema).describe('By job id'),
  steps: z.record(z.string(), BudgetOverrideSchema).describe('By `<job_id>/<step_id>`'),
  updated_at: z.iso.datetime(),
});
export type BudgetOverrides = z.infer<typeof BudgetOverridesSchema>;
