import { z } from 'zod';
import { AgentNameSchema, AttemptMetaSchema, AttemptStateSchema, PlannedJobSchema, PlannedStepSchema, UsageSchema } from '../core/index.js';

/**
 * What the coordinator hands a worker for one attempt: the attempt as the dispatcher made it,
 * in plain data (the worker makes the agent's adapter from its own registry).
 */
export const AttemptOrderSchema = z.strictObject({
  location: z.strictObject({ batchId: z.string(), jobId: z.string(), stepId: z.string(), dirName: z.string() }),
  state: AttemptStateSchema,
  job: PlannedJobSchema,
  step: PlannedStepSchema,
  agent: AgentNameSchema,
  /** The provider profile of the pool whose queue it came from. */
  profile: z.string(),
  resume: z
    .strictObject({
      runId: z.string(),
      stepId: z.string(),
      selector: z.string(),
      sessionDir: z.string(),
      threadId: z.string().nullable(),
      threadUsage: UsageSchema.nullable(),
    })
    .nullable(),
  fallback: AttemptMetaSchema.shape.fallback.unwrap(),
  /** What is left of the step's max_cost_usd when the attempt was handed out. */
  remaining_step_cost_usd: z.number().nullable(),
});
export type AttemptOrder = z.infer<typeof AttemptOrderSchema>;

/** A state.json write of a worker, reported to the coordinator (which keeps current.json). */
export const StateReportSchema = z.strictObject({
  from: AttemptStateSchema,
  to: AttemptStateSchema,
  resume_base_dir: z.string().nullable(),
});
export type StateReport = z.infer<typeof StateReportSchema>;

/** What a worker answers when an attempt ended: its terminal state, and its resume base (as in the final report). */
export const AttemptResultSchema = z.strictObject({ state: AttemptStateSchema, resume_base_dir: z.string().nullable() });
export type AttemptResult = z.infer<typeof AttemptResultSchema>;

/** The coordinator's messages to every worker, on the root's control channel. */
export const ControlMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('abort'),
    run_id: z.string(),
    /** cancel: canceled; shutdown: runner_lost; stuck: killed as stuck since `detail`; budget: over budget, `detail` says why. */
    reason: z.enum(['cancel', 'shutdown', 'stuck', 'budget']),
    detail: z.string().nullable(),
  }),
  /** A pool's queue was added: workers that serve its agent start taking from it. */
  z.strictObject({ kind: z.literal('queues') }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

/** A pool queue as the coordinator registers it in Redis for the workers to find. */
export const QueueEntrySchema = z.strictObject({ queue: z.string(), agent: AgentNameSchema, profile: z.string() });
export type QueueEntry = z.infer<typeof QueueEntrySchema>;
