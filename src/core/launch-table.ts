import { z } from 'zod';
import { BudgetSchema } from './budget.js';
import { IdSchema, RunIdSchema } from './ids.js';

/** The agents a step may name. Which of them this build can run is the agent registry's word. */
export const AgentNameSchema = z.enum(['codex', 'claude', 'gemini', 'command']);
export type AgentName = z.infer<typeof AgentNameSchema>;

export const ResumeSelectorSchema = z.enum(['latest_successful', 'latest', 'run_id']);
export type ResumeSelector = z.infer<typeof ResumeSelectorSchema>;

export const WorkspacePolicySchema = z.enum(['shared', 'isolated']);

/** How far an agent's own commands may reach (codex's sandbox modes). */
export const SandboxSchema = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
export type Sandbox = z.infer<typeof SandboxSchema>;
export type WorkspacePolicy = z.infer<typeof WorkspacePolicySchema>;

// A week: a step that needs longer is better split.
const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

export const RetriesSchema = z.strictObject({
  max_attempts: z.int().min(1).max(100).describe('Attempts in all, the first included'),
  backoff_seconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .optional()
    .describe('Wait before the first retry; doubles with each further retry'),
});
export type Retries = z.infer<typeof RetriesSchema>;

export const TimeoutSecondsSchema = z.number().positive().max(MAX_TIMEOUT_SECONDS);

export const DEFAULT_FALLBACK_AFTER_SECONDS = 600;

export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 16;
const variantsRule = (issue: { input?: unknown }) =>
  `is ${String(JSON.stringify(issue.input)).slice(0, 40)}; variants must be a whole number from ${MIN_VARIANTS} to ${MAX_VARIANTS}`;
/** How many variants a job runs as (best of N). */
export const VariantCountSchema = z.int({ error: variantsRule }).min(MIN_VARIANTS, { error: variantsRule }).max(MAX_VARIANTS, { error: variantsRule });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ResumeFromSchema = z.strictObject({
  step_id: IdSchema.describe('A step of the same job whose session this step continues'),
  selector: ResumeSelectorSchema.optional().describe('Which attempt of the source step (default latest_successful)'),
  run_id: RunIdSchema.optional().describe('The source attempt, with selector run_id'),
});

export const StepSchema = z.strictObject({
  step_id: IdSchema,
  agent: AgentNameSchema.optional(),
  prompt: z.string().optional().describe('What the agent is asked to do (agents other than command)'),
  command: z.array(z.string()).min(1).optional().describe('argv run without a shell (agent command)'),
  depends_on: z.array(IdSchema).optional().describe('Steps of the same job that must succeed first'),
  resume_from: ResumeFromSchema.optional(),
  timeout_seconds: TimeoutSecondsSchema.optional(),
  retries: RetriesSchema.optional(),
  sandbox: SandboxSchema.optional().describe('Sandbox of the agent’s commands (default: agents.<agent>.sandbox of the harness config)'),
  output_schema: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ additionalProperties: true })
    .describe('JSON Schema the run report must satisfy'),
  env: z
    .record(z.string().regex(ENV_NAME, 'environment variable names match [A-Za-z_][A-Za-z0-9_]*'), z.string())
    .optional()
    .describe('Extra environment variables for this step'),
  fallback_agent: AgentNameSchema.optional().describe(
    'Run the step with this agent instead when its own agent’s pool has been parked by a provider limit for fallback_after_seconds (not for a step that resumes a session)',
  ),
  fallback_after_seconds: TimeoutSecondsSchema.optional().describe(`How long the pool must have been parked before the fallback agent is used (default ${DEFAULT_FALLBACK_AFTER_SECONDS})`),
  budget: BudgetSchema.optional().describe('What this step may spend over all its attempts (default: defaults.budget)'),
});
export type Step = z.infer<typeof StepSchema>;

export const JobSchema = z.strictObject({
  job_id: IdSchema,
  working_directory: z.string().min(1).describe('Absolute path of an existing directory'),
  workspace_policy: WorkspacePolicySchema.optional(),
  base_ref: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^-\s]\S*$/, 'a git ref or commit: no spaces, not starting with -')
    .optional()
    .describe('Commit the job starts from, in the git repository of working_directory (default: its HEAD); resolved at submit'),
  agent: AgentNameSchema.optional(),
  timeout_seconds: TimeoutSecondsSchema.optional(),
  retries: RetriesSchema.optional(),
  sandbox: SandboxSchema.optional(),
  variants: VariantCountSchema.optional().describe(
    'Best of N: the job runs as N jobs `<job_id>.v1` … `<job_id>.vN` with the same steps, each in its own isolated workspace (HARNESS_VARIANT and {{variant}} in prompts tell them apart)',
  ),
  budget: BudgetSchema.optional().describe('What the job may spend over all its steps'),
  steps: z.array(StepSchema).min(1),
});
export type Job = z.infer<typeof JobSchema>;

