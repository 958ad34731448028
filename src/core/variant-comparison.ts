import { z } from 'zod';
import { IdSchema } from './ids.js';
import { LandResultSchema } from './landed.js';
import { UsageSchema } from './run-report.js';
import { StepStatusSchema } from './scoreboard.js';

/**
 * A job's steps rolled up into one status: `running` while any step runs, `queued` while any may
 * still start (ready, or blocked on a step that has yet to end); once none can, `succeeded` when
 * every step did, else the first of `failed`, `needs_attention`, `canceled`, `blocked` among them.
 */
export const JobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'needs_attention', 'canceled', 'blocked']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const VariantRowSchema = z.strictObject({
  job_id: IdSchema,
  variant: z.int().min(1),
  status: JobStatusSchema,
  branch: z.string().nullable().describe("The variant's branch, harness/<batch_id>/<job_id>"),
  summary: z.string().nullable().describe('The report summary of the latest attempt of its last step (in the planned order); null before it ran'),
  changes: z
    .strictObject({
      files: z.int().min(0),
      lines_added: z.int().min(0),
      lines_removed: z.int().min(0),
      source: z
        .enum(['branch', 'attempts'])
        .describe("branch: the cumulative diff from the job's base commit to its branch's tip; attempts: the sum of its latest attempts' changes (a file changed by two steps counts twice), when the branch cannot be read"),
    })
    .nullable()
    .describe('null when nothing was recorded'),
  duration_seconds: z.number().min(0).nullable().describe('From its first attempt’s start to its last attempt’s end (or now, while one runs); null before any started'),
  usage: UsageSchema.nullable().describe('Tokens over every attempt of the job, where its agents report them'),
  cost_usd: z.number().min(0).nullable().describe('What those tokens cost, when an agent reports it (claude does); null otherwise'),
  commands: z
    .array(z.strictObject({ step_id: IdSchema, status: StepStatusSchema, exit_code: z.int().nullable() }))
    .describe('Each command step (tests, builds) with its status and the exit code of its latest attempt'),
  landed: z
    .strictObject({ onto: z.string(), result: LandResultSchema, commit: z.string(), landed_at: z.iso.datetime() })
    .nullable()
    .describe('Its newest landing, or null when never landed'),
});
export type VariantRow = z.infer<typeof VariantRowSchema>;

/** compare_variants: the variants of one submitted job, side by side, v1 first. */
export const VariantComparisonSchema = z.strictObject({
  batch_id: IdSchema,
  job_id: IdSchema.describe('The job as submitted'),
  variants: z.array(VariantRowSchema),
});
export type VariantComparison = z.infer<typeof VariantComparisonSchema>;
