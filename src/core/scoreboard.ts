import { z } from 'zod';
import { IdSchema, RunIdSchema } from './ids.js';
import { AttemptStatusSchema, FailureReasonSchema } from './attempt-state.js';
import { AgentOutcomeSchema, UsageSchema } from './run-report.js';
import { AgentNameSchema } from './launch-table.js';
import { LandedEntrySchema, SystemLandingsSchema } from './landed.js';
import { ChangeTotalsSchema } from './changes.js';
import { PoolHealthSchema } from './pools.js';
import { BudgetStandingSchema } from './budget.js';

export const StepStatusSchema = z.enum(['blocked', 'ready', 'running', 'succeeded', 'failed', 'needs_attention', 'canceled']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

export const StepCountsSchema = z.strictObject(
  Object.fromEntries(StepStatusSchema.options.map((s) => [s, z.int().min(0)])) as Record<StepStatus, z.ZodInt>,
);
export type StepCounts = z.infer<typeof StepCountsSchema>;

const StepRef = { job_id: IdSchema, step_id: IdSchema };

export const AttentionEntrySchema = z.strictObject({
  ...StepRef,
  kind: z.enum(['stuck', 'needs_attention', 'failed']),
  run_id: RunIdSchema,
  failure_reason: FailureReasonSchema.nullable(),
  message: z.string().nullable(),
});

export const RunningEntrySchema = z.strictObject({
  ...StepRef,
  run_id: RunIdSchema,
  runner_id: z.string().nullable(),
  attempt_dir: z.string(),
  current_item: z.string().nullable(),
  last_heartbeat_at: z.string().nullable(),
  seconds_since_last_heartbeat: z.number().nullable(),
  started_at: z.string(),
  run_duration_seconds: z.number(),
});

export const BlockedEntrySchema = z.strictObject({
  ...StepRef,
  reasons: z.array(z.string()),
  final: z.boolean().describe('true: the step will not run unless a person retries something'),
  hold: z.literal('budget_exhausted').optional().describe('Held though it could start: a budget over it is spent, until set_budget raises it'),
});

export const FailureEntrySchema = z.strictObject({
  ...StepRef,
  run_id: RunIdSchema,
  attempt: z.int(),
  host_outcome: z.strictObject({
    status: AttemptStatusSchema,
    exit_code: z.int().nullable(),
    failure_reason: FailureReasonSchema.nullable(),
    message: z.string().nullable(),
  }),
  agent_outcome: AgentOutcomeSchema.nullable(),
});

export const FailureGroupSchema = z.strictObject({
  failure_reason: FailureReasonSchema.nullable(),
  message: z.string().nullable().describe('The first line of the message the group shares'),
  count: z.int().min(1),
  examples: z.array(z.strictObject({ job_id: IdSchema, step_id: IdSchema, run_id: RunIdSchema })).describe('Up to 5'),
});

export const ResumeEntrySchema = z.strictObject({
  ...StepRef,
  run_id: RunIdSchema,
  resumed_from: z.strictObject({ step_id: IdSchema, run_id: RunIdSchema, thread_id: z.string().nullable() }),
});

export const StepEntrySchema = z.strictObject({
  ...StepRef,
  status: StepStatusSchema,
  run_id: RunIdSchema.nullable().describe('The latest attempt'),
  attempts: z.int().min(0),
  blocked_reasons: z.array(z.string()),
  retry_at: z.string().nullable().describe('When a retry by policy is due'),
  // Only on the steps of a variant job: two nulls on every step of every other batch would cost
  // a full answer of 200 steps some 6 KB.
  variant_of: IdSchema.optional().describe('The submitted job this step’s job is a variant of (`variants`); absent for an ordinary job'),
  variant: z.int().min(1).optional().describe('Which variant, from 1; absent for an ordinary job'),
  // Absent rather than null or zeros for the same reason: most steps of a large batch change nothing.
  changes: ChangeTotalsSchema.optional().describe('What the latest attempt changed in its workspace (get_changes has it per file); absent when it changed no file or nothing was recorded'),
  budget: BudgetStandingSchema.optional().describe('The step’s own budget over its attempts; absent when it has none'),
});
export type StepEntry = z.infer<typeof StepEntrySchema>;

export const VariantGroupSchema = z.strictObject({
  job_id: IdSchema.describe('The job as submitted'),
  variants: z.array(IdSchema).describe('The job ids of its variants, v1 first'),
});

export const JobChangeEntrySchema = z.strictObject({
  job_id: IdSchema,
  branch: z.string().describe('harness/<batch_id>/<job_id>'),
  base: z.string().describe('The commit base_ref named at submit'),
  head: z.string().describe('The branch tip after its last snapshot'),
  ...ChangeTotalsSchema.shape,
});

/** A list cut to the configured length, with how many entries there were in all. */
function capped<T extends z.ZodType>(entry: T) {
  return z.strictObject({ total: z.int().min(0), items: z.array(entry) });
}

export const BatchBudgetsSchema = z.strictObject({
  batch: BudgetStandingSchema.describe('The batch’s budget over all its jobs, and what they all spent'),
  jobs: z.record(IdSchema, BudgetStandingSchema).describe('Each job with a budget of its own'),
  held: z.int().min(0).describe('Steps held because a budget over them is spent (blocked, budget_exhausted)'),
  cost_unknown: z
    .string()
    .nullable()
    .describe('Whose tokens have no cost (an agent that reports none, a model the pricing table does not price): only the token and wall budgets apply to them'),
});

export const BatchScoreboardSchema = z.strictObject({
  batch_id: IdSchema,
  submitted_at: z.string(),
  computed_at: z.string(),
  batch_goal_summary: z.string(),
  runs_root: z.string(),
  jobs_total: z.int(),
  steps_total: z.int(),
  heartbeat_stale_after_seconds: z.number(),
  settled: z.boolean().describe('No step is running or ready'),
  counts: StepCountsSchema,
  attention: capped(AttentionEntrySchema).describe('stuck, then needs_attention, then failed'),
  running: capped(RunningEntrySchema),
  blocked: capped(BlockedEntrySchema),
  failures: capped(FailureEntrySchema),
  failure_groups: z.array(FailureGroupSchema).describe('Failures that share a cause, largest group first'),
  resumes: capped(ResumeEntrySchema),
  usage: UsageSchema.nullable().describe('Token totals where agents report them'),
  usage_by_agent: z.partialRecord(AgentNameSchema, UsageSchema).describe('Token totals (and cost where the agent reports it) per agent'),
  dispatch_paused: z.string().nullable().describe('Why ready steps are not starting (drain, low disk, a provider pool parked by a limit), if so'),
  job_changes: capped(JobChangeEntrySchema).describe('Each isolated git job’s change as a whole, base..branch, once its branch has a snapshot'),
  variant_groups: z.array(VariantGroupSchema).describe('Each job submitted with `variants` and the jobs it runs as, in submitted order'),
  landed: capped(LandedEntrySchema).describe('The jobs whose branch was landed, each with its newest landing (docs/spec.md §9.1)'),
  steps: z.array(StepEntrySchema).describe('Every step, or one page of them'),
  next_cursor: z.string().nullable(),
  budgets: BatchBudgetsSchema.optional().describe('Spent against budget at each level; absent for a batch without any budget'),
});
export type BatchScoreboard = z.infer<typeof BatchScoreboardSchema>;

/** A runner's health (runs/_system/runners/<runner_id>/health.json, and the system scoreboard). */
export const RunnerHealthSchema = z.strictObject({
  runner_id: z.string(),
  pid: z.int(),
  hostname: z.string(),
  mode: z.enum(['active', 'read_only', 'worker']).describe('read_only: another server owns the runs root; worker: a worker of the distributed mode'),
  capacity: z.int(),
  running: z.int(),
  drain: z.boolean().describe('Draining: no new attempts start, running ones finish'),
  paused_reason: z.string().nullable().describe('Why no new attempt starts now (drain, low disk), if so'),
  pressure: z.strictObject({
    free_disk_bytes: z.number().nullable().describe('On the filesystem of the runs root'),
    load_average_1m: z.number(),
    free_memory_bytes: z.number(),
  }),
  // Absent from a health.json written before pools existed.
  pools: z.array(PoolHealthSchema).default([]).describe('The provider pools: what runs in each, its adaptive cap, and its park when a provider limit holds it'),
  agents: z.array(AgentNameSchema).optional().describe('A worker: the agents it takes attempts of'),
  updated_at: z.string().describe('When it was written: a worker no longer running is last seen then'),
});
export type RunnerHealth = z.infer<typeof RunnerHealthSchema>;
export const RunnerEntrySchema = RunnerHealthSchema;

/** A file of the runs root that could not be read, and what the server did about it. */
export const DamagedFileSchema = z.strictObject({
  batch_id: IdSchema,
  path: z.string().describe('The file, absolute'),
  problem: z.string().describe('Why it could not be read'),
  outcome: z
    .enum(['batch_not_served', 'attempt_ended', 'set_aside'])
    .describe(
      'batch_not_served: every read of the batch fails naming the file until a person repairs or removes it; attempt_ended: the file was moved to <name>.damaged and its attempt ended failed/runner_lost; set_aside: a file derived from others was moved to <name>.damaged and is rebuilt',
    ),
});
export type DamagedFile = z.infer<typeof DamagedFileSchema>;

export const SystemScoreboardSchema = z.strictObject({
  computed_at: z.string(),
  runs_root: z.string(),
  batches_total: z.int(),
  counts: StepCountsSchema.describe('Over every batch'),
  batches: z.array(
    z.strictObject({
      batch_id: IdSchema,
      submitted_at: z.string(),
      settled: z.boolean(),
      steps_total: z.int(),
      counts: StepCountsSchema,
      scoreboard_uri: z.string(),
      scoreboard_path: z.string(),
    }),
  ),
  runners: z.array(RunnerEntrySchema),
  damaged: z.array(DamagedFileSchema).describe('Files that could not be read, and what was done about each'),
  landings: SystemLandingsSchema,
});
export type SystemScoreboard = z.infer<typeof SystemScoreboardSchema>;
