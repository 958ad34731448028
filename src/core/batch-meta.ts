import { z } from 'zod';
import { IdSchema } from './ids.js';
import { BudgetSchema } from './budget.js';
import { DefaultsSchema, PlannedJobSchema } from './launch-table.js';

/** batch_meta.json: written once at submit; no runtime results (docs/spec.md §4.1). */
export const BatchMetaSchema = z.strictObject({
  batch_id: IdSchema,
  spec_version: z.string().nullable(),
  submitted_at: z.iso.datetime(),
  harness_config_version: z.string(),
  batch_goal_summary: z.string(),
  launch_table_sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('Of the table in canonical JSON, without idempotency_key'),
  idempotency_key: z.string().nullable(),
  launch_table: z.record(z.string(), z.unknown()).describe('The table as submitted'),
  effective_defaults: DefaultsSchema.required({ timeout_seconds: true, retries: true, agent: true }),
  // Absent from a batch_meta.json written before budgets existed: no limit.
  budget: BudgetSchema.nullable().optional().describe('The batch’s budget over all its jobs; null or absent: no limit'),
  jobs: z.array(PlannedJobSchema).describe('Jobs and steps with every setting resolved'),
});
export type BatchMeta = z.infer<typeof BatchMetaSchema>;
