import { z } from 'zod';
import { PriceSchema } from './budget.js';
import { AgentNameSchema, DEFAULTS_KEYS, SandboxSchema, type AgentName } from './launch-table.js';

const HEARTBEAT_STALE_FLOOR_SECONDS = 1800;

const EnvNamesSchema = z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/));

/**
 * The harness config as an operator writes it (every key optional) and, once parsed, the
 * effective config with every default filled in.
 */
export const HarnessConfigSchema = z.strictObject({
  interfaces: z
    .strictObject({
      mcp_stdio: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      mcp_http: z
        .strictObject({ enabled: z.boolean().default(false), auth_mode: z.enum(['none', 'token']).default('none') })
        .prefault({}),
      filesystem_queue: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      mcp_tasks: z
        .strictObject({
          keep_ended_seconds: z
            .int()
            .min(1)
            .max(30 * 24 * 3600)
            .default(3600)
            .describe('How long an MCP task (tasks extension) is kept after it ends, for clients to read its result'),
        })
        .prefault({}),
    })
    .prefault({}),
  timeouts: z
    .strictObject({
      step_seconds: z.number().positive().default(1800).describe('Default timeout of a step'),
      kill_grace_seconds: z.number().min(0).max(600).default(10).describe('SIGTERM to SIGKILL'),
    })
    .prefault({}),
  retries: z
    .strictObject({
      max_attempts: z.int().min(1).max(100).default(2),
      backoff_seconds: z.number().min(0).default(10),
      retry_on_needs_attention: z.boolean().default(false),
      rate_limit_wait_seconds: z
        .number()
        .positive()
        .max(3600)
        .default(5)
        .describe('How long a pool parks after a rate limit or overload that named no reset time; doubles with each one in a row, up to usage_limit_recheck_seconds'),
      usage_limit_recheck_seconds: z
        .number()
        .positive()
        .max(7 * 24 * 3600)
        .default(1800)
        .describe('How long a pool parks after a usage limit that named no reset time, before one attempt tries again'),
      max_limit_retries: z
        .int()
        .min(1)
        .max(10_000)
        .default(48)
        .describe('A step whose last attempts all ended on a provider limit, this many in a row, is not retried again: it ends failed (a quota out of credit rechecked every half hour gives up after a day)'),
      limit_jitter_seconds: z
        .number()
        .min(0)
        .max(600)
        .default(10)
        .describe('At most this much (and at most a quarter of the wait) is added at random to a park, so pools of many runners do not all come back at once'),
    })
    .prefault({}),
  default_agent: AgentNameSchema.default('codex'),
  retention_policy: z.strictObject({ keep_closed_batches_days: z.number().min(0).default(30) }).prefault({}),
  scoreboard: z
    .strictObject({
      heartbeat_stale_after_seconds: z.number().min(HEARTBEAT_STALE_FLOOR_SECONDS).default(2700),
      stuck_auto_remediation: z.boolean().default(false),
      steps_page_size: z.int().min(1).max(1000).default(200),
      list_limit: z.int().min(1).max(1000).default(100).describe('Entries kept in each scoreboard list'),
    })
    .prefault({}),
  runners: z
    .strictObject({
      runner_id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional().describe('Default: hostname-pid'),
      max_concurrency: z.int().min(1).max(256).default(4),
      per_batch_max_concurrency: z.int().min(1).max(256).nullable().default(null),
      per_agent_max_concurrency: z
        .union([z.int().min(1).max(256), z.partialRecord(AgentNameSchema, z.int().min(1).max(256))])
        .nullable()
        .default(null)
        .describe('Most attempts of one provider pool (an agent with one provider profile) at once: one number for every agent, or one per agent; null: max_concurrency'),
      pool_grow_after_seconds: z
        .number()
        .positive()
        .max(24 * 3600)
        .default(60)
        .describe('A pool whose cap halved on a rate limit grows it back by one after this long without one'),
      heartbeat_write_interval_seconds: z.number().min(0).max(60).default(5),
      health_interval_seconds: z.number().min(0.1).max(3600).default(10).describe('How often health.json is refreshed'),
      worker_lock_seconds: z
        .number()
        .min(1)
        .max(600)
        .default(30)
        .describe('Distributed mode: how long a worker may go without renewing its hold on an attempt before the attempt counts as lost (runner_lost)'),
      coordinator_lease_seconds: z
        .number()
        .min(1)
        .max(600)
        .default(15)
        .describe('Distributed mode: how long the coordinator lease in Redis lasts unrenewed; a waiting coordinator takes over within this long of the holder dying'),
      min_free_disk_bytes: z.int().min(0).default(1024 ** 3).describe('Below this much free disk no new attempt starts'),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_jobs_per_batch: z.int().min(1).default(200),
      max_steps_per_job: z.int().min(1).default(200),
      max_prompt_bytes: z.int().min(1).default(256 * 1024),
      max_launch_table_bytes: z.int().min(1024).default(4 * 1024 * 1024).describe('A whole submission, as JSON'),
      min_goal_summary_words: z.int().min(0).default(150),
      max_artifact_bytes: z.int().min(1024).default(1024 * 1024).describe('Largest fetch_artifact page'),
      max_tail_events: z.int().min(1).default(1000),
      max_output_schema_bytes: z.int().min(1024).default(128 * 1024).describe('A table’s distinct output_schemas together, as JSON'),
      report_check_ms: z.int().min(10).default(2000).describe('Longest a run report may take to check against its step’s output_schema'),
    })
    .prefault({}),
  agents: z
    .strictObject({
      codex: z
        .strictObject({
          command: z.string().min(1).default('codex').describe('Path or name (on PATH) of the codex binary'),
          config_toml: z
            .string()
            .nullable()
            .default(null)
            .describe('A config.toml copied into every fresh CODEX_HOME; default: link the runner’s ~/.codex/config.toml'),
          config_overrides: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).describe('Passed as -c key=value'),
          env_passthrough: EnvNamesSchema.default(['OPENAI_API_KEY', 'CODEX_API_KEY'])
            .describe('Variables passed to codex when set; when none is, ~/.codex/auth.json is linked'),
          sandbox: SandboxSchema.default('workspace-write'),
          model: z.string().nullable().default(null).describe('-m MODEL; default: what the config.toml says'),
        })
        .prefault({}),
      claude: z
        .strictObject({
          command: z.string().min(1).default('claude').describe('Path or name (on PATH) of the Claude Code binary'),
          env_passthrough: EnvNamesSchema.default(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']).describe(
            'Variables passed to claude when set; when none is, ~/.claude/.credentials.json is linked',
          ),
          base_url: z.url().nullable().default(null).describe('Sets ANTHROPIC_BASE_URL'),
          sandbox: SandboxSchema.default('workspace-write').describe(
            'Default reach of a claude step: read-only → plan, workspace-write → acceptEdits with allowed_tools, danger-full-access → bypassPermissions',
          ),
          permission_mode: z
            .enum(['acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'])
            .nullable()
            .default(null)
            .describe('--permission-mode; default: from the step’s sandbox'),
          allowed_tools: z.array(z.string().min(1)).default(['Bash']).describe('--allowedTools under workspace-write or an explicit permission_mode'),
          model: z.string().nullable().default(null).describe('--model MODEL; default: Claude Code’s own'),
          extra_args: z.array(z.string()).default([]).describe('Added to every claude command line'),
          disable_nonessential_traffic: z.boolean().default(true).describe('Sets CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1'),
        })
        .prefault({}),
      gemini: z
        .strictObject({
          command: z.string().min(1).default('gemini').describe('Path or name (on PATH) of the Gemini CLI'),
          env_passthrough: EnvNamesSchema.default(['GEMINI_API_KEY', 'GOOGLE_API_KEY']).describe(
            'Variables passed to gemini when set; when none is, ~/.gemini/oauth_creds.json is linked',
          ),
          base_url: z.url().nullable().default(null).describe('Sets GOOGLE_GEMINI_BASE_URL'),
          auth_type: z.string().min(1).default('gemini-api-key').describe('security.auth.selectedType in the attempt’s settings.json'),
          model: z.string().min(1).default('gemini-2.5-flash').describe('-m MODEL (without one the CLI’s router calls a second model first)'),
          sandbox: SandboxSchema.default('workspace-write').describe(
            'Default reach of a gemini step: read-only → plan, workspace-write → auto_edit, danger-full-access → yolo',
          ),
          approval_mode: z.enum(['default', 'auto_edit', 'yolo', 'plan']).nullable().default(null).describe('--approval-mode; default: from the step’s sandbox'),
          settings: z.record(z.string(), z.unknown()).default({}).describe('Merged into the settings.json of every attempt (general.maxAttempts, say)'),
          extra_args: z.array(z.string()).default([]).describe('Added to every gemini command line'),
        })
        .prefault({}),
    })
    .prefault({}),
  git: z
    .strictObject({
      author_name: z.string().min(1).max(200).default('harness-mcp').describe('Author and committer of the commits the harness makes (snapshots, merges)'),
      author_email: z.string().min(3).max(200).regex(/^[^<>\s]+$/, 'an address without spaces or angle brackets').default('harness@localhost'),
    })
    .prefault({}),
  pricing: z
    .record(z.string().min(1), PriceSchema)
    .default({})
    .describe('USD per million tokens by model (agents.<agent>.model), for the cost budgets of agents that report no cost of their own (claude reports its own)'),
  launch_table_overrides: z
    .strictObject({ allowed_defaults: z.array(z.enum(DEFAULTS_KEYS)).default([...DEFAULTS_KEYS]) })
    .prefault({}),
});
export type HarnessConfig = z.infer<typeof HarnessConfigSchema>;

/** harness_config.json: the effective config as served, with its version (docs/spec.md §4.1). */
export const HarnessConfigFileSchema = HarnessConfigSchema.extend({
  harness_config_version: z.string(),
  written_at: z.iso.datetime(),
});
export type HarnessConfigFile = z.infer<typeof HarnessConfigFileSchema>;

/** The model an agent's steps run on and its price, as the config says; null where it says nothing. */
export function priceOf(config: Pick<HarnessConfig, 'agents' | 'pricing'>, agent: AgentName): { model: string | null; price: z.infer<typeof PriceSchema> | null } {
  const model = agent === 'command' ? null : config.agents[agent].model;
  return { model, price: model === null ? null : (config.pricing[model] ?? null) };
}