/** Keys `defaults` may carry; the harness config says which of them a batch may override. */
export const DefaultsSchema = z.strictObject({
  timeout_seconds: TimeoutSecondsSchema.optional(),
  retries: RetriesSchema.optional(),
  agent: AgentNameSchema.optional(),
  sandbox: SandboxSchema.optional(),
  budget: BudgetSchema.optional().describe('The budget of a step that names none'),
});
export type Defaults = z.infer<typeof DefaultsSchema>;
export const DEFAULTS_KEYS = ['timeout_seconds', 'retries', 'agent', 'sandbox', 'budget'] as const;

export const LaunchTableSchema = z.strictObject({
  batch_id: IdSchema.optional().describe('Generated when absent'),
  idempotency_key: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('A repeat with the same key and table returns the first batch instead of starting another'),
  batch_goal_summary: z.string().describe('What this batch is for, in at least limits.min_goal_summary_words words'),
  spec_version: z.string().max(64).optional(),
  defaults: DefaultsSchema.optional(),
  budget: BudgetSchema.optional().describe('What the whole batch may spend over all its jobs'),
  jobs: z.array(JobSchema).min(1),
});
export type LaunchTable = z.infer<typeof LaunchTableSchema>;

/** A step with every setting resolved (nearest of step, job, defaults, harness config wins). */
export const PlannedStepSchema = z.strictObject({
  step_id: IdSchema,
  agent: AgentNameSchema,
  prompt: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  depends_on: z.array(IdSchema).describe('Includes the resume_from source'),
  resume_from: z
    .strictObject({ step_id: IdSchema, selector: ResumeSelectorSchema, run_id: RunIdSchema.nullable() })
    .nullable(),
  timeout_seconds: TimeoutSecondsSchema,
  retries: z.strictObject({ max_attempts: z.int().min(1), backoff_seconds: z.number().min(0) }),
  sandbox: SandboxSchema.nullable().describe('null: the agent’s configured default'),
  output_schema: z.record(z.string(), z.unknown()).nullable(),
  env: z.record(z.string(), z.string()),
  // Absent from a batch_meta.json written before fallbacks existed: read as none.
  fallback: z
    .strictObject({ agent: AgentNameSchema, after_seconds: TimeoutSecondsSchema })
    .nullable()
    .default(null)
    .describe('The agent the step runs with when its own agent’s pool has been parked for after_seconds; null for none'),
  // Absent from a batch_meta.json written before budgets existed: no limit.
  budget: BudgetSchema.nullable().optional().describe('The step’s own or defaults.budget; null or absent: no limit'),
});
export type PlannedStep = z.infer<typeof PlannedStepSchema>;

export const PlannedGitSchema = z.strictObject({
  repository: z.string().describe('Top directory of the work tree working_directory is in'),
  base_ref: z.string().describe('As given, or HEAD'),
  base_commit: z.string().describe('The commit base_ref named at submit'),
  branch: z.string().nullable().describe('harness/<batch_id>/<job_id> for an isolated job, else null'),
});
export type PlannedGit = z.infer<typeof PlannedGitSchema>;

export const PlannedJobSchema = z.strictObject({
  job_id: IdSchema,
  working_directory: z.string().describe('Real path of the directory as resolved at submit'),
  workspace_policy: WorkspacePolicySchema,
  git: PlannedGitSchema.nullable()
    .optional()
    .describe('The git repository of working_directory as resolved at submit; null outside git, absent in batches planned before it was recorded'),
  // Absent from a batch_meta.json written before variants existed: read as an ordinary job.
  variant: z
    .strictObject({ of: IdSchema.describe('The job_id of the submitted job'), index: z.int().min(1), count: VariantCountSchema })
    .nullable()
    .default(null)
    .describe('Which variant of a job with `variants` this is; null for an ordinary job'),
  budget: BudgetSchema.nullable().optional().describe('The job’s budget over all its steps; null or absent: no limit'),
  steps: z.array(PlannedStepSchema).describe('In an order where every step follows its dependencies'),
});
export type PlannedJob = z.infer<typeof PlannedJobSchema>;
