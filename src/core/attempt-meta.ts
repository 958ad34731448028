import { z } from 'zod';
import { IdSchema, RunIdSchema } from './ids.js';
import { AgentNameSchema, WorkspacePolicySchema } from './launch-table.js';
import { AttemptTriggerSchema } from './attempt-state.js';

/** What an attempt ran, where and why; written before the agent is spawned (docs/spec.md §4.1). */
export const AttemptMetaSchema = z.strictObject({
  run_id: RunIdSchema,
  batch_id: IdSchema,
  job_id: IdSchema,
  step_id: IdSchema,
  attempt: z.int().min(1),
  trigger: AttemptTriggerSchema,
  agent: z.strictObject({ name: AgentNameSchema, version: z.string().nullable() }),
  argv: z.array(z.string()).describe('As run, with secret-looking values redacted'),
  env: z.record(z.string(), z.string()).describe('Variables the harness set for the agent, secrets redacted'),
  cwd: z.string(),
  workspace: z.strictObject({
    policy: WorkspacePolicySchema,
    root: z.string(),
    branch: z.string().nullable().optional().describe('The job branch the attempt commits to (isolated git workspaces)'),
    start_commit: z.string().nullable().optional().describe('Snapshot of the workspace as the attempt started; null when none could be made'),
    end_commit: z.string().nullable().optional().describe('Snapshot as it ended, once it has'),
  }),
  timeout_seconds: z.number().positive(),
  resume: z
    .strictObject({ run_id: RunIdSchema, step_id: IdSchema, thread_id: z.string().nullable(), selector: z.string() })
    .nullable(),
  harness_version: z.string(),
  harness_config_version: z.string(),
  runner_id: z.string(),
  written_at: z.iso.datetime(),
  thread_id: z.string().nullable().describe('The agent’s session id, once known'),
  fallback: z
    .strictObject({
      from: AgentNameSchema.describe('The step’s own agent'),
      parked_since: z.iso.datetime().describe('Since when that agent’s pool had been parked'),
      reason: z.string().describe('Why the fallback agent ran the step'),
    })
    .nullable()
    .optional()
    .describe('Set when the step’s fallback_agent ran this attempt instead of its own agent'),
  remediation: z
    .strictObject({ kind: z.literal('stuck_killed'), at: z.iso.datetime(), last_activity_at: z.string() })
    .optional()
    .describe('What the harness did to the attempt on its own, if anything'),
});
export type AttemptMeta = z.infer<typeof AttemptMetaSchema>;
