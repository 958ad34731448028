import { z } from 'zod';
import { RunIdSchema } from './ids.js';
import { AttemptStatusSchema, FailureReasonSchema } from './attempt-state.js';
import { AgentOutcomeSchema, UsageSchema } from './run-report.js';

/** final.json: the run report with both outcomes, host (exit) and agent (report) (docs/spec.md §4.1). */
export const FinalReportSchema = z.strictObject({
  run_id: RunIdSchema,
  status: AttemptStatusSchema,
  written_at: z.iso.datetime(),
  host_outcome: z.strictObject({
    exit_code: z.int().nullable(),
    signal: z.string().nullable(),
    timed_out: z.boolean(),
    failure_reason: FailureReasonSchema.nullable(),
    message: z.string().nullable(),
  }),
  agent_outcome: AgentOutcomeSchema.nullable(),
  report: z.unknown().describe('The report as the agent gave it (null when it gave none)'),
  report_source: z.enum(['agent', 'harness']).describe('harness: made from the exit code and output tail'),
  validation_error: z.string().nullable(),
  usage: UsageSchema.nullable(),
  stdout_tail: z.string(),
  stderr_tail: z.string(),
});
export type FinalReport = z.infer<typeof FinalReportSchema>;
